"""Stored RUNs must be canonical (``12345678-5``: ASCII digits, a dash, the check digit or K). Before this change the
sign-up accepted fullwidth and other non-ASCII digits, so a RUN could be stored as typed (``１６０００００５-8``),
and a second account could hold another spelling of a RUN that was already taken.

Rule: a stored RUN that normalises (NFKC, dots, dashes and spaces dropped, ASCII digits and K only, right check
digit) to a canonical RUN that no other profile holds is rewritten to that canonical form; every other
non-canonical RUN (a spelling of a RUN another profile holds, or no valid RUN at all) is left as it is for the
academy to review. Both lists of profile ids are printed and logged (warning, logger ``learners.migrations``);
the RUN itself is never printed. The normalisation is frozen here, as it was when this migration was written.
"""

import logging
import re
import unicodedata

import learners.accounts.run
from django.db import migrations, models

logger = logging.getLogger("learners.migrations")

MIN_BODY, MAX_BODY = 100_000, 99_999_999


def _check_digit(body: str) -> str:
    total, weight = 0, 2
    for digit in reversed(body):
        total += int(digit) * weight
        weight = 2 if weight == 7 else weight + 1
    remainder = 11 - total % 11
    return {11: "0", 10: "K"}.get(remainder, str(remainder))


def canonical(value: str) -> str | None:
    """The canonical RUN ``value`` stands for, or None when it is not a valid RUN."""
    text = unicodedata.normalize("NFKC", value or "")
    compact = "".join(
        char for char in text if char != "." and not char.isspace() and unicodedata.category(char) != "Pd"
    ).upper()
    if not re.fullmatch(r"[0-9]+[0-9K]", compact):
        return None
    body, digit = compact[:-1].lstrip("0"), compact[-1]
    if not body or len(body) > 8 or not MIN_BODY <= int(body) <= MAX_BODY or _check_digit(body) != digit:
        return None
    return f"{body}-{digit}"


def report_non_canonical_runs(apps, schema_editor):
    """Fix the unambiguous non-canonical RUNs and report the rest (see the module docstring)."""
    LearnerProfile = apps.get_model("learners", "LearnerProfile")
    profiles = list(LearnerProfile.objects.filter(run__isnull=False).values_list("pk", "run"))
    held = {run for _pk, run in profiles}
    fixed, to_review = [], []
    for pk, run in profiles:
        target = canonical(run)
        if target == run:
            continue
        if target is not None and target not in held:
            LearnerProfile.objects.filter(pk=pk).update(run=target)
            held.discard(run)
            held.add(target)
            fixed.append(pk)
        else:
            to_review.append(pk)
    for label, ids in (("rewritten in canonical form", fixed), ("NOT canonical, left for review", to_review)):
        if ids:
            message = f"learners: RUNs {label}, learner profile ids: {', '.join(map(str, sorted(ids)))}"
            logger.warning(message)
            print(f"\n  {message}")  # noqa: T201


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0006_first_privacy_notice_and_consents"),
    ]

    operations = [
        migrations.AlterField(
            model_name="learnerprofile",
            name="run",
            field=models.CharField(
                blank=True,
                max_length=10,
                null=True,
                unique=True,
                validators=[learners.accounts.run.validate_canonical_run],
                verbose_name="RUN",
            ),
        ),
        migrations.RunPython(report_non_canonical_runs, migrations.RunPython.noop),
    ]
