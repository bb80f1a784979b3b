from django.core.management.base import BaseCommand

from cms.roles import school_roles_sync


class Command(BaseCommand):
    help = (
        "Create or repair the staff roles (Instructor, Academia, Coordinación municipal, Administrador), the "
        "academy's review workflow on the course catalogues, and each course's instructor group. Safe to run again."
    )

    def handle(self, *args, **options):
        report = school_roles_sync()
        self.stdout.write(
            f"Roles: {report.roles} groups; {report.courses} courses with {report.editors} instructor accounts; "
            f"{report.removed_groups} groups of deleted courses removed."
        )
