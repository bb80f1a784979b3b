"""Reads for the catalogue, course, module and lesson pages.

Every selector here runs a fixed number of queries, whatever the number of courses or lessons.
"""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Case, CharField, F, IntegerField, Prefetch, Q, Value, When
from django.db.models.functions import Cast
from django.utils.translation import get_language
from wagtail.images import get_image_model
from wagtail.models import Page, TaskState, WorkflowState

from courses import page_cache
from courses.models import (
    Audience,
    CourseIndexPage,
    CoursePage,
    H5PActivity,
    H5PLibrary,
    LessonPage,
    ModulePage,
    NationalCourseOffer,
)
from courses.models.pages import Modality, ThematicArea
from courses.prepared import PreparedQuery
from courses.search_text import fold

CARD_RENDITION = "fill-640x360|format-webp"
SEARCH_LESSON_LIMIT = 20
MAX_QUERY_LENGTH = 200
LESSON_DEPTH_BELOW_COURSE = 2  # course → module → lesson (the page-type rules allow nothing else)


@dataclass(frozen=True)
class CatalogueFilters:
    area: str = ""
    audience: str = ""
    modality: str = ""
    query: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "CatalogueFilters":
        """Read filters from a query string, dropping values that are not valid choices."""
        area = params.get("area", "")
        audience = params.get("publico", "")
        modality = params.get("modalidad", "")
        return cls(
            area=area if area in ThematicArea.values else "",
            audience=audience if audience in Audience.Code.values else "",
            modality=modality if modality in Modality.values else "",
            query=search_text(params.get("q", "")),
        )

    @property
    def active(self) -> bool:
        return bool(self.area or self.audience or self.modality or self.query)


def search_text(raw) -> str:
    """A visitor's search words as the search backends can take them: control characters (a NUL breaks
    PostgreSQL and SQLite's full-text search) and double quotes (an unterminated FTS5 string in SQLite) become
    spaces, runs of spaces one, and the length is capped."""
    if not isinstance(raw, str):
        return ""
    cleaned = "".join(char if char.isprintable() and char != '"' else " " for char in raw[: MAX_QUERY_LENGTH * 4])
    return " ".join(cleaned.split())[:MAX_QUERY_LENGTH]


def _matching(pages, *, query: str, limit: int | None) -> list:
    """Pages that match every word (stemmed full-text search), then those whose words start with what was typed
    (Wagtail's autocomplete: "lider" → "Liderazgo"), without repeats. Both compare the folded text
    (courses.search_text), so accents and thousands dots do not matter. Two search queries, whatever the limit."""
    terms = fold(query)
    full = pages.search(terms, operator="and")
    partial = pages.autocomplete(terms, operator="and")
    if limit is not None:
        full, partial = full[:limit], partial[:limit]
    found = list(full)
    seen = {page.pk for page in found}
    found += [page for page in partial if page.pk not in seen]
    return found if limit is None else found[:limit]


@dataclass(frozen=True)
class LessonHit:
    lesson: LessonPage
    course: CoursePage


@dataclass
class CatalogueResult:
    filters: CatalogueFilters
    courses: PaginatorPage
    lessons: list[LessonHit] = field(default_factory=list)
    total: int = 0

    area_choices = ThematicArea.choices
    audience_choices = Audience.Code.choices
    modality_choices = Modality.choices

    def querystring(self, **changes: str) -> str:
        """The current filters as a query string, with some values changed (for pagination links)."""
        values = {
            "q": self.filters.query,
            "area": self.filters.area,
            "publico": self.filters.audience,
            "modalidad": self.filters.modality,
        }
        values.update(changes)
        return urlencode({key: value for key, value in values.items() if value})


def cover_image_prefetch() -> Prefetch:
    """Card covers with their rendition in two queries, however many cards."""
    return Prefetch("cover_image", queryset=get_image_model().objects.prefetch_renditions(CARD_RENDITION))


def catalogue_courses_q(*, index: CourseIndexPage) -> Q:
    """The courses a catalogue lists: its own (its child pages) and, in a school's catalogue, the academy's national
    courses the school offers (``NationalCourseOffer``, read as a subquery: no extra query, whatever the number of
    schools)."""
    offered = NationalCourseOffer.objects.filter(school__site__root_page__path=index.path[: Page.steplen * 2]).values(
        "course_id"
    )
    return Q(path__startswith=index.path, depth=index.depth + 1) | Q(pk__in=offered)


