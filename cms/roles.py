"""The staff roles of the school, their permissions and the academy's review workflow: one definition shared by
the ``0003_create_roles`` data migration and ``manage.py sync_roles`` (both idempotent).

Roles are Django groups. Their names are shown in the admin, so they are in Spanish and are data, not msgids.
An instructor's editing rights come from a managed group per course, "Instructores · <course title>", whose
only page permissions are add and change on that course (never publish: edits go through the workflow) and whose
members are the accounts named on the course (``CourseInstructor.user``): see ``course_editors_sync``.

The functions take an ``apps`` registry so that the migration can run them on historical models; everything
else calls them with the default (the live registry).
"""

from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import transaction

INSTRUCTOR = "Instructor"
ACADEMY = "Academia"
COORDINATOR = "Coordinación municipal"
ADMINISTRATOR = "Administrador"
COURSE_GROUP_PREFIX = "Instructores · "
WORKFLOW_NAME = "Revisión de la academia"
TASK_NAME = "Aprobación de la academia"

ALL = "*"  # every permission in the database

IMAGES_AND_DOCUMENTS_TO_USE = [
    "wagtailimages.add_image",
    "wagtailimages.choose_image",
    "wagtaildocs.add_document",
    "wagtaildocs.choose_document",
]
IMAGES_AND_DOCUMENTS_ALL = IMAGES_AND_DOCUMENTS_TO_USE + [
    "wagtailimages.change_image",
    "wagtailimages.delete_image",
    "wagtaildocs.change_document",
    "wagtaildocs.delete_document",
]


@dataclass(frozen=True)
class Role:
    """A group: its model permissions (``app_label.codename``; ``ALL`` for every one), its page permissions on
    the root page (so on every page), and its image and document permissions on the root collection."""

    name: str
    permissions: list[str]
    page_permissions: list[str] = field(default_factory=list)
    collection_permissions: list[str] = field(default_factory=list)


# What the academy and a municipal school's administration both manage (the school's only inside the school: see
# SCHOOL_ADMIN_PERMISSIONS): H5P activities, cohorts, sessions, enrolments, attendance and reports. A permission
# added here reaches both; one added to either role's own list below changes the differences that
# tests/cms/test_roles.py states, so that the two roles part ways only on purpose.
ADMINISTRATION_PERMISSIONS = [
    "wagtailadmin.access_admin",
    "courses.add_h5pactivity",
    "courses.change_h5pactivity",
    "courses.view_h5pactivity",
    "learners.add_cohort",
    "learners.change_cohort",
    "learners.delete_cohort",
    "learners.view_cohort",
    "learners.add_session",
    "learners.change_session",
    "learners.delete_session",
    "learners.view_session",
    # enrolling from a CSV file and its invitations (a school's administration: into her school's courses and
    # cohorts only, learners.imports.admin_views and learners.staff.selectors.staff_may_enrol_in)
    "learners.add_enrolment",
    "learners.change_enrolment",
    "learners.view_enrolment",
    "learners.view_learnerprofile",
    "learners.view_h5pattempt",
    "learners.add_attendancerecord",
    "learners.change_attendancerecord",
    "learners.view_attendancerecord",
    "cms_reports.view_reports",
]
ACADEMY_PERMISSIONS = ADMINISTRATION_PERMISSIONS + [
    "courses.delete_h5pactivity",
    "courses.view_h5plibrary",
    # Learners' data requests (access, correction, deletion, blocking): seen and answered by the academy.
    # Privacy notice versions and the audit log stay with the Administrador.
    "learners.view_datarequest",
    "learners.change_datarequest",
    "learners.view_privacynotice",
    # Log-in locks: the academy helps learners who were slowed down or whose school's address was refused.
    "learners.view_loginlock",
    "learners.delete_loginlock",
    # The outbox: which notices went out, which failed and why (learners.notifications).
    "learners.view_outboxmessage",
    # The content review of a course (date and reviewer) and the list of courses due for one.
    "courses.review_coursepage",
    # Municipal schools: the academy adds and removes them (cms.schools).
    "courses.add_school",
    "courses.change_school",
    "courses.delete_school",
    "courses.view_school",
    "certificates.*",
]


