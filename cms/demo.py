"""Demo content for a local installation: the home page, the catalogue and the sample courses.

Reads the JSON files in ``fixtures/demo``. Pages that already exist (matched by slug) are left as they
are, so running the loader again never duplicates content nor overwrites an editor's changes.

Updating an installation's demo courses (``update=True``, ``load_demo_data --update-content``): every course,
module and lesson page the loader writes gets a ``DemoPageRecord`` with the fingerprint (SHA-256) of the content
the loader manages, as loaded: course title, summary, classification, hours, objectives, requirements and review
date and reviewer; module title and introduction; lesson title, minutes and body (block types and values, a
document by its title; not the block ids). A page is updated only when the fingerprint of its latest revision
(a saved draft counts) is the recorded one, or one of the earlier demo versions listed in
``fixtures/demo/earlier_versions.json`` (for pages loaded before records existed), and the page is live.
Anything else means an editor changed, unpublished or re-saved the page: it is left alone and reported.
"""

import hashlib
import io
import json
import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from html import escape
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from certificates.models import CertificateTemplate, Issuer, Signatory
from cms.demo_schools import ensure_demo_schools
from cms.demo_staff import DEMO_LEARNER_EMAIL, ensure_demo_staff
from cms.models import DemoPageRecord, HomeFeaturedCourse, HomePage, SchoolSettings, StandardPage
from courses.models import Audience, Comuna, CourseIndexPage, CourseInstructor, CoursePage, LessonPage, ModulePage
from courses.public_address import public_base_url, site_record_address
from courses.selectors import course_lessons
from learners.enrolment.services import enrolment_create, session_change, session_create, session_suspend
from learners.models import Cohort, LearnerProfile, Session
from learners.progress.services import lesson_mark_complete

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
DEMO_ADMIN_USERNAME = "admin"
DEMO_PLACE = "Sede Junta de Vecinos Villa Los Aromos, Peñalolén"
DEMO_ADDRESS = "Los Aromos 1450, Peñalolén"
DEMO_DIRECTIONS = (
    "A dos cuadras del paradero 14 de Av. Grecia (micros D07 y 513). Entrada por el portón verde; acceso sin escalones."
)
DEMO_ADMIN_PASSWORD = "escuela-demo"
DEMO_ADMIN_EMAIL = "admin@localhost"
DEMO_LEARNER_PASSWORD = "escuela-demo"
DEMO_LEARNER_RUN = "16000005-8"


EARLIER_VERSIONS_FILE = "earlier_versions.json"


@dataclass
class DemoReport:
    created_pages: int = 0
    created_images: int = 0
    created_documents: int = 0
    notes: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # keys of pages brought to the current demo content
    kept: list[str] = field(default_factory=list)  # keys of pages left alone: an editor changed them


@dataclass
class _Run:
    report: DemoReport
    update: bool = False
    earlier: dict[str, list[str]] = field(default_factory=dict)


def _hours(value) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.1")))


def _body_data(body) -> list[dict]:
    """The lesson body as plain data without block ids, a document named by its title (ids differ per site)."""
    Document = get_document_model()
    blocks = []
    for block in body.get_prep_value():
        value = block["value"]
        if block["type"] == "document" and isinstance(value, dict):
            document = Document.objects.filter(pk=value.get("document")).only("title").first()
            value = {**value, "document": document.title if document else None}
        blocks.append({"type": block["type"], "value": value})
    return blocks