def live_courses(*, index: CourseIndexPage | None = None):
    """Live courses (optionally those a catalogue lists: see ``catalogue_courses_q``; its own first) with what a
    catalogue card shows, prefetched."""
    courses = CoursePage.objects.live().public()
    order = ["path"]
    if index is not None:
        courses = courses.filter(catalogue_courses_q(index=index))
        own_first = Case(
            When(path__startswith=index.path, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        order = [own_first, "path"]
    return courses.prefetch_related("audiences", cover_image_prefetch()).order_by(*order)


def catalogue_search(
    *, index: CourseIndexPage, params: Mapping[str, str], page_size: int | None = None
) -> CatalogueResult:
    """Filter and search the catalogue's courses; with a text query, also find matching lessons."""
    filters = CatalogueFilters.from_params(params)
    courses = live_courses(index=index)
    if filters.area:
        courses = courses.filter(thematic_area=filters.area)
    if filters.modality:
        courses = courses.filter(modality=filters.modality)
    if filters.audience:
        courses = courses.filter(audiences__code=filters.audience)

    lessons: list[LessonHit] = []
    if filters.query:
        course_ids = set(courses.values_list("pk", flat=True))
        listed = CoursePage.objects.live().public().filter(id__in=sorted(course_ids))  # a search filters by id only
        matches = _matching(listed, query=filters.query, limit=None)
        ranked_ids = [course.pk for course in matches if course.pk in course_ids]
        rank = {pk: position for position, pk in enumerate(ranked_ids)}
        course_list = sorted(live_courses(index=index).filter(pk__in=ranked_ids), key=lambda c: rank[c.pk])
        lessons = _search_lessons(index=index, query=filters.query, course_ids=course_ids)
    else:
        course_list = courses

    size = page_size or getattr(settings, "COURSES_CATALOGUE_PAGE_SIZE", 12)
    paginator = Paginator(course_list, size)
    page = paginator.get_page(params.get("pagina"))
    return CatalogueResult(filters=filters, courses=page, lessons=lessons, total=paginator.count)


def catalogue_listing(*, index: CourseIndexPage, params: Mapping[str, str], cached: bool = False) -> CatalogueResult:
    """``catalogue_search`` for a catalogue page: without a text query (the listing and its filters, the same for
    every visitor) and with ``cached``, from the shared page cache, whose entry keeps only the page of cards shown."""
    filters = CatalogueFilters.from_params(params)
    number = params.get("pagina") or "1"
    if not cached or filters.query or not (number.isdigit() and len(number) < 5):
        return catalogue_search(index=index, params=params)

    def build() -> CatalogueResult:
        result = catalogue_search(index=index, params=params)
        page = result.courses
        snapshot = Paginator([], page.paginator.per_page)
        snapshot.__dict__.update(count=page.paginator.count, num_pages=page.paginator.num_pages)
        page.object_list, page.paginator = list(page.object_list), snapshot
        for course in page.object_list:
            if course.cover_image is not None:
                # created now if missing, and kept with the prefetched renditions that go into the cache (a cached
                # card whose prefetched list lacked it would make Wagtail generate the file on every request)
                course.cover_image.get_rendition(CARD_RENDITION)
        return result

    parts = ("catalogue", index.pk, filters.area, filters.audience, filters.modality, int(number))
    return page_cache.get_or_build(parts, build)


def _search_lessons(*, index: CourseIndexPage, query: str, course_ids: set[int]) -> list[LessonHit]:
    courses = {
        course.path: course for course in CoursePage.objects.filter(pk__in=course_ids).only("title", "path", "url_path")
    }
    if not courses:
        return []
    hits = _matching(
        LessonPage.objects.live().public().descendant_of(index), query=query, limit=SEARCH_LESSON_LIMIT * 3
    )
    results = []
    course_depth_chars = index.depth * Page.steplen + Page.steplen
    for lesson in hits:
        course = courses.get(lesson.path[:course_depth_chars])
        if course is not None:
            results.append(LessonHit(lesson=lesson, course=course))
        if len(results) >= SEARCH_LESSON_LIMIT:
            break
    return results


@dataclass(frozen=True)
class CourseLessonSearch:
    """A search inside one course: what was typed and the course's live lessons that match, in course order."""

    query: str = ""
    lessons: list[LessonPage] = field(default_factory=list)


def course_lesson_search(*, course: CoursePage, params: Mapping[str, str]) -> CourseLessonSearch:
    """The lessons of one course that match the ``q`` parameter (two search queries; none without a query)."""
    query = search_text(params.get("q", ""))
    if not query:
        return CourseLessonSearch()
    lessons = LessonPage.objects.live().public().descendant_of(course)
    hits = _matching(lessons, query=query, limit=SEARCH_LESSON_LIMIT)
    return CourseLessonSearch(query=query, lessons=sorted(hits, key=lambda lesson: lesson.path))


@dataclass(frozen=True)
class OutlineLesson:
    page: LessonPage
    number: int


@dataclass(frozen=True)
class OutlineModule:
    page: ModulePage
    number: int
    lessons: list[OutlineLesson]

    @property
    def minutes(self) -> int:
        return sum(item.page.estimated_minutes for item in self.lessons)


@dataclass(frozen=True)
class CourseOutline:
    modules: list[OutlineModule]

    @property
    def lesson_count(self) -> int:
        return sum(len(module.lessons) for module in self.modules)

    @property
    def minutes(self) -> int:
        return sum(module.minutes for module in self.modules)

    @property
    def first_lesson(self) -> LessonPage | None:
        for module in self.modules:
            if module.lessons:
                return module.lessons[0].page
        return None


def course_outline(*, course: CoursePage, cached: bool = False) -> CourseOutline:
    """The course's live modules and lessons in order, in two queries; with ``cached``, from the shared page cache
    (``courses.page_cache``: a new generation on every publish), in none."""
    if cached:
        return page_cache.get_or_build(("outline", course.pk), lambda: course_outline(course=course))
    modules = list(
        ModulePage.objects.child_of(course)
        .live()
        .public()
        .order_by("path")
        .only("title", "path", "depth", "url_path", "introduction", "live")
    )
    lessons = list(
        LessonPage.objects.descendant_of(course)
        .live()
        .public()
        .order_by("path")
        .only("title", "path", "depth", "url_path", "estimated_minutes", "live")
    )
    by_module: dict[str, list[LessonPage]] = {module.path: [] for module in modules}
    for lesson in lessons:
        siblings = by_module.get(lesson.path[: -Page.steplen])
        if siblings is not None:
            siblings.append(lesson)
    outline = []
    for number, module in enumerate(modules, start=1):
        items = [OutlineLesson(page=lesson, number=n) for n, lesson in enumerate(by_module[module.path], start=1)]
        outline.append(OutlineModule(page=module, number=number, lessons=items))
    return CourseOutline(modules=outline)


def course_lessons(*, course: CoursePage):
    """The course's live lessons in order, light fields only."""
    return (
        LessonPage.objects.live()
        .filter(path__startswith=course.path, depth=course.depth + LESSON_DEPTH_BELOW_COURSE)
        .order_by("path")
        .only("id", "title", "path", "depth", "url_path", "required", "estimated_minutes")
    )


@dataclass(frozen=True)
class CourseFacts:
    """What a course page shows besides its own fields and outline: the audiences, the instructors and the cover
    (its ``<img>`` tag, rendition included)."""

    audiences: list[str]
    instructors: list[tuple[str, str]]  # (name, role)
    cover_html: str


def course_facts(*, course: CoursePage, cached: bool = False) -> CourseFacts:
    """The course's audiences, instructors and cover (four queries; with ``cached``, from the page cache)."""
    if cached:
        parts = ("facts", course.pk, get_language())  # the audiences' names are translated
        return page_cache.get_or_build(parts, lambda: course_facts(course=course))
    cover_html = ""
    if course.cover_image_id:
        image = get_image_model().objects.filter(pk=course.cover_image_id).first()
        if image is not None:
            cover_html = image.get_rendition("fill-960x400|format-webp").img_tag({"alt": ""})
    return CourseFacts(
        audiences=[str(audience) for audience in course.audiences.all()],
        instructors=[(instructor.name, instructor.role) for instructor in course.instructors.all()],
        cover_html=str(cover_html),
    )


REVIEW_INTERVAL_MONTHS = 12


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the last day of that month when it is shorter: 29/02 → 28/02)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def courses_due_for_review(*, today: date, months: int = REVIEW_INTERVAL_MONTHS):
    """Every course (live or draft) whose content was never reviewed, or last reviewed ``months`` months ago or
    more: never-reviewed first, then the oldest review. One query."""
    cutoff = months_before(today, months)
    return (
        CoursePage.objects.filter(Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lte=cutoff))
        .order_by(F("last_reviewed_on").asc(nulls_first=True), "title")
        .only("id", "title", "live", "has_unpublished_changes", "last_reviewed_on", "last_reviewed_by")
    )


