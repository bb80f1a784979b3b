"""Nothing of one municipal school reaches another school's staff in the admin (issue 15, item 8).

Wagtail is not multi-tenant: its page explorer, page chooser and page URLs reach every site. For the staff of a
municipal school (``courses.SchoolGroup`` membership, ``learners.staff.selectors.school_membership``) this module:

- hides the pages of other schools from the explorer and the page chooser (the ``construct_explorer_page_queryset``
  and ``construct_page_chooser_queryset`` hooks; the academy's national pages stay visible);
- answers 404 to any admin URL that names another school's page by id (editing, history, revisions, workflow,
  explorer, chooser browsing, previews…): ``SchoolStaffIsolationMiddleware.process_view``;
- refuses the admin on another school's host (wagtail#5084): a school's staff work on their school's host or on
  the academy's; on another school's host the session is closed and a page says where to go;
- sets ``courses.schools.selectors.current_staff_school`` for the request, so that model choices that cannot see
  the request (a course's instructor account) offer only the school's own staff;
- refuses the admin (403, a Spanish page naming the schools) to an account in the groups of several schools
  (data from before such groups were refused, ``courses.schools.guards``): which school she works for is not
  guessed; the academy fixes her groups (the admin home and a system check list such accounts).

Everything else is scoped where it is read: the staff scope (``learners.staff.selectors.staff_scope``) for
cohorts, sessions, enrolments, learners, attempts, attendance, certificates, reports and digests; collections for
images and documents; ``H5PActivity.school`` for H5P activities; model permissions (never granted to a school's
groups) for snippets, users, groups, workflows, sites, redirects and the rest. ``tests/cms/test_school_isolation.py``
walks every registered admin viewset and URL to check it.
"""

from html import escape

from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseForbidden
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from cms.middleware import _admin_prefix
from courses.models import School
from courses.schools.selectors import current_staff_school, school_for_site
from learners.staff.selectors import school_membership

# Admin URL keyword arguments that name a page, and the URL namespaces / names whose ``pk`` is a page's.
PAGE_KWARGS = ("page_id", "parent_page_id", "page_to_move_id", "destination_id", "page_to_copy_id")
PAGE_NAMESPACES = {"wagtailadmin_pages"}
PAGE_URL_PREFIXES = ("wagtailadmin_explore", "wagtailadmin_choose_page")

# Wagtail views that list every site's objects with no way to limit them to a school: refused (403) to a school's
# staff. Their reports menu items are hidden too. A school's administration follows her school's reviews from the
# admin home's "awaiting your review" panel and her school's pages' history.
NATIONAL_VIEWS = {
    "wagtailadmin_reports:workflow",  # every workflow state of every site
    "wagtailadmin_reports:workflow_results",
    "wagtailadmin_reports:workflow_tasks",
    "wagtailadmin_reports:workflow_tasks_results",
    "wagtailadmin_reports:site_history",  # every page's and snippet's log entries
    "wagtailadmin_reports:site_history_results",
    "wagtailadmin_reports:page_types_usage",  # the last edited page of each type, whatever its site
    "wagtailadmin_reports:page_types_usage_results",
    "wagtailadmin_workflows:task_chooser",  # every approval task (the workflows admin is national)
    "wagtailadmin_workflows:task_chooser_results",
    "wagtailadmin_workflows:task_chosen",
    "wagtailforms:index",  # its site filter names every site (a school's form pages keep their page URLs)
    "wagtailforms:index_results",
}
NATIONAL_VIEW_CLASSES = (
    "wagtail.admin.views.reports.workflows.WorkflowView",  # Wagtail 8 leaves these report URLs without a name
    "wagtail.admin.views.reports.workflows.WorkflowTasksView",
    "wagtail.admin.views.reports.audit_logging.LogEntriesView",
    "wagtail.admin.views.reports.page_types_usage.PageTypesUsageReportView",
)
NATIONAL_NAMESPACES = {
    # The admin API's image and document endpoints ignore collections (the admin's interface does not use them)
    "wagtailadmin_api:documents",
    "wagtailadmin_api:images",
}
STAFF_PAGES_NAMESPACE = "learners_staff"  # the staff pages outside the admin (learners.staff.urls)
NATIONAL_REPORT_MENU_ITEMS = {"workflows", "workflow-tasks", "site-history", "page-types-usage"}