ROLES = [
    Role(
        INSTRUCTOR,
        # Page rights come from the course groups; the learner lists are limited to her courses and cohorts
        # (learners.staff.selectors.staff_scope), and attendance to her cohorts' sessions (learners.attendance.views).
        permissions=[
            "wagtailadmin.access_admin",
            "courses.add_h5pactivity",
            "courses.change_h5pactivity",
            "courses.view_h5pactivity",
            "learners.view_cohort",
            "learners.view_session",
            "learners.view_enrolment",
            "learners.view_learnerprofile",
            "learners.view_h5pattempt",
        ],
        collection_permissions=IMAGES_AND_DOCUMENTS_TO_USE,
    ),
    Role(
        ACADEMY,
        permissions=ACADEMY_PERMISSIONS,
        page_permissions=["add_page", "change_page", "publish_page", "delete_page", "lock_page", "unlock_page"],
        collection_permissions=IMAGES_AND_DOCUMENTS_ALL,
    ),
    Role(
        COORDINATOR,
        # Read-only, and limited to the municipality of her StaffProfile (learners.staff.selectors.staff_scope).
        permissions=[
            "wagtailadmin.access_admin",
            "learners.view_cohort",
            "learners.view_session",
            "learners.view_enrolment",
            "learners.view_learnerprofile",
            "learners.view_attendancerecord",
            "cms_reports.view_reports",
        ],
    ),
    Role(
        ADMINISTRATOR,
        permissions=[ALL],
        page_permissions=[
            "add_page",
            "change_page",
            "publish_page",
            "delete_page",
            "bulk_delete_page",
            "lock_page",
            "unlock_page",
        ],
        collection_permissions=IMAGES_AND_DOCUMENTS_ALL,
    ),
]
ROLE_NAMES = [role.name for role in ROLES]


def _permissions(apps, names: list[str]):
    """The Permission rows for ``names`` (``app.codename``, ``app.*`` or ``ALL``); names not (yet) in the database
    are left out, so a role may list the permissions of a feature that is not installed."""
    Permission = apps.get_model("auth", "Permission")
    if ALL in names:
        return list(Permission.objects.all())
    found = []
    for name in names:
        app_label, codename = name.split(".", 1)
        rows = Permission.objects.filter(content_type__app_label=app_label)
        if codename != "*":
            rows = rows.filter(codename=codename)
        found.extend(rows)
    return found


def _root_page(apps):
    Page = apps.get_model("wagtailcore", "Page")
    return Page.objects.filter(depth=1).order_by("path").first()


def _root_collection(apps):
    Collection = apps.get_model("wagtailcore", "Collection")
    return Collection.objects.filter(depth=1).order_by("path").first()


def _page_permission(apps, codename: str):
    return apps.get_model("auth", "Permission").objects.get(content_type__app_label="wagtailcore", codename=codename)


def roles_sync(*, apps=global_apps) -> dict[str, object]:
    """Create the role groups and give them exactly their permissions (extra permissions added by hand to a role
    are removed); returns the groups by name."""
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    root_page, root_collection = _root_page(apps), _root_collection(apps)
    groups = {}
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role.name)
        group.permissions.set(_permissions(apps, role.permissions))
        if root_page is not None:
            wanted = [_page_permission(apps, codename) for codename in role.page_permissions]
            GroupPagePermission.objects.filter(group=group, page=root_page).exclude(permission__in=wanted).delete()
            for permission in wanted:
                GroupPagePermission.objects.get_or_create(group=group, page=root_page, permission=permission)
        if root_collection is not None:
            wanted = _permissions(apps, role.collection_permissions)
            GroupCollectionPermission.objects.filter(group=group, collection=root_collection).exclude(
                permission__in=wanted
            ).delete()
            for permission in wanted:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )
        groups[role.name] = group
    return groups


