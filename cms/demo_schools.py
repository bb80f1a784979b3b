"""Demo schools: Peñalolén, Valparaíso and Temuco beside the academy, each on its own host name
(``penalolen.localhost``…, on the port of the public address), with its colours, logo, contacts, "Acerca de", one
local course, the academy's national catalogue, a school administrator and an instructor (local use only). Reads
``fixtures/demo/schools.json``. Idempotent: a school that exists (by comuna) keeps its settings; its course is
loaded like the academy's (``cms.demo.load_course``: a page an editor changed is left alone)."""

import io
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from wagtail.images import get_image_model
from wagtail.models import Collection, Site

from cms import roles
from cms.models import SchoolSettings, StandardPage
from cms.schools.services import school_create
from courses.models import CourseIndexPage, CourseInstructor, CoursePage, NationalCourseOffer, School

DEMO_SCHOOL_PASSWORD = "escuela-demo"
SCHOOLS_FILE = "schools.json"


def _logo(*, school: School, colour: str):
    """A generated logo (no third-party image): a ring and a dot in the school's colour, in its collection."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    Image = get_image_model()
    title = f"Logo: {school.name}"
    existing = Image.objects.filter(title=title).first()
    if existing is not None:
        return existing
    canvas = PILImage.new("RGBA", (144, 144), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((4, 4, 140, 140), fill="#ffffff")
    draw.ellipse((16, 16, 128, 128), fill=colour)
    draw.ellipse((50, 50, 94, 94), fill="#ffffff")
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    collection = Collection.objects.filter(depth=2, name=school.name).first() or Collection.get_first_root_node()
    image = Image(title=title, collection=collection, file=ImageFile(buffer, name=f"logo-{school.comuna_id}.png"))
    image.save()
    return image


def _account(*, email: str, first_name: str, last_name: str):
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    if user is None:
        user = User.objects.create_user(username=email, email=email, password=DEMO_SCHOOL_PASSWORD)
    if not user.has_usable_password() or not user.first_name:  # school_create made it without a password
        user.first_name, user.last_name = first_name, last_name
        user.set_password(DEMO_SCHOOL_PASSWORD)
        user.save()
    return user


def _brand(*, school: School, data: dict) -> None:
    settings = SchoolSettings.for_site(school.site)
    for field in ("primary_colour", "link_colour", "background_colour", "contact_email", "contact_phone", "address"):
        setattr(settings, field, data[field])
    settings.privacy_contact_email = data["privacy_contact_email"]
    settings.logo = _logo(school=school, colour=data["primary_colour"])
    settings.full_clean()
    settings.save()
    about = StandardPage.objects.child_of(school.site.root_page).filter(slug="acerca-de").first()
    if about is not None:
        about.body = data["about"]
        about.save_revision().publish()


def ensure_demo_schools(*, directory: Path, load_course, report, run) -> list[School]:
    """The three demo schools (see the module docstring); returns them. A demo directory without a schools file
    (an older demo, the loader's own tests) loads none."""
    schools = []
    path = directory / SCHOOLS_FILE
    if not path.exists():
        return schools
    for data in json.loads(path.read_text(encoding="utf-8"))["schools"]:
        school = School.objects.filter(comuna_id=data["cut"]).select_related("site__root_page").first()
        if school is None:
            school = school_create(
                name=data["name"], comuna_code=data["cut"], host=data["host"], admin_email=data["admin"]["email"]
            ).school
            _brand(school=school, data=data)
            report.notes.append(f"Created the demo school {school.name!r} at {school.site.root_url}/.")
        groups = roles.school_groups(school=school)
        administrator = _account(**data["admin"])
        administrator.groups.add(groups[roles.ADMINISTRATION])
        instructor = _account(**data["instructor"])
        instructor.groups.add(groups[roles.TEACHING])
        catalogue = CourseIndexPage.objects.child_of(school.site.root_page).order_by("path").first()
        if catalogue is not None:
            course = load_course(catalogue=catalogue, data=data["course"], report=report, run=run)
            if not CourseInstructor.objects.filter(page=course, user=instructor).exists():
                course.instructors.add(
                    CourseInstructor(name=instructor.get_full_name(), role="Instructor municipal", user=instructor)
                )
                course.save_revision().publish()  # publishing gives her the course's editing group
        _offer_national_catalogue(school=school)
        schools.append(school)
    return schools


def _offer_national_catalogue(*, school: School) -> None:
    """The school's catalogue offers the academy's courses (once: the academy may change the choice later)."""
    if school.national_courses.exists():
        return
    academy_home = Site.objects.get(is_default_site=True).root_page
    courses = CoursePage.objects.live().descendant_of(academy_home).order_by("path")
    NationalCourseOffer.objects.bulk_create(
        NationalCourseOffer(school=school, course=course, sort_order=order) for order, course in enumerate(courses)
    )


def demo_school_logins(*, directory: Path | None = None) -> list[tuple[School, str, str]]:
    """(school, administrator's email, instructor's email) of each demo school that exists."""
    from cms.demo import DEMO_DIR

    data = json.loads(((directory or DEMO_DIR) / SCHOOLS_FILE).read_text(encoding="utf-8"))["schools"]
    schools = {school.comuna_id: school for school in School.objects.select_related("site")}
    return [
        (schools[item["cut"]], item["admin"]["email"], item["instructor"]["email"])
        for item in data
        if item["cut"] in schools
    ]