def other_school_paths(school_id: int) -> list[str]:
    """The home page paths of every other school (one query)."""
    return list(School.objects.exclude(pk=school_id).values_list("site__root_page__path", flat=True))


def without_other_schools(pages, school_id: int):
    """``pages`` without the trees of other schools (``path__startswith`` lookups, which Wagtail's search
    backends accept as filters too)."""
    condition = Q()
    for path in other_school_paths(school_id):
        condition &= ~Q(path__startswith=path)
    return pages.filter(condition) if condition else pages


def _request_membership(request):
    if not hasattr(request, "_staff_membership"):
        user = getattr(request, "user", None)
        request._staff_membership = school_membership(user=user, remember=True) if user is not None else None
    return request._staff_membership


def _request_school_id(request) -> int | None:
    membership = _request_membership(request)
    return membership.school_id if membership else None


def hide_other_schools_from_explorer(parent_page, pages, request):
    school_id = _request_school_id(request)
    return pages if school_id is None else without_other_schools(pages, school_id)


def hide_other_schools_from_chooser(pages, request):
    school_id = _request_school_id(request)
    return pages if school_id is None else without_other_schools(pages, school_id)


def hide_national_reports(request, menu_items):
    if _request_school_id(request) is not None:
        menu_items[:] = [item for item in menu_items if item.name not in NATIONAL_REPORT_MENU_ITEMS]


def hide_other_schools_forms(user, editable_forms):
    school_id = staff_school_of(user)
    return editable_forms if school_id is None else without_other_schools(editable_forms, school_id)


def staff_school_of(user) -> int | None:
    membership = school_membership(user=user) if user is not None else None
    return membership.school_id if membership else None


def _page_ids(resolver_match) -> list[int]:
    kwargs = resolver_match.kwargs
    ids = [kwargs[name] for name in PAGE_KWARGS if name in kwargs]
    names = [resolver_match.view_name or ""]
    if "pk" in kwargs and (set(resolver_match.namespaces) & PAGE_NAMESPACES or names[0].startswith(PAGE_URL_PREFIXES)):
        ids.append(kwargs["pk"])
    found = []
    for value in ids:
        try:
            found.append(int(value))
        except (TypeError, ValueError):
            continue
    return found


def _wrong_host_response(request, school: School | None):
    """The refusal on another school's host: the session on this host is closed."""
    logout(request)
    where = (
        _(
            "Your account belongs to the staff of %(school)s: sign in to the administration at %(host)s or on the "
            "academy's site."
        )
        % {"school": school.name, "host": f"{school.site.hostname}/admin/"}
        if school is not None
        else _("Your account belongs to the staff of another school: sign in on your school's site.")
    )
    return _refusal(_("This is not your school's administration"), where)


def _several_schools_response(membership):
    """The refusal for an account in the groups of several schools."""
    ids = [membership.school_id, *membership.other_school_ids]
    names = list(School.objects.filter(pk__in=ids).order_by("name").values_list("name", flat=True))
    title = _("Your account is in the staff of several schools")
    text = _(
        "Your account belongs to the groups of several schools (%(schools)s), and an account works for one "
        "school only. So as not to show you one school's data by mistake, the administration is closed to it: ask "
        "the academy to leave you in the groups of your school only."
    ) % {"schools": "; ".join(names)}
    return _refusal(title, text)


def _refusal(title: str, text: str) -> HttpResponseForbidden:
    """A plain Spanish 403 page: a title and one paragraph."""
    return HttpResponseForbidden(
        f'<!doctype html><html lang="es"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
    )


