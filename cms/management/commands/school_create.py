from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cms.schools.services import school_create


class Command(BaseCommand):
    help = (
        "Add a municipal school: its site on its own host name, home page, catalogue, 'Acerca de' page, settings, "
        "groups, collection, certificate issuer and first administrator, in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The school's name, e.g. 'Escuela Ciudadana de Peñalolén'.")
        parser.add_argument("--cut", required=True, help="The comuna's CUT code, e.g. 13122 (Peñalolén).")
        parser.add_argument(
            "--host", required=True, help="Host name, optionally with a port: penalolen.escuelaciudadana.cl"
        )
        parser.add_argument("--admin-email", required=True, help="The first school administrator's email.")
        parser.add_argument("--rut", default="", help="The municipality's RUT, printed on its certificates.")

    def handle(self, *args, **options):
        try:
            created = school_create(
                name=options["name"],
                comuna_code=options["cut"],
                host=options["host"],
                admin_email=options["admin_email"],
                rut=options["rut"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        school = created.school
        self.stdout.write(f"Created the school {school.name!r} at {school.site.root_url}/")
        if created.account_created:
            self.stdout.write(
                f"Created the account {created.administrator.email!r} without a password: she sets it with "
                "'¿Olvidaste tu contraseña?' on the admin's log-in page."
            )