def content_fingerprint(page: Page) -> str:
    """SHA-256 of the content the demo loader writes on this page (see the module docstring)."""
    page = page.specific
    if isinstance(page, CoursePage):
        data = {
            "title": page.title,
            "summary": page.summary,
            "thematic_area": page.thematic_area,
            "modality": page.modality,
            "duration_hours": _hours(page.duration_hours),
            "learning_objectives": page.learning_objectives,
            "requirements": page.requirements,
            "last_reviewed_on": page.last_reviewed_on.isoformat() if page.last_reviewed_on else None,
            "last_reviewed_by": page.last_reviewed_by,
        }
    elif isinstance(page, ModulePage):
        data = {"title": page.title, "introduction": page.introduction}
    elif isinstance(page, LessonPage):
        data = {"title": page.title, "estimated_minutes": page.estimated_minutes, "body": _body_data(page.body)}
    else:
        raise TypeError(f"Not a demo course page: {page!r}")
    payload = json.dumps({"type": type(page).__name__, **data}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _latest(page: Page) -> Page:
    return page.specific.get_latest_revision_as_object()


def _remember(key: str, page: Page, fingerprint: str | None = None) -> None:
    DemoPageRecord.objects.update_or_create(
        key=key, defaults={"page": page, "fingerprint": fingerprint or content_fingerprint(_latest(page))}
    )


def _demo_page(*, parent: Page, key: str, slug: str, build, apply, run: _Run) -> Page:
    """The demo page ``key``: created (and recorded) when missing; with ``run.update``, brought to the demo content
    when nobody changed it since it was loaded."""
    record = DemoPageRecord.objects.filter(key=key).select_related("page").first()
    page = record.page.specific if record else _child(parent, slug)
    if page is None:
        page = build()
        apply(page)
        _publish(parent, page, run.report)
        _remember(key, page)
        return page
    if not run.update:
        return page
    current = _latest(page)
    fingerprint_now = content_fingerprint(current)
    apply(current)
    wanted = content_fingerprint(current)
    if fingerprint_now == wanted:  # already the current demo content
        _remember(key, page, wanted)
        return page
    known = set(run.earlier.get(key, [])) | ({record.fingerprint} if record else set())
    if fingerprint_now not in known or not page.live:
        run.report.kept.append(key)
        return page
    current.save_revision().publish()
    _remember(key, page, wanted)
    run.report.updated.append(key)
    return type(page).objects.get(pk=page.pk)


def _publish(parent: Page, page: Page, report: DemoReport) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    report.created_pages += 1
    return page


def _child(parent: Page, slug: str) -> Page | None:
    return parent.get_children().filter(slug=slug).specific().first()


def _html_list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def _cover_image(*, slug: str, title: str, color: str, report: DemoReport):
    """A generated, decorative cover (no third-party image): the course colour with a few shapes."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    Image = get_image_model()
    image_title = f"Portada: {title}"
    existing = Image.objects.filter(title=image_title).first()
    if existing:
        return existing
    rng = random.Random(int(hashlib.sha256(slug.encode()).hexdigest(), 16))
    canvas = PILImage.new("RGB", (1280, 720), color)
    draw = ImageDraw.Draw(canvas, "RGBA")
    for _ in range(7):
        radius = rng.randint(80, 320)
        x, y = rng.randint(0, 1280), rng.randint(0, 720)
        tone = rng.choice([(255, 255, 255, 38), (255, 191, 71, 70), (0, 0, 0, 40)])
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=tone)
    for index in range(5):
        y = 520 + index * 36
        draw.line((0, y, 1280, y - 120), fill=(255, 255, 255, 60), width=6)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    image = Image(title=image_title, file=ImageFile(buffer, name=f"portada-{slug}.png"))
    image.save()
    report.created_images += 1
    return image


def _template_document(*, title: str, filename: str, lines: list[str], report: DemoReport):
    """A one-page PDF template (solicitud, acta…) rendered from the demo text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas as pdf_canvas

    Document = get_document_model()
    existing = Document.objects.filter(title=title).first()
    if existing:
        return existing
    buffer = io.BytesIO()
    pdf = pdf_canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(title)
    width, height = A4
    y = height - 72
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(60, y, title)
    y -= 32
    pdf.setFont("Helvetica", 11)
    for line in lines:
        for chunk in _wrap(line, 90):
            if y < 60:
                pdf.showPage()
                pdf.setFont("Helvetica", 11)
                y = height - 72
            pdf.drawString(60, y, chunk)
            y -= 17
        y -= 4
    pdf.showPage()
    pdf.save()
    document = Document(title=title)
    document.file.save(filename, ContentFile(buffer.getvalue()), save=False)
    document.save()
    report.created_documents += 1
    return document


def _wrap(text: str, width: int) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return lines


def _lesson_body(blocks: list[dict], report: DemoReport) -> str:
    body = []
    for block in blocks:
        kind, value = block["type"], block["value"]
        if kind == "document":
            document = _template_document(
                title=value["title"], filename=value["filename"], lines=value["lines"], report=report
            )
            value = {"document": document.pk, "label": value["title"]}
        body.append({"type": kind, "value": value})
    return json.dumps(body)


def _apply_course(data: dict):
    def apply(course: CoursePage) -> None:
        course.title = data["title"]
        course.summary = data["summary"]
        course.thematic_area = data["thematic_area"]
        course.modality = data["modality"]
        course.duration_hours = Decimal(str(data["duration_hours"]))
        course.learning_objectives = _html_list(data["learning_objectives"])
        course.requirements = _html_list(data["requirements"]) if data.get("requirements") else ""
        reviewed_on = data.get("last_reviewed_on")
        course.last_reviewed_on = date.fromisoformat(reviewed_on) if reviewed_on else None
        course.last_reviewed_by = data.get("last_reviewed_by", "")

    return apply


def load_course(*, catalogue: CourseIndexPage, data: dict, report: DemoReport, run: _Run | None = None) -> CoursePage:
    run = run or _Run(report=report)

    def build_course() -> CoursePage:
        course = CoursePage(
            slug=data["slug"],
            cover_image=_cover_image(
                slug=data["slug"], title=data["title"], color=data.get("cover_color", "#0b3a66"), report=report
            ),
        )
        course.audiences = list(Audience.objects.filter(code__in=data["audiences"]))
        course.instructors = [
            CourseInstructor(name=person["name"], role=person.get("role", "")) for person in data["instructors"]
        ]
        return course

    course = _demo_page(
        parent=catalogue,
        key=data["slug"],
        slug=data["slug"],
        build=build_course,
        apply=_apply_course(data),
        run=run,
    )
    for module_data in data["modules"]:
        module_key = f"{data['slug']}/{module_data['slug']}"

        def apply_module(module: ModulePage, module_data=module_data) -> None:
            module.title = module_data["title"]
            module.introduction = module_data.get("introduction", "")

        module = _demo_page(
            parent=course,
            key=module_key,
            slug=module_data["slug"],
            build=lambda module_data=module_data: ModulePage(slug=module_data["slug"]),
            apply=apply_module,
            run=run,
        )
        for lesson_data in module_data["lessons"]:

            def apply_lesson(lesson: LessonPage, lesson_data=lesson_data) -> None:
                lesson.title = lesson_data["title"]
                lesson.estimated_minutes = lesson_data.get("estimated_minutes", 10)
                lesson.body = _lesson_body(lesson_data["body"], report)

            _demo_page(
                parent=module,
                key=f"{module_key}/{lesson_data['slug']}",
                slug=lesson_data["slug"],
                build=lambda lesson_data=lesson_data: LessonPage(slug=lesson_data["slug"]),
                apply=apply_lesson,
                run=run,
            )
    return course


def ensure_admin(report: DemoReport) -> None:
    User = get_user_model()
    if User.objects.filter(username=DEMO_ADMIN_USERNAME).exists():
        return
    User.objects.create_superuser(
        username=DEMO_ADMIN_USERNAME,
        email=DEMO_ADMIN_EMAIL,
        password=DEMO_ADMIN_PASSWORD,
        first_name="Administración",
        last_name="Local",
    )
    report.notes.append(f"Created the local admin user {DEMO_ADMIN_USERNAME!r}.")


def ensure_demo_learner(report: DemoReport) -> None:
    """A learner account to try the learner side: enrolled in the first course with one lesson done, in the
    in-person group, and with one course completed (its certificate is issued the way any completion issues it)."""
    User = get_user_model()
    if User.objects.filter(username=DEMO_LEARNER_EMAIL).exists():
        return
    user = User.objects.create_user(
        username=DEMO_LEARNER_EMAIL,
        email=DEMO_LEARNER_EMAIL,
        password=DEMO_LEARNER_PASSWORD,
        first_name="Rosa",
        last_name="Huenchullán Soto",
    )
    LearnerProfile.objects.create(
        user=user,
        given_names="Rosa",
        family_names="Huenchullán Soto",
        run=DEMO_LEARNER_RUN,
        comuna=Comuna.objects.get(code="13122"),
        learner_type=LearnerProfile.LearnerType.SOCIAL_LEADER,
        organisation_name="Junta de Vecinos Villa Los Aromos",
        organisation_type=LearnerProfile.OrganisationType.NEIGHBOURHOOD,
        birth_year=1962,
        privacy_notice_version=settings.LEARNERS_PRIVACY_NOTICE_VERSION,
        privacy_accepted_at=timezone.now(),
    )
    course = CoursePage.objects.live().order_by("path").first()
    if course is not None:
        enrolment = enrolment_create(user=user, course=course)
        first = course_lessons(course=course).first()
        if first is not None:
            lesson_mark_complete(enrolment=enrolment, lesson=first)
    group = Cohort.objects.order_by("pk").first()
    if group is not None:  # and in the in-person group, so that the attendance page has someone to mark
        enrolment_create(user=user, course=group.course, cohort=group)
    finished = (
        CoursePage.objects.live()
        .exclude(pk__in=[page.pk for page in (course, group.course if group else None) if page is not None])
        .filter(grade_required=False, min_attendance_percent__isnull=True)
        .order_by("path")
        .last()
    )
    if finished is not None:  # a completed course, so that "Mis cursos" has a certificate to download and verify
        enrolment = enrolment_create(user=user, course=finished)
        for lesson in course_lessons(course=finished):
            lesson_mark_complete(enrolment=enrolment, lesson=lesson)
    report.notes.append(f"Created the demo learner {DEMO_LEARNER_EMAIL!r}.")


def ensure_demo_cohort(report: DemoReport) -> None:
    """An in-person group with seats and sessions for the first in-person course."""
    course = CoursePage.objects.live().filter(modality="presencial").order_by("path").first()
    if course is None:
        return
    existing = Cohort.objects.filter(course=course).order_by("pk").first()
    if existing is not None:  # a demo database from before sessions had an address: fill it in, nothing else
        Session.objects.filter(cohort=existing, place=DEMO_PLACE, address="").update(
            address=DEMO_ADDRESS, directions=DEMO_DIRECTIONS
        )
        return
    today = timezone.localdate()
    start = today - timedelta(days=14)
    group = Cohort.objects.create(
        course=course,
        name=f"Peñalolén {start.year}",
        municipality=Comuna.objects.get(code="13122"),
        starts_on=start,
        ends_on=start + timedelta(days=60),
        capacity=25,
    )
    admin = get_user_model().objects.filter(username=DEMO_ADMIN_USERNAME).first()
    if admin is not None:
        group.instructors.add(admin)
    sessions = [
        session_create(
            cohort=group,
            date=start + timedelta(days=7 * week),
            start_time=time(18, 30),
            end_time=time(20, 30),
            place=DEMO_PLACE,
            address=DEMO_ADDRESS,
            directions=DEMO_DIRECTIONS,
        )
        for week in range(6)
    ]
    for held in sessions[:2]:
        session_change(session=held, status=Session.Status.HELD)
    session_change(  # moved after it was announced: "cambiada", and calendars get the new place
        session=sessions[3],
        start_time=time(10, 0),
        end_time=time(12, 0),
        date=sessions[3].date + timedelta(days=2),
        place="Centro Cultural de Peñalolén, sala 2",
        address="Av. Grecia 8735, Peñalolén",
        directions="Frente a la plaza; la sala 2 está en el segundo piso, con ascensor.",
    )
    session_suspend(session=sessions[4])
    report.notes.append(f"Created the demo cohort {group.name!r} with 6 sessions.")


def ensure_certificate_template(report: DemoReport) -> None:
    """An issuer and the default certificate template, so that completing a course issues a certificate."""
    if CertificateTemplate.objects.filter(is_default=True).exists():
        return
    issuer, _created = Issuer.objects.get_or_create(
        short_code="AMUCH",
        defaults={"name": "Asociación de Municipalidades de Chile", "rut": "65.038.226-6", "city": "Santiago"},
    )
    template = CertificateTemplate(
        name="Aprobación (predeterminada)",
        issuer=issuer,
        kind=CertificateTemplate.Kind.APPROVAL,
        title="Certificado de aprobación",
        is_default=True,
        # The name, RUN, course, hours, modality and dates are printed in their own places: the text says what
        # they mean, once (issue 13, item 15).
        body="Cumplió los requisitos de asistencia y evaluación, y aprobó el curso",
    )
    template.signatories = [
        Signatory(name="Carolina Muñoz Reyes", role="Coordinadora académica, Escuela Ciudadana"),
        Signatory(name="Jorge Sepúlveda Araya", role="Secretario ejecutivo, AMUCH"),
    ]
    template.save()
    report.notes.append("Created the certificate issuer AMUCH and the default certificate template.")


def home_page() -> HomePage:
    default = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    home = default.root_page.specific if default and isinstance(default.root_page.specific, HomePage) else None
    home = home or HomePage.objects.order_by("path").first()
    if home is None:  # the cms migration creates it; recreate it if someone deleted it
        root = Page.get_first_root_node()
        home = HomePage(title="Escuela Ciudadana", slug="inicio", hero_title="Escuela Ciudadana")
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    hostname, port = site_record_address(public_base_url()) or ("localhost", 80)
    if site is None:
        Site.objects.create(hostname=hostname, port=port, root_page=home, is_default_site=True)
        return home
    if (site.hostname, site.port) == ("localhost", 80):  # Wagtail's initial site, not edited: the public address
        site.hostname, site.port = hostname, port
    site.root_page = home
    site.save(update_fields=["root_page", "hostname", "port"])
    return home


def earlier_versions(directory: Path) -> dict[str, list[str]]:
    path = directory / EARLIER_VERSIONS_FILE
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["fingerprints"]


def demo_fingerprints() -> dict[str, str]:
    """The current fingerprint of every recorded demo page, by key (to list in ``earlier_versions.json`` before
    the demo content changes)."""
    return {
        record.key: content_fingerprint(_latest(record.page))
        for record in DemoPageRecord.objects.select_related("page").order_by("key")
    }


@transaction.atomic
def load_demo(*, directory: Path = DEMO_DIR, create_admin: bool = True, update: bool = False) -> DemoReport:
    """Load the demo site. Idempotent: counts are the same after any number of runs. With ``update``, also bring
    the demo course pages nobody changed to the current demo content (see the module docstring)."""
    report = DemoReport()
    run = _Run(report=report, update=update, earlier=earlier_versions(directory) if update else {})
    site_data = json.loads((directory / "site.json").read_text(encoding="utf-8"))
    home = home_page()
    if not home.intro:
        home.title = site_data["home"]["title"]
        home.hero_title = site_data["home"]["hero_title"]
        home.hero_text = site_data["home"].get("hero_text", "")
        home.intro = site_data["home"]["intro"]
        home.save_revision().publish()

    catalogue_data = site_data["catalogue"]
    catalogue = _child(home, catalogue_data["slug"])
    if catalogue is None:
        catalogue = _publish(
            home,
            CourseIndexPage(
                title=catalogue_data["title"],
                slug=catalogue_data["slug"],
                intro=catalogue_data.get("intro", ""),
                show_in_menus=True,
            ),
            report,
        )
    about_data = site_data["about"]
    if _child(home, about_data["slug"]) is None:
        _publish(
            home,
            StandardPage(
                title=about_data["title"], slug=about_data["slug"], body=about_data["body"], show_in_menus=True
            ),
            report,
        )

    featured = []
    for path in sorted((directory / "courses").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        course = load_course(catalogue=catalogue, data=data, report=report, run=run)
        if data.get("featured"):
            featured.append(course)
    home = HomePage.objects.get(pk=home.pk)
    if not home.featured_courses.exists() and featured:
        for order, course in enumerate(featured):
            HomeFeaturedCourse.objects.create(page=home, course=course, sort_order=order)
        home.save_revision().publish()

    school = SchoolSettings.for_site(Site.objects.get(is_default_site=True))
    if not school.contact_email:
        school.contact_email = "escuela@localhost"
        school.save()
    if create_admin:
        ensure_admin(report)
    ensure_demo_cohort(report)
    ensure_certificate_template(report)
    ensure_demo_learner(report)
    ensure_demo_staff(report.notes)
    ensure_demo_schools(directory=directory, load_course=load_course, report=report, run=run)
    return report