@dataclass(frozen=True)
class PageInReview:
    """A page with changes waiting in the review workflow: since when, and who sent them."""

    page_id: int
    title: str
    submitted_at: datetime


def _pages_in_review(condition: Q) -> list[PageInReview]:
    """Pages whose workflow state matches ``condition`` and is in progress (two queries: states, then titles;
    a state names its page by a text ``object_id``, so it is not joined to the page table)."""
    states = list(
        WorkflowState.objects.filter(
            condition,
            status=WorkflowState.STATUS_IN_PROGRESS,
            base_content_type=ContentType.objects.get_for_model(Page),
        )
        .order_by("created_at", "pk")
        .values_list("object_id", "created_at")
    )
    titles = dict(Page.objects.filter(pk__in=[int(page_id) for page_id, _at in states]).values_list("pk", "title"))
    return [
        PageInReview(page_id=int(page_id), title=titles[int(page_id)], submitted_at=at)
        for page_id, at in states
        if int(page_id) in titles
    ]


def pages_in_review(*, course_ids: Iterable[int], requested_by=None) -> list[PageInReview]:
    """Pages of these courses (the course, its modules and lessons) with changes waiting for review, and pages
    ``requested_by`` sent for review; oldest request first (three queries, however many courses)."""
    under = Q(pk__in=[])
    for path in Page.objects.filter(pk__in=list(course_ids)).values_list("path", flat=True):
        under |= Q(path__startswith=path)
    pages = Page.objects.filter(under).annotate(text_id=Cast("pk", CharField())).values("text_id")
    condition = Q(object_id__in=pages)
    if requested_by is not None:
        condition |= Q(requested_by=requested_by)
    return _pages_in_review(condition)


