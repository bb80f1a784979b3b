"""Writes for schools: ``school_create`` and ``school_delete`` (both atomic: a failure leaves nothing behind)."""

import re
import unicodedata
from dataclasses import dataclass
from html import escape

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.http.request import split_domain_port, validate_host
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    GroupSitePermission,
    Page,
    Site,
    Workflow,
)

from certificates.models import IssuedCertificate, Issuer
from cms import roles
from cms.models import HomePage, SchoolSettings, StandardPage
from courses.models import Comuna, CourseIndexPage, School, SchoolGroup
from courses.public_address import public_base_url, site_record_address
from courses.schools.guards import account_label, several_schools_message
from courses.schools.selectors import schools_of_groups
from learners.models import Enrolment

ADD_PERMISSION = "courses.add_school"
DELETE_PERMISSION = "courses.delete_school"
ADMIN_GROUP_PREFIX = "Administración "
TEACHER_GROUP_PREFIX = "Docentes "
HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

# What a school's groups may do on its own tree (the home page and below) and in its own collection.
ADMIN_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "delete_page", "lock_page", "unlock_page"]
TEACHER_PAGE_PERMISSIONS = ["add_page", "change_page"]


@dataclass(frozen=True)
class SchoolCreated:
    school: School
    administrator: object
    account_created: bool  # the first administrator had no account: she sets her password through "forgot password"


def admin_group_name(name: str) -> str:
    return f"{ADMIN_GROUP_PREFIX}{name}"[:150]


def teacher_group_name(name: str) -> str:
    return f"{TEACHER_GROUP_PREFIX}{name}"[:150]


def parse_host(value: str) -> tuple[str, int | None]:
    """``penalolen.localhost`` or ``penalolen.localhost:8000`` → (host, port or None). Raises ValidationError with
    a Spanish message for anything that is not a host name (an address with a scheme or a path, spaces, accents…)."""
    value = (value or "").strip().lower().rstrip(".")
    host, port = split_domain_port(value) if value else ("", "")
    labels = host.split(".") if host else []
    if not host or len(host) > 253 or len(labels) < 2 or not all(HOST_LABEL.match(label) for label in labels):
        raise ValidationError(
            _(
                "Write only the host name, in lower case, without http:// nor a path: for example "
                "penalolen.escuelaciudadana.cl (or penalolen.localhost to try it on this computer)."
            ),
            code="invalid_host",
        )
    if value.endswith(":") or (port and not (port.isdigit() and 0 < int(port) < 65536)):
        raise ValidationError(_("The port after the colon must be a number from 1 to 65535."), code="invalid_port")
    return host, int(port) if port else None


def _default_port() -> int:
    address = site_record_address(public_base_url())
    return address[1] if address else 80


def _ascii_code(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]", "", folded.upper())


def _issuer_code(comuna: Comuna) -> str:
    base = (_ascii_code(comuna.name) or f"M{comuna.code}")[:12]
    code = base
    while Issuer.objects.filter(short_code=code).exists():
        code = f"{base[: 12 - len(comuna.code)]}{comuna.code}"
        if Issuer.objects.filter(short_code=code).exists():
            code = f"M{comuna.code}"
            break
    return code