class SchoolStaffIsolationMiddleware:
    """For admin requests of a municipal school's staff: refuse another school's host, 404 for another school's
    pages named by id, and the request's school for model choices (``current_staff_school``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def _is_admin(self, request) -> bool:
        return request.path.startswith(_admin_prefix())  # resolved once: a learner's page pays one startswith

    def __call__(self, request):
        if not self._is_admin(request) or not getattr(request, "user", None) or not request.user.is_authenticated:
            return self.get_response(request)
        membership = _request_membership(request)
        if membership is None:
            return self.get_response(request)
        if membership.conflicting and request.path != reverse("wagtailadmin_logout"):
            return _several_schools_response(membership)
        school_id = membership.school_id
        host_school = school_for_site(site=Site.find_for_request(request))
        if host_school is not None and host_school.pk != school_id:
            own = School.objects.select_related("site").filter(pk=school_id).first()
            return _wrong_host_response(request, own)
        token = current_staff_school.set(school_id)
        try:
            return self.get_response(request)
        finally:
            current_staff_school.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(request, "resolver_match", None):
            return None
        if STAFF_PAGES_NAMESPACE in request.resolver_match.namespaces:
            # the staff pages outside the admin (attendance, groups, reflections): refused like the admin to an
            # account in the groups of several schools
            user = getattr(request, "user", None)
            membership = _request_membership(request) if user is not None and user.is_authenticated else None
            return _several_schools_response(membership) if membership and membership.conflicting else None
        if not self._is_admin(request):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        school_id = _request_school_id(request)
        if school_id is None:
            return None
        match = request.resolver_match
        view_class = getattr(match.func, "view_class", None)
        view_path = f"{view_class.__module__}.{view_class.__qualname__}" if view_class else ""
        if (
            match.view_name in NATIONAL_VIEWS
            or view_path in NATIONAL_VIEW_CLASSES
            or any(
                match.namespace == namespace or match.namespace.startswith(namespace + ":")
                for namespace in NATIONAL_NAMESPACES
            )
        ):
            raise PermissionDenied
        page_ids = _page_ids(request.resolver_match)
        if not page_ids:
            return None
        paths = other_school_paths(school_id)
        if not paths:
            return None
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        if Page.objects.filter(condition, pk__in=page_ids).exists():
            raise Http404
        return None


# Wagtail's own viewsets, and how each is closed to other schools' staff (the isolation test requires every
# registered viewset to be declared here or to carry ``school_isolation``, see courses.viewset_utils).
WAGTAIL_VIEWSETS = {
    "wagtail.admin.viewsets.pages.PageViewSet": "page permissions on the school's tree; explorer and chooser hooks "
    "and SchoolStaffIsolationMiddleware for ids",
    "wagtail.sites.views.SiteViewSet": "national: a school's groups have no site permission",
    "wagtail.users.views.groups.GroupViewSet": "national: a school's groups have no group permission",
    "wagtail.documents.views.chooser.DocumentChooserViewSet": "collections: a school's groups choose in their own",
    "wagtail.images.views.chooser.ImageChooserViewSet": "collections: a school's groups choose in their own",
}


# The page listing's filters (explorer): Wagtail offers every site and every page owner or editor as choices.
# For a school's staff the choices are their own school's site and the academy's, and their own school's staff.


def _sites_for(queryset, school_id: int):
    return queryset.exclude(pk__in=School.objects.exclude(pk=school_id).values("site_id"))


def _staff_for(queryset, school_id: int):
    from django.contrib.auth import get_user_model

    members = get_user_model().objects.filter(groups__school_link__school_id=school_id).values("pk")
    return queryset.filter(pk__in=members)


def _school_limited(original, limit):
    def queryset(request):
        rows = original(request) if callable(original) else original.all()
        school_id = _request_school_id(request) if request is not None else None
        return rows if school_id is None else limit(rows, school_id)

    return queryset


def page_filters_limit() -> None:
    """Make the explorer's site, owner and editor filters offer only the school's own to a school's staff (their
    querysets become functions of the request, as django-filter allows)."""
    from wagtail.admin.views.pages.listing import GenericPageFilterSet, PageFilterSet

    limits = {"site": _sites_for, "owner": _staff_for, "edited_by": _staff_for}
    for filterset in (PageFilterSet, GenericPageFilterSet):
        for name, limit in limits.items():
            declared = filterset.base_filters.get(name)
            if declared is None or getattr(declared.queryset, "school_limited", False):
                continue
            declared.queryset = _school_limited(declared.queryset, limit)
            declared.queryset.school_limited = True