def pages_to_review(*, user) -> list[PageInReview]:
    """Pages whose current review task this person may approve or send back (Wagtail's
    ``TaskState.objects.reviewable_by``); oldest request first (a fixed number of queries)."""
    reviewable = TaskState.objects.reviewable_by(user).filter(status=TaskState.STATUS_IN_PROGRESS).values("pk")
    return _pages_in_review(Q(current_task_state__in=reviewable))


def _live_lesson(lesson):
    return LessonPage.objects.live().filter(pk=lesson).only("id", "path", "depth", "url_path", "body")


_LIVE_LESSON = PreparedQuery(_live_lesson)  # "Marcar como completada" on every lesson: compiled once


def live_lesson(*, lesson_id: int) -> LessonPage | None:
    """A live lesson by id, with what marking it complete needs (its place in the tree, its body), or None."""
    return _LIVE_LESSON.first(lesson=lesson_id)


def course_for(*, page: Page, cached: bool = False) -> CoursePage | None:
    """The course that contains a module or lesson, in one query; with ``cached``, from the shared page cache."""
    if cached:
        return page_cache.get_or_build(("course_for", page.path), lambda: course_for(page=page))
    return CoursePage.objects.ancestor_of(page).only("title", "path", "depth", "url_path", "is_open").first()


def module_lessons(*, module: ModulePage, cached: bool = False) -> list[LessonPage]:
    if cached:
        return page_cache.get_or_build(("module_lessons", module.pk), lambda: module_lessons(module=module))
    return list(
        LessonPage.objects.child_of(module)
        .live()
        .public()
        .order_by("path")
        .only("title", "path", "depth", "url_path", "estimated_minutes", "live")
    )


@dataclass(frozen=True)
class LessonPosition:
    course: Page | None
    module: Page | None
    previous: LessonPage | None
    next: LessonPage | None
    number: int
    total: int