def school_errors(*, name: str, comuna_code: str, host: str, admin_email: str, created_by=None) -> dict[str, str]:
    """Why these values cannot make a school (field → Spanish message); empty when they can. Read-only."""
    errors: dict[str, str] = {}
    if created_by is not None and not created_by.has_perm(ADD_PERMISSION):
        errors["__all__"] = _("Only the academy can add schools.")
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Write the school's name.")
    elif School.objects.filter(name__iexact=name).exists():
        errors["name"] = _("There is already a school with this name.")
    comuna = Comuna.objects.filter(code=(comuna_code or "").strip()).first()
    if comuna is None:
        errors["comuna"] = _("There is no comuna with the CUT code “%(code)s”.") % {"code": comuna_code}
    elif School.objects.filter(comuna=comuna).exists():
        errors["comuna"] = _("%(comuna)s already has a school.") % {"comuna": comuna.name}
    try:
        hostname, _port = parse_host(host)
    except ValidationError as error:
        errors["host"] = error.messages[0]
    else:
        if Site.objects.filter(hostname=hostname).exists():
            errors["host"] = _("The host name %(host)s is already used by another site.") % {"host": hostname}
        elif not validate_host(hostname, settings.ALLOWED_HOSTS):
            errors["host"] = _(
                "This server does not accept the host name %(host)s: add it (or .%(domain)s) to DJANGO_ALLOWED_HOSTS "
                "first."
            ) % {"host": hostname, "domain": hostname.split(".", 1)[1]}
    try:
        validate_email((admin_email or "").strip())
    except ValidationError:
        errors["admin_email"] = _("Write a valid email address for the first administrator.")
    else:
        existing = get_user_model().objects.filter(email__iexact=admin_email.strip()).order_by("pk").first()
        if existing is not None and not existing.is_active:
            errors["admin_email"] = _("The account with this email is deactivated.")
        elif existing is not None:
            # an account works for one school: the staff of another school cannot be this one's administrator
            schools = schools_of_groups(group_ids=existing.groups.values_list("pk", flat=True))
            if schools:
                names = [school.name for school in schools] + [name or _("the new school")]
                errors["admin_email"] = several_schools_message(account=account_label(existing), names=names)
    return errors


def _publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _unique_slug(parent: Page, wanted: str) -> str:
    slug, number = wanted or "escuela", 2
    while parent.get_children().filter(slug=slug).exists():
        slug, number = f"{wanted}-{number}", number + 1
    return slug


def _page_permissions(group: Group, page: Page, codenames: list[str]) -> None:
    for codename in codenames:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=page,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
        )


def _collection_permissions(group: Group, collection: Collection, names: list[str]) -> None:
    for name in names:
        app_label, codename = name.split(".")
        GroupCollectionPermission.objects.get_or_create(
            group=group,
            collection=collection,
            permission=Permission.objects.get(content_type__app_label=app_label, codename=codename),
        )


def _administrator(email: str):
    User = get_user_model()
    email = email.strip()
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    if user is not None:
        return user, False
    user = User(username=email.lower(), email=email.lower())
    user.set_unusable_password()
    user.save()
    return user, True


@transaction.atomic
def school_create(
    *, name: str, comuna_code: str, host: str, admin_email: str, created_by=None, rut: str = ""
) -> SchoolCreated:
    """A new municipal school: its Site on ``host`` (port: the public address's, unless given), a published home
    page with a catalogue (under the academy's review) and an "Acerca de" page, its settings, an image and document
    collection, its "Administración …" and "Docentes …" groups with rights on its own tree and collection only, a
    certificate issuer for its comuna, and its first administrator (an existing account, or a new one without a
    password). Page titles and group names are data written in Spanish, like the roles. Raises ValidationError
    (field → Spanish message) when the values are refused; nothing is written then, and a failure half-way undoes
    everything."""
    errors = school_errors(
        name=name, comuna_code=comuna_code, host=host, admin_email=admin_email, created_by=created_by
    )
    if errors:
        raise ValidationError(errors)
    name = name.strip()
    comuna = Comuna.objects.get(code=comuna_code.strip())
    hostname, port = parse_host(host)
    root = Page.get_first_root_node()

    home = _publish(
        root,
        HomePage(
            title=name,
            slug=_unique_slug(root, slugify(comuna.name)),
            hero_title=name,
            hero_text=f"Cursos gratuitos para participar en la vida de {comuna.name}.",
        ),
    )
    _publish(home, CourseIndexPage(title="Cursos", slug="cursos", show_in_menus=True))
    _publish(
        home,
        StandardPage(
            title="Acerca de",
            slug="acerca-de",
            show_in_menus=True,
            body=f"<p>{escape(name)} es la escuela ciudadana de la Municipalidad de {escape(comuna.name)}.</p>",
        ),
    )
    site = Site.objects.create(
        hostname=hostname, port=port or _default_port(), root_page=home, site_name=name, is_default_site=False
    )
    school = School.objects.create(name=name, comuna=comuna, site=site)
    school_settings = SchoolSettings.for_site(site)
    school_settings.school_name = name
    school_settings.organisation_name = f"Municipalidad de {comuna.name}"
    school_settings.save()

    collection = Collection.get_first_root_node().add_child(name=name)
    admins = Group.objects.create(name=admin_group_name(name))
    teachers = Group.objects.create(name=teacher_group_name(name))
    SchoolGroup.objects.create(group=admins, school=school, kind=SchoolGroup.Kind.ADMINISTRATION)
    SchoolGroup.objects.create(group=teachers, school=school, kind=SchoolGroup.Kind.TEACHING)
    roles.school_access_sync(school=school)  # model permissions and the school's review workflow
    _page_permissions(admins, home, ADMIN_PAGE_PERMISSIONS)
    _page_permissions(teachers, home, TEACHER_PAGE_PERMISSIONS)
    _collection_permissions(admins, collection, roles.IMAGES_AND_DOCUMENTS_ALL)
    _collection_permissions(teachers, collection, roles.IMAGES_AND_DOCUMENTS_TO_USE)
    GroupSitePermission.objects.create(
        group=admins,
        site=site,
        permission=Permission.objects.get(content_type__app_label="cms", codename="change_schoolsettings"),
    )

    issuer = Issuer(
        name=school_settings.organisation_name,
        short_code=_issuer_code(comuna),
        rut=(rut or "").strip(),
        city=comuna.name,
        comuna=comuna,
        school=school,
    )
    issuer.full_clean(exclude=["rut"] if not issuer.rut else None)
    issuer.save()

    administrator, created = _administrator(admin_email)
    administrator.groups.add(admins)
    return SchoolCreated(school=school, administrator=administrator, account_created=created)


