"""Delete a learner's personal data (the same service the admin's answer to a deletion request runs)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from learners.privacy import services


class Command(BaseCommand):
    help = (
        "Irreversibly delete a learner's personal data, keeping her issued certificates verifiable. "
        "Give her account id (or email) and --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("learner", help="The account's id or email.")
        parser.add_argument("--yes", action="store_true", help="Confirm: the deletion cannot be undone.")

    def handle(self, *args, learner, yes, **options):
        User = get_user_model()
        lookup = {"pk": int(learner)} if learner.isdigit() else {"email__iexact": learner}
        user = User._default_manager.filter(**lookup).first()
        if user is None:
            raise CommandError("No account matches.")
        if not yes:
            raise CommandError("This cannot be undone: run again with --yes to delete the learner's data.")
        try:
            erasure = services.learner_delete(user=user, by=None)
        except services.PrivacyError as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{name}={count}" for name, count in erasure.counts.items())
        self.stdout.write(f"Deleted. Recorded as «{erasure.label}». {counts}")