def lesson_position(*, lesson: LessonPage, cached: bool = False) -> LessonPosition:
    """Where a lesson sits in its course: breadcrumbs, and the previous and next lessons across modules (three
    queries; with ``cached``, from the shared page cache, in none)."""
    if cached:
        return page_cache.get_or_build(("position", lesson.path), lambda: lesson_position(lesson=lesson))
    ancestors = {
        page.path: page
        for page in Page.objects.filter(path__in=[lesson.path[: -Page.steplen], lesson.path[: -2 * Page.steplen]]).only(
            "title", "path", "depth", "url_path"
        )
    }
    module = ancestors.get(lesson.path[: -Page.steplen])
    course = ancestors.get(lesson.path[: -2 * Page.steplen])
    if course is None:
        return LessonPosition(course=None, module=module, previous=None, next=None, number=1, total=1)
    sequence = list(
        LessonPage.objects.descendant_of(course)
        .live()
        .public()
        .order_by("path")
        .only("title", "path", "depth", "url_path")
    )
    paths = [item.path for item in sequence]
    if lesson.path not in paths:  # a draft being previewed
        return LessonPosition(course=course, module=module, previous=None, next=None, number=0, total=len(sequence))
    index = paths.index(lesson.path)
    return LessonPosition(
        course=course,
        module=module,
        previous=sequence[index - 1] if index > 0 else None,
        next=sequence[index + 1] if index + 1 < len(sequence) else None,
        number=index + 1,
        total=len(sequence),
    )


# H5P activities ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonActivity:
    """One H5P block of a lesson body: which activity, and the rule the lesson applies to it."""

    block_id: str
    activity: H5PActivity
    required: bool
    pass_percentage: int


def lesson_activities(*, lesson: LessonPage, cached: bool = False) -> list[LessonActivity]:
    """The H5P activities placed in a lesson's body, in order (one query, none when the lesson has no H5P block).

    Reads the stored block values directly instead of rendering the StreamField, so it costs one query for the
    activities whatever the size of the body. An activity deleted since the lesson was published is skipped.
    """
    placements = [block for block in lesson.body.raw_data if block.get("type") == "h5p"]
    if not placements:
        return []
    if cached:  # the live lesson's placements (never a draft's: previews do not pass cached)
        return page_cache.get_or_build(("activities", lesson.pk), lambda: lesson_activities(lesson=lesson))
    ids = {block["value"].get("activity") for block in placements}
    activities = H5PActivity.objects.in_bulk([pk for pk in ids if pk])
    result = []
    for block in placements:
        value = block["value"]
        activity = activities.get(value.get("activity"))
        if activity is None:
            continue
        result.append(
            LessonActivity(
                block_id=block.get("id") or "",
                activity=activity,
                required=bool(value.get("required", True)),
                pass_percentage=int(value.get("pass_percentage", 60)),
            )
        )
    return result


def lesson_activity(*, lesson: LessonPage, activity_uuid) -> LessonActivity | None:
    """The placement of one activity in a lesson, or None when the lesson does not embed it."""
    for placement in lesson_activities(lesson=lesson):
        if str(placement.activity.uuid) == str(activity_uuid):
            return placement
    return None


def missing_libraries(*, activity: H5PActivity, cached: bool = False) -> list[str]:
    """The libraries (``"H5P.MultiChoice 1.16"``) that have no approved version yet; empty when it can play. With
    ``cached``, from the shared page cache (a new generation when a library or an activity changes)."""
    if cached:
        return page_cache.get_or_build(("missing_libraries", activity.pk), lambda: missing_libraries(activity=activity))
    needed = {tuple(name.rsplit(" ", 1)) for name in activity.required_libraries}
    if not needed:
        return []
    approved = set()
    rows = H5PLibrary.objects.filter(
        status=H5PLibrary.Status.APPROVED, machine_name__in={machine for machine, _version in needed}
    ).values_list("machine_name", "major_version", "minor_version")
    for machine, major, minor in rows:
        approved.add((machine, f"{major}.{minor}"))
    return sorted(f"{machine} {version}" for machine, version in needed if (machine, version) not in approved)


def approved_library(*, machine_name: str, major: int, minor: int) -> H5PLibrary | None:
    """The approved version of a library that the player gets for ``machine_name major.minor`` (newest patch)."""
    return (
        H5PLibrary.objects.filter(
            machine_name=machine_name,
            major_version=major,
            minor_version=minor,
            status=H5PLibrary.Status.APPROVED,
        )
        .order_by("-patch_version")
        .first()
    )


