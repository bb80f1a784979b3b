"""``LearnerProfile.email_confirmed_at`` tells "never confirmed" apart from "deactivated by staff": before it, both
were just an inactive account, and the confirmation link served both.

For existing profiles: an account that is inactive, never logged in and not blocked is taken as never confirmed
(empty); every other profile counts as confirmed on the day its account was created (its real confirmation time
was not recorded). Reversing drops the column.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def set_email_confirmed_at(apps, schema_editor):
    LearnerProfile = apps.get_model("learners", "LearnerProfile")
    User = LearnerProfile._meta.get_field("user").related_model
    LearnerProfile.objects.filter(user__is_active=False, user__last_login__isnull=True, blocked_at__isnull=True).update(
        email_confirmed_at=None
    )
    LearnerProfile.objects.filter(email_confirmed_at__isnull=False).update(
        email_confirmed_at=Subquery(User.objects.filter(pk=OuterRef("user_id")).values("date_joined")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0007_report_non_canonical_runs"),
    ]

    operations = [
        migrations.AddField(
            model_name="learnerprofile",
            name="email_confirmed_at",
            field=models.DateTimeField(
                blank=True,
                default=django.utils.timezone.now,
                help_text=(
                    "Empty while the account waits for its owner to confirm her email (sign-up) or to claim it "
                    "(imported from a file); only then can a confirmation or a claim activate it."
                ),
                null=True,
                verbose_name="email confirmed at",
            ),
        ),
        migrations.RunPython(set_email_confirmed_at, migrations.RunPython.noop),
    ]