def workflow_sync(*, apps=global_apps, academy=None):
    """The academy's review workflow (one group approval task for the Academia group), assigned to every course
    catalogue, so that changes to courses saved by people who cannot publish go live only once approved."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    CourseIndexPage = apps.get_model("courses", "CourseIndexPage")
    academy = academy or Group.objects.get(name=ACADEMY)
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        content_type, _created = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
        task = GroupApprovalTask.objects.create(name=TASK_NAME, content_type=content_type, active=True)
    task.groups.add(academy)
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    school_paths = _school_paths(apps)
    for catalogue in CourseIndexPage.objects.all():
        if _in_school(catalogue.path, school_paths):
            continue  # a school's pages go through its own review (school_access_sync)
        WorkflowPage.objects.update_or_create(page_id=catalogue.pk, defaults={"workflow": workflow})
    return workflow


def _school_paths(apps) -> list[str]:
    School = apps.get_model("courses", "School")
    return list(School.objects.values_list("site__root_page__path", flat=True))


def _in_school(path: str, school_paths: list[str]) -> bool:
    return any(path.startswith(school_path) for school_path in school_paths)


def catalogue_workflow_assign(*, catalogue) -> None:
    """Put a new course catalogue of the academy under the academy's review (when the workflow exists). A
    catalogue inside a municipal school's tree is left to the school's own review (on its home page)."""
    from wagtail.models import Workflow, WorkflowPage

    if _in_school(catalogue.path, _school_paths(global_apps)):
        return
    workflow = Workflow.objects.filter(name=WORKFLOW_NAME, active=True).first()
    if workflow is not None:
        WorkflowPage.objects.get_or_create(page=catalogue, defaults={"workflow": workflow})


# Municipal schools: their staff groups' permissions and their review workflow -----------------------------------

SCHOOL_ADMIN_GROUP_PREFIX = "Administración "
SCHOOL_TEACHER_GROUP_PREFIX = "Docentes "
SCHOOL_WORKFLOW_PREFIX = "Revisión "
SCHOOL_TASK_PREFIX = "Aprobación "
ADMINISTRATION, TEACHING = "administration", "teaching"

# Model permissions of a school's groups. What they reach is limited to the school by the staff scope
# (learners.staff.selectors.staff_scope, a school's staff are found through courses.SchoolGroup) and by the
# admin hooks of cms.schools.isolation; page, collection and site-settings permissions are on the school's own
# tree, collection and site (cms.schools.services.school_create).
SCHOOL_ADMIN_PERMISSIONS = ADMINISTRATION_PERMISSIONS + [
    # The school's issued certificates: see, revoke and reissue them (the rest of certificates.* is the academy's).
    "certificates.view_issuedcertificate",
    "certificates.change_issuedcertificate",
]
SCHOOL_TEACHER_PERMISSIONS = [
    "wagtailadmin.access_admin",
    "courses.add_h5pactivity",
    "courses.view_h5pactivity",
    "learners.view_cohort",
    "learners.view_session",
    "learners.view_enrolment",
    "learners.view_learnerprofile",
    "learners.view_h5pattempt",
]


def school_workflow_name(name: str) -> str:
    return f"{SCHOOL_WORKFLOW_PREFIX}{name}"[:255]


def school_groups(*, apps=global_apps, school) -> dict[str, object]:
    """The school's groups by kind (``ADMINISTRATION``, ``TEACHING``), linked through ``courses.SchoolGroup``.
    Groups created before the link existed are found once by their name and linked."""
    Group = apps.get_model("auth", "Group")
    SchoolGroup = apps.get_model("courses", "SchoolGroup")
    found = {link.kind: link.group for link in SchoolGroup.objects.filter(school=school).select_related("group")}
    names = {ADMINISTRATION: SCHOOL_ADMIN_GROUP_PREFIX, TEACHING: SCHOOL_TEACHER_GROUP_PREFIX}
    for kind, prefix in names.items():
        if kind not in found:
            group, _created = Group.objects.get_or_create(name=f"{prefix}{school.name}"[:150])
            SchoolGroup.objects.create(group=group, school=school, kind=kind)
            found[kind] = group
    return found


def school_access_sync(*, apps=global_apps, school) -> None:
    """Give the school's groups exactly their model permissions, and put the school's pages under its own review
    workflow ("Revisión <escuela>", one group approval task for its administration) assigned to its home page;
    the academy's review stays on the academy's catalogues. Idempotent (``sync_roles`` repeats it)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Page = apps.get_model("wagtailcore", "Page")
    groups = school_groups(apps=apps, school=school)
    groups[ADMINISTRATION].permissions.set(_permissions(apps, SCHOOL_ADMIN_PERMISSIONS))
    groups[TEACHING].permissions.set(_permissions(apps, SCHOOL_TEACHER_PERMISSIONS))

    task_name = f"{SCHOOL_TASK_PREFIX}{school.name}"[:255]
    task = GroupApprovalTask.objects.filter(name=task_name).first()
    if task is None:
        content_type, _created = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
        task = GroupApprovalTask.objects.create(name=task_name, content_type=content_type, active=True)
    task.groups.set([groups[ADMINISTRATION]])
    workflow, _created = Workflow.objects.get_or_create(
        name=school_workflow_name(school.name), defaults={"active": True}
    )
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    home = Page.objects.get(pk=school.site.root_page_id)
    WorkflowPage.objects.update_or_create(page_id=home.pk, defaults={"workflow": workflow})
    # Pages below the home that were assigned another workflow (the academy's, on the school's catalogue) follow
    # the school's: the nearest assignment wins in Wagtail.
    below = Page.objects.filter(path__startswith=home.path).exclude(pk=home.pk).values("pk")
    WorkflowPage.objects.filter(page_id__in=below).exclude(workflow=workflow).delete()


