"""Reads: which school a request, a page or a comuna belongs to (one query each, none for the academy's pages
when the caller already knows the Site)."""

from __future__ import annotations

from contextvars import ContextVar

from django.http import HttpRequest
from wagtail.models import Page, Site

from courses.schools.models import School, SchoolGroup


def school_for_site(*, site: Site | None) -> School | None:
    """The school a Wagtail Site serves, or None for the academy (the default site) and unknown hosts."""
    if site is None or site.is_default_site:  # the academy has no School row: no query
        return None
    return School.objects.filter(site_id=site.pk).select_related("site__root_page", "comuna").first()


def school_for_request(*, request: HttpRequest) -> School | None:
    """The school whose host name the request came to (Wagtail's Site lookup), or None for the academy. Cached on
    the request."""
    if not hasattr(request, "_school"):
        from courses import page_cache
        from courses.serving import cached_site

        if page_cache.cacheable(request):  # the site and its school from the page cache (saving either renews it)
            site = cached_site(request)
            if site is None or site.is_default_site:
                request._school = None
            else:
                request._school = page_cache.get_or_build(
                    ("school", site.pk), lambda: school_for_site(site=site), request=request
                )
        else:
            request._school = school_for_site(site=Site.find_for_request(request))
    return request._school


def school_for_page(*, page: Page) -> School | None:
    """The school whose tree holds ``page`` (a course, module, lesson…), or None for the academy's pages. School
    home pages are children of the tree root, so the school is found by the first path step below the root."""
    home_path = page.path[: Page.steplen * 2]
    return School.objects.filter(site__root_page__path=home_path).select_related("site", "comuna").first()


def school_for_course(*, course: Page, comuna_id: str | None) -> School | None:
    """The school that enrolments in ``course`` belong to: the school whose tree holds it, else (a national
    course) the school of ``comuna_id``, the comuna of the cohort (None: the academy's). Two queries at most. The
    certificates' issuer (``certificates.services.signers``) and the invitations of an import follow it."""
    school = school_for_page(page=course)
    if school is None and comuna_id:
        school = School.objects.filter(comuna_id=comuna_id).select_related("site", "comuna").first()
    return school


def school_pages_q(*, school: School, prefix: str = ""):
    """A Q filter for pages (or rows pointing at pages through ``prefix``, e.g. ``"course__"``) of the school's tree."""
    from django.db.models import Q

    return Q(**{f"{prefix}path__startswith": school.site.root_page.path})


def other_schools_pages_q(*, school_id: int | None, prefix: str = ""):
    """A condition true for pages (or rows pointing at pages through ``prefix``) in the tree of a municipal school
    other than ``school_id``: what a school's staff must never see. One subquery, however many schools: a
    school's home is a child of the tree root, so its path is the first two steps of every page below it."""
    from django.db.models import Exists, OuterRef
    from django.db.models.functions import Substr

    others = School.objects.exclude(pk=school_id) if school_id is not None else School.objects.all()
    return Exists(others.filter(site__root_page__path=Substr(OuterRef(f"{prefix}path"), 1, Page.steplen * 2)))


def staff_school_id(*, user) -> int | None:
    """The id of the municipal school whose staff groups ``user`` belongs to (``SchoolGroup``), or None for the
    academy's staff, superusers and learners (one query). ``learners.staff.selectors.staff_scope`` builds the
    whole scope on it. An account in the groups of several schools (refused since ``courses.schools.guards``) gets
    the first by id here, for the admin's form choices only: the admin refuses such an account before any form,
    and its staff scope sees nothing."""
    if user is None or not user.is_authenticated or user.is_superuser:
        return None
    return (
        SchoolGroup.objects.filter(group__user=user).order_by("school_id").values_list("school_id", flat=True).first()
    )


# The municipal school of the staff account behind the current admin request (set by
# cms.schools.isolation.SchoolStaffIsolationMiddleware): model field choices that cannot see the request (the
# ``limit_choices_to`` of a course's instructor account) read it.
current_staff_school: ContextVar[int | None] = ContextVar("current_staff_school", default=None)
# National courses served under a school's host -------------------------------------------------------------------


