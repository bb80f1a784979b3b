"""H5P attempts open with their first answer (learners.h5p.services). Before, the player's ``attempted`` statement,
sent on every visit, opened one: each visit to a completed activity left an attempt without answers ("?" rows).

- An open attempt without any ``answered`` statement is deleted (its statements stay, for the record, unattached;
  a completed attempt always has its closing answer and is never touched).
- A saved player state is kept only for an attempt in progress: a state of a learner whose attempts at that
  activity are all closed is deleted, so her next visit starts clean instead of restoring answers the server never
  saw (issue 12, item 6).

The number of rows deleted is logged (info, logger ``learners.migrations``). Not reversible: nothing is restored.
"""

import logging

from django.db import migrations
from django.db.models import Exists, OuterRef

logger = logging.getLogger("learners.migrations")

ANSWERED = "http://adlnet.gov/expapi/verbs/answered"


def purge(apps, schema_editor):
    H5PAttempt = apps.get_model("learners", "H5PAttempt")
    H5PStatement = apps.get_model("learners", "H5PStatement")
    H5PUserState = apps.get_model("learners", "H5PUserState")
    answers = H5PStatement.objects.filter(attempt=OuterRef("pk"), verb=ANSWERED)
    empty = H5PAttempt.objects.filter(completed_at__isnull=True).exclude(Exists(answers))
    attempts, _ = empty.delete()
    open_attempt = H5PAttempt.objects.filter(
        user=OuterRef("user"), activity=OuterRef("activity"), completed_at__isnull=True
    )
    closed_attempt = H5PAttempt.objects.filter(
        user=OuterRef("user"), activity=OuterRef("activity"), completed_at__isnull=False
    )
    states, _ = H5PUserState.objects.filter(Exists(closed_attempt)).exclude(Exists(open_attempt)).delete()
    if attempts or states:
        logger.info("H5P: %s empty attempts and %s saved states of closed attempts deleted.", attempts, states)


class Migration(migrations.Migration):
    dependencies = [("learners", "0009_add_login_lock")]

    operations = [migrations.RunPython(purge, migrations.RunPython.noop, elidable=True)]
