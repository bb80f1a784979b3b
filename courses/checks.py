"""System checks for the courses plugin: the site's public address (``courses.public_address``).

Every absolute link (a certificate's QR code and printed link, the links in emails) is built from it, so a
missing or wrong address makes certificates that never verify. The rule:

- PUBLIC_BASE_URL (or, in a site that does not set it, WAGTAILADMIN_BASE_URL) must be an absolute http(s) origin;
- when both are set they must agree, so Wagtail's own emails link to the same site;
- its host must be one that ALLOWED_HOSTS accepts (otherwise every scanned QR code gets "Bad Request");
- a site whose cookies only travel over HTTPS (SESSION_COOKIE_SECURE or SECURE_SSL_REDIRECT, as in production)
  must have an https:// address: an http:// link printed on a certificate would outlive any redirect;
- (a warning, checked with the database, e.g. by ``migrate``) the default Wagtail Site should have the same
  address, because Wagtail links to pages with it (``page.full_url``, in its review emails).
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

from courses.public_address import (
    address_problem,
    configured_base_url,
    host_allowed,
    origin,
    public_base_url,
    site_record_address,
)

HINT = (
    "Set the environment variable PUBLIC_BASE_URL to the address people use to reach the site, for example "
    "https://escuela.example.cl (see the README, 'Dirección pública del sitio')."
)


@register()
def check_public_address(app_configs=None, **kwargs):
    value = configured_base_url()
    if not value:
        message = "PUBLIC_BASE_URL is not set: certificates and emails need the site's public address."
        hint = HINT + " It replaces the WAGTAILADMIN_BASE_URL variable of earlier versions."
        return [Error(message, hint=hint, id="courses.E001")]
    problem = address_problem(value)
    if problem:
        return [Error(f"PUBLIC_BASE_URL {value!r} is not usable: {problem}.", hint=HINT, id="courses.E002")]
    errors = []
    admin = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    public = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    if public and admin and (address_problem(admin) or origin(admin) != origin(public)):
        errors.append(
            Error(
                f"WAGTAILADMIN_BASE_URL {admin!r} differs from PUBLIC_BASE_URL {public!r}.",
                hint="Leave WAGTAILADMIN_BASE_URL unset: cms/settings derives it from PUBLIC_BASE_URL.",
                id="courses.E003",
            )
        )
    if not host_allowed(value):
        errors.append(
            Error(
                f"The host of PUBLIC_BASE_URL {value!r} is not in ALLOWED_HOSTS: its links would get 'Bad Request'.",
                hint="Add the host to DJANGO_ALLOWED_HOSTS, or correct PUBLIC_BASE_URL.",
                id="courses.E004",
            )
        )
    https_only = getattr(settings, "SESSION_COOKIE_SECURE", False) or getattr(settings, "SECURE_SSL_REDIRECT", False)
    if https_only and not value.lower().startswith("https://"):
        errors.append(
            Error(
                f"PUBLIC_BASE_URL {value!r} is not https:// but the site only works over HTTPS (secure cookies).",
                hint=HINT,
                id="courses.E005",
            )
        )
    return errors


@register(Tags.database)
def check_default_site_address(app_configs=None, databases=None, **kwargs):
    value = configured_base_url()
    if not databases or not value or address_problem(value):
        return []
    from wagtail.models import Site

    try:
        site = Site.objects.filter(is_default_site=True).first()
    except DatabaseError:  # before the first migrate
        return []
    if site is None or origin(site.root_url) == public_base_url():
        return []
    wanted = site_record_address(value)
    hint = (
        f"In the admin, Settings > Sites, give the default site the host name {wanted[0]!r} and port {wanted[1]}."
        if wanted
        else "Wagtail Sites cannot say https:// on a port other than 443: serve the site on 443."
    )
    message = f"The default Wagtail site's address {site.root_url!r} differs from PUBLIC_BASE_URL {value!r}."
    return [Warning(message, hint=hint, id="courses.W001")]


@register(Tags.database)
def check_accounts_in_one_school(app_configs=None, databases=None, **kwargs):
    """(A warning, with the database) Accounts in the staff groups of several municipal schools: the admin
    refuses them until the academy leaves each in one school's groups (``courses.schools.guards``)."""
    if not databases:
        return []
    from courses.schools.selectors import accounts_in_several_schools

    try:
        found = accounts_in_several_schools()
    except DatabaseError:  # before the first migrate
        return []
    return [
        Warning(
            f"The account {user.email or user.get_username()!r} (id {user.pk}) is in the staff groups of several "
            f"schools: {', '.join(school.name for school in schools)}. The administration refuses it until it is "
            "in one school's groups.",
            hint="In the admin, Settings > Users, leave it in the groups of one school only (README, 'Roles de "
            "cada escuela').",
            id="courses.W002",
        )
        for user, schools in found
    ]