def offered_national_course(*, catalogue: Page, slug: str):
    """The live national course with this slug that the school owning ``catalogue`` offers, or None (one query).
    The school's catalogue routes ``/cursos/<slug>/…`` to it (``CourseIndexPage.route``)."""
    from courses.schools.models import NationalCourseOffer

    offer = (
        NationalCourseOffer.objects.filter(
            school__site__root_page__path=catalogue.path[: Page.steplen * 2], course__slug=slug, course__live=True
        )
        .select_related("course")
        .first()
    )
    return offer.course if offer is not None else None


def _national_routes(request: HttpRequest) -> list[tuple[str, str, str, int, str]]:
    """(course path, its catalogue's url_path, the school catalogue's path on the host, the school's Site id and
    root URL) of every national course the request's school offers; empty on the academy's host. From the page
    cache (offers, schools and pages renew it), else two queries; once per request."""
    if not hasattr(request, "_national_routes"):
        from courses import page_cache

        school = school_for_request(request=request)
        if school is None:
            request._national_routes = []
        elif page_cache.cacheable(request):
            request._national_routes = page_cache.get_or_build(
                ("national_routes", school.pk), lambda: _build_national_routes(school), request=request
            )
        else:
            request._national_routes = _build_national_routes(school)
    return request._national_routes


def _build_national_routes(school: School) -> list[tuple[str, str, str, int, str]]:
    from courses.models import CourseIndexPage
    from courses.schools.models import NationalCourseOffer

    routes = []
    home = school.site.root_page
    catalogue = CourseIndexPage.objects.child_of(home).only("url_path").first()
    if catalogue is not None:
        prefix = catalogue.url_path[len(home.url_path) - 1 :]
        for path, url_path in NationalCourseOffer.objects.filter(school=school).values_list(
            "course__path", "course__url_path"
        ):
            parent = url_path[: url_path.rstrip("/").rfind("/") + 1]
            routes.append((path, parent, prefix, school.site.pk, school.site.root_url))
    return routes


def school_url_parts(*, page: Page, request: HttpRequest | None):
    """Wagtail's ``get_url_parts`` for a national course's page (the course, a module, a lesson) seen from a school
    that offers it: the school's Site and ``/cursos/<course>/…`` on its host, so that the learner stays on her
    school's host and look. None when the page is not one (the academy's host, a course not offered)."""
    if request is None:
        return None
    for course_path, parent_url_path, prefix, site_id, root_url in _national_routes(request):
        if page.path.startswith(course_path) and page.url_path.startswith(parent_url_path):
            return site_id, root_url, prefix + page.url_path[len(parent_url_path) :]
    return None


# An account works for one municipal school at most ---------------------------------------------------------------


def schools_of_groups(*, group_ids) -> list[School]:
    """The schools whose staff groups (``SchoolGroup``) are among ``group_ids``, by name (one query)."""
    return list(School.objects.filter(staff_groups__group_id__in=list(group_ids)).distinct().order_by("name"))


def accounts_in_several_schools() -> list[tuple[object, list[School]]]:
    """Accounts in the staff groups of more than one school (data from before such groups were refused, or
    written around the forms and services), each with those schools by name; by email. Three queries. Their
    staff scope sees nothing and the admin refuses them until the academy leaves them in one school's groups."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    users = list(
        get_user_model()
        .objects.annotate(school_count=Count("groups__school_link__school", distinct=True))
        .filter(school_count__gt=1)
        .order_by("email", "pk")
    )
    if not users:
        return []
    rows = set(SchoolGroup.objects.filter(group__user__in=users).values_list("group__user", "school_id"))
    schools = School.objects.in_bulk({school_id for _user_id, school_id in rows})
    found = []
    for user in users:
        mine = sorted((schools[school_id] for user_id, school_id in rows if user_id == user.pk), key=lambda s: s.name)
        found.append((user, mine))
    return found