def school_records(*, school: School) -> tuple[int, int]:
    """(enrolments, certificates) that belong to the school: in courses of its tree, or issued in its name."""
    home_path = school.site.root_page.path
    enrolments = Enrolment.objects.filter(course__path__startswith=home_path).count()
    certificates = IssuedCertificate.objects.filter(
        Q(issuer__school=school) | Q(course__path__startswith=home_path)
    ).count()
    return enrolments, certificates


@transaction.atomic
def school_delete(*, school: School, deleted_by=None) -> None:
    """Remove a school that nobody studied in: its pages, site, settings, groups, issuer and (when empty) its
    collection. Raises ValidationError with a Spanish message while it has enrolments or certificates, or other
    records that still point at its pages (cohorts, certificate templates)."""
    if deleted_by is not None and not deleted_by.has_perm(DELETE_PERMISSION):
        raise ValidationError(_("Only the academy can remove schools."))
    school = School.objects.select_for_update().select_related("site__root_page").get(pk=school.pk)
    enrolments, certificates = school_records(school=school)
    if enrolments or certificates:
        raise ValidationError(
            _(
                "%(school)s cannot be removed: it has %(enrolments)s enrolments and %(certificates)s certificates. "
                "A school where people have studied is kept, so that their records and certificates stay valid."
            )
            % {"school": school.name, "enrolments": enrolments, "certificates": certificates}
        )
    site, home = school.site, school.site.root_page
    group_ids = list(SchoolGroup.objects.filter(school=school).values_list("group_id", flat=True))
    try:
        Issuer.objects.filter(school=school).delete()
        school.delete()
        site.delete()
        home.delete()
    except ProtectedError as error:
        raise ValidationError(
            _(
                "%(school)s cannot be removed: other records (cohorts or certificate templates) still use its pages "
                "or its issuer. Remove them first."
            )
            % {"school": school.name}
        ) from error
    Group.objects.filter(pk__in=group_ids).delete()
    Workflow.objects.filter(name=roles.school_workflow_name(school.name)).update(active=False)
    collection = Collection.objects.filter(depth=2, name=school.name).first()
    if collection is not None:
        collections = collection.get_descendants(inclusive=True)
        in_use = (
            get_image_model().objects.filter(collection__in=collections).exists()
            or get_document_model().objects.filter(collection__in=collections).exists()
        )
        if not in_use:
            collection.delete()