def schools_access_sync(*, apps=global_apps) -> int:
    School = apps.get_model("courses", "School")
    count = 0
    for school in School.objects.select_related("site"):
        school_access_sync(apps=apps, school=school)
        count += 1
    return count


def permissions_create(*, apps=global_apps) -> None:
    """Make sure every model permission exists (Django creates them only after all migrations have run)."""
    for app_config in apps.get_app_configs():
        historical = getattr(app_config, "models_module", None) is None  # historical configs: pretend a moment
        if historical:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if historical:
            app_config.models_module = None


# Course groups ----------------------------------------------------------------------------------------------------


def _course_group_name(course, Group, current=None) -> str:
    name = f"{COURSE_GROUP_PREFIX}{course.title}"[:140]
    clash = Group.objects.filter(name=name)
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    return f"{name} #{course.pk}" if clash.exists() else name


def course_group(*, course):
    """The managed group of a course (None when it has none yet)."""
    from django.contrib.auth.models import Group

    return (
        Group.objects.filter(name__startswith=COURSE_GROUP_PREFIX, page_permissions__page_id=course.pk)
        .distinct()
        .first()
    )


@transaction.atomic
def course_editors_sync(*, course) -> set[int]:
    """Make the course's managed group hold exactly the accounts named on the course (``CourseInstructor.user``)
    with add and change rights on its page tree; add them to the Instructor role, and take that role away from
    people removed here who are named on no other course and teach no cohort. Returns the editors' user ids."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission

    from courses.models import CourseInstructor

    editors = set(
        CourseInstructor.objects.filter(page_id=course.pk, user__isnull=False, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    group = course_group(course=course)
    if group is None:
        if not editors:
            return editors
        group = Group.objects.create(name=_course_group_name(course, Group))
    elif not group.name.startswith(f"{COURSE_GROUP_PREFIX}{course.title}"[:140]):
        group.name = _course_group_name(course, Group, current=group)
        group.save(update_fields=["name"])
    for codename in ("add_page", "change_page"):
        GroupPagePermission.objects.get_or_create(
            group=group,
            page_id=course.pk,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
        )
    members = set(group.user_set.values_list("pk", flat=True))
    group.user_set.add(*(editors - members))
    group.user_set.remove(*(members - editors))
    instructor_role, _created = Group.objects.get_or_create(name=INSTRUCTOR)
    # A municipal school's staff have their school's groups (with their school's collection) instead of the
    # national role, whose images and documents are every collection's.
    school_staff = set(
        group.user_set.model.objects.filter(pk__in=editors, groups__school_link__isnull=False).values_list(
            "pk", flat=True
        )
    )
    instructor_role.user_set.add(*(editors - school_staff))
    instructor_role.user_set.remove(*school_staff)
    _instructor_role_revoke(role=instructor_role, user_ids=members - editors)
    return editors


def _instructor_role_revoke(*, role, user_ids: set[int]) -> None:
    from django.contrib.auth import get_user_model

    if not user_ids:
        return
    still_teaching = (
        get_user_model()
        .objects.filter(pk__in=user_ids)
        .filter(groups__name__startswith=COURSE_GROUP_PREFIX)
        .values_list("pk", flat=True)
        .union(
            get_user_model()
            .objects.filter(pk__in=user_ids, instructed_cohorts__isnull=False)
            .values_list("pk", flat=True)
        )
    )
    role.user_set.remove(*(user_ids - set(still_teaching)))


def course_groups_cleanup() -> int:
    """Delete the managed groups whose course is gone; returns how many."""
    from django.contrib.auth.models import Group

    orphans = Group.objects.filter(name__startswith=COURSE_GROUP_PREFIX, page_permissions__isnull=True)
    user_ids = set(orphans.values_list("user__pk", flat=True)) - {None}
    count = orphans.count()
    orphans.delete()
    _instructor_role_revoke(role=Group.objects.get_or_create(name=INSTRUCTOR)[0], user_ids=user_ids)
    return count


@dataclass(frozen=True)
class SyncReport:
    roles: int
    courses: int
    editors: int
    removed_groups: int


@transaction.atomic
def school_roles_sync() -> SyncReport:
    """Everything ``sync_roles`` does: permissions, role groups, the review workflow and every course's group."""
    from courses.models import CoursePage

    permissions_create()
    groups = roles_sync()
    workflow_sync(academy=groups[ACADEMY])
    schools_access_sync()
    editors = 0
    courses = 0
    for course in CoursePage.objects.all():
        editors += len(course_editors_sync(course=course))
        courses += 1
    return SyncReport(roles=len(groups), courses=courses, editors=editors, removed_groups=course_groups_cleanup())