# H5P activities an account manages in the admin ---------------------------------------------------------------

# People who may delete activities (the academy, administrators) manage all of them; instructors only their own.
ALL_H5P_ACTIVITIES_PERMISSION = "courses.delete_h5pactivity"


def h5p_activities_for_editor(*, user, queryset=None):
    """The activities ``user`` may manage: every one for superusers and holders of ``ALL_H5P_ACTIVITIES_PERMISSION``;
    otherwise those she uploaded and those placed in lessons of the courses she is named on (a fixed number of
    queries, through Wagtail's reference index)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q
    from wagtail.models import ReferenceIndex

    from courses.models import CourseInstructor
    from courses.schools.models import SchoolGroup
    from courses.schools.selectors import staff_school_id

    queryset = H5PActivity.objects.all() if queryset is None else queryset
    school_id = staff_school_id(user=user)
    if school_id is None and (user.is_superuser or user.has_perm(ALL_H5P_ACTIVITIES_PERMISSION)):
        return queryset
    paths = list(
        CoursePage.objects.filter(pk__in=CourseInstructor.objects.filter(user=user).values("page_id")).values_list(
            "path", flat=True
        )
    )
    condition = Q(uploaded_by=user)
    if paths:
        below = Q()
        for path in paths:
            below |= Q(path__startswith=path)
        lesson_ids = [str(pk) for pk in Page.objects.filter(below).values_list("pk", flat=True)]
        used = ReferenceIndex.objects.filter(
            base_content_type=ContentType.objects.get_for_model(Page),
            object_id__in=lesson_ids,
            to_content_type=ContentType.objects.get_for_model(H5PActivity),
        ).values_list("to_object_id", flat=True)
        condition |= Q(pk__in=[int(pk) for pk in used])
    if school_id is not None:
        # A municipal school's staff: never another school's activities; its administration manages every
        # activity of the school (``H5PActivity.school``).
        if SchoolGroup.objects.filter(
            group__user=user, school_id=school_id, kind=SchoolGroup.Kind.ADMINISTRATION
        ).exists():
            condition |= Q(school_id=school_id)
        condition &= Q(school_id=school_id) | Q(school__isnull=True)
    return queryset.filter(condition)


def h5p_activities_to_choose(*, user, queryset=None):
    """The activities ``user`` may place in a lesson (the lesson editor's chooser): every one for the academy's
    staff; the academy's and her own school's for a municipal school's staff (H5P activities belong to the school
    of whoever uploaded them, ``H5PActivity.school``)."""
    from django.db.models import Q

    from courses.schools.selectors import staff_school_id

    queryset = H5PActivity.objects.all() if queryset is None else queryset
    school_id = staff_school_id(user=user)
    if school_id is None:
        return queryset
    return queryset.filter(Q(school_id=school_id) | Q(school__isnull=True))


# Reflection prompts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonReflection:
    """One "Para reflexionar" block of a lesson body: its stable block id, the question and the lesson's rule."""

    lesson: LessonPage
    block_id: str
    prompt: str
    answer_required: bool


def lesson_reflections(*, lesson: LessonPage) -> list[LessonReflection]:
    """The reflection prompts of a lesson's body, in order (no query: reads the stored block values).

    A block saved without an id (possible only for bodies written outside the editor) cannot be answered and is left
    out."""
    result = []
    for block in lesson.body.raw_data:
        if block.get("type") != "reflection" or not block.get("id"):
            continue
        value = block.get("value") or {}
        result.append(
            LessonReflection(
                lesson=lesson,
                block_id=str(block["id"]),
                prompt=str(value.get("prompt") or ""),
                answer_required=bool(value.get("answer_required", False)),
            )
        )
    return result


def course_reflections(*, course: CoursePage) -> list[LessonReflection]:
    """Every reflection prompt of a course's live lessons, in lesson order (one query)."""
    lessons = (
        LessonPage.objects.live()
        .filter(path__startswith=course.path, depth=course.depth + LESSON_DEPTH_BELOW_COURSE)
        .order_by("path")
        .only("id", "title", "path", "depth", "url_path", "body")
    )
    return [reflection for lesson in lessons for reflection in lesson_reflections(lesson=lesson)]
