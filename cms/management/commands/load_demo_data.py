import json

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from cms.demo import (
    DEMO_ADMIN_PASSWORD,
    DEMO_ADMIN_USERNAME,
    DEMO_LEARNER_EMAIL,
    DEMO_LEARNER_PASSWORD,
    demo_fingerprints,
    load_demo,
)
from cms.demo_schools import DEMO_SCHOOL_PASSWORD, demo_school_logins
from courses.public_address import public_url


class Command(BaseCommand):
    help = (
        "Load the demo school: reference data (regions, provinces, comunas), sample courses and a local "
        "admin user. Safe to run again; existing pages are left untouched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load even when DEBUG is off. The demo admin password is public: change it at once.",
        )
        parser.add_argument("--no-admin", action="store_true", help="Do not create the local admin user.")
        parser.add_argument(
            "--update-content",
            "--actualizar-contenido",
            action="store_true",
            dest="update_content",
            help=(
                "Also bring the demo courses, modules and lessons to the current demo content, except pages an "
                "editor changed, unpublished or saved as a draft since they were loaded (those are listed and left "
                "alone)."
            ),
        )
        parser.add_argument(
            "--print-fingerprints",
            action="store_true",
            help="Only print the fingerprints of the loaded demo pages (JSON), for fixtures/demo/earlier_versions.json",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("DEBUG is off: refusing to load demo content. Use --allow-production to insist.")
        if options["print_fingerprints"]:
            self.stdout.write(json.dumps(demo_fingerprints(), indent=2, ensure_ascii=False))
            return
        call_command("load_reference_data", stdout=self.stdout)
        report = load_demo(create_admin=not options["no_admin"], update=options["update_content"])
        self.stdout.write(
            f"Demo: {report.created_pages} pages, {report.created_images} images and "
            f"{report.created_documents} documents created."
        )
        if options["update_content"]:
            self.stdout.write(f"Demo content: {len(report.updated)} pages updated.")
            for key in report.updated:
                self.stdout.write(f"  updated: {key}")
            if report.kept:
                self.stdout.write(
                    f"{len(report.kept)} pages were changed by an editor since they were loaded and were left alone:"
                )
                for key in report.kept:
                    self.stdout.write(f"  left alone: {key}")
        for note in report.notes:
            self.stdout.write(note)
        if not options["no_admin"]:
            self.stdout.write(
                f"Admin (local use only): {public_url(reverse('wagtailadmin_home'))}  user {DEMO_ADMIN_USERNAME!r}, "
                f"password {DEMO_ADMIN_PASSWORD!r}"
            )
        self.stdout.write(
            f"Demo learner (local use only): {public_url(reverse('accounts:login'))}  {DEMO_LEARNER_EMAIL!r}, "
            f"password {DEMO_LEARNER_PASSWORD!r}"
        )
        for school, admin_email, instructor_email in demo_school_logins():
            self.stdout.write(
                f"{school.name}: {school.site.root_url}/  administrator {admin_email!r}, instructor "
                f"{instructor_email!r}, password {DEMO_SCHOOL_PASSWORD!r}"
            )
