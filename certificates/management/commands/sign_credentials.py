"""Sign (again) the Open Badges credentials of issued certificates, and the issuers' status lists."""

from django.core.management.base import BaseCommand
from django.db.models import Q

from certificates.credentials import services
from certificates.models import IssuedCertificate, Issuer, issuer_site
from courses.public_address import public_base_url


class Command(BaseCommand):
    help = (
        "Sign the Open Badges credentials of certificates that have none (an issuer that got its key later) or "
        "that name another address than their issuer's site (PUBLIC_BASE_URL, or a school's host), or of every "
        "certificate with --all (after a key rotation), and refresh the issuers' status lists. The salt and status "
        "position of a credential are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Re-sign every credential, not only missing ones.")

    def handle(self, *args, **options):
        certificates = IssuedCertificate.objects.order_by("pk")
        if not options["all"]:
            # Each issuer's credentials name its site's address (a school's host for a school's issuer).
            current = Q(pk__in=[])
            for issuer in Issuer.objects.select_related("school__site"):
                base = public_base_url(site=issuer_site(issuer))
                current |= Q(issuer=issuer, credential__id__startswith=base + "/")
            certificates = certificates.filter(Q(credential__isnull=True) | ~current)
        signed = 0
        for pk in certificates.values_list("pk", flat=True).iterator():
            if services.credential_resign(certificate=IssuedCertificate(pk=pk)).credential:
                signed += 1
        for issuer in Issuer.objects.all():
            services.status_list_refresh(issuer=issuer)
        if signed or options["verbosity"] > 1:
            self.stdout.write(f"Signed {signed} credentials.")
