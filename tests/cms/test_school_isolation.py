"""The isolation matrix (issue 15, item 8): nothing of school B reaches school A's staff.

Every role of school A (its administration, its instructor) against every admin view, discovered from the URL
resolver and Wagtail's viewset registry (nothing is listed by hand, except the few URLs whose parameters name no
object, declared below with their reason): with data seeded in school B, every page of the admin and of the staff
pages is searched for B's mark ("zzbeta": its name, pages, cohort, session, learners, staff, images, documents, H5P
activity, issuer, workflow), every URL naming one of B's objects by id must be refused (404, 403 or a redirect),
listings are fetched also searched and exported as CSV. A registered viewset that declares no scope
(``school_isolation``, courses.viewset_utils; Wagtail's own in cms.schools.isolation.WAGTAIL_VIEWSETS) fails the
test, and so does a new admin URL with parameters this test cannot fill. The permission matrix of the national
roles is tests/cms/test_roles.py.
"""

import re

from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import TestCase
from django.urls import URLResolver, get_resolver, reverse
from wagtail.admin.viewsets import viewsets as viewset_registry
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection, Page, Site, Task, Workflow

from certificates.models import CertificateBatch, CertificateTemplate, IssuanceFailure, IssuedCertificate, Issuer
from certificates.services import issuance
from cms import roles
from cms.schools import isolation, services
from courses.models import CourseIndexPage, H5PActivity, H5PLibrary, School
from courses.viewset_utils import NATIONAL, SCOPED
from learners.enrolment.services import enrolment_create
from learners.h5p.models import H5PAttempt
from learners.imports.models import EnrolmentImport, ImportInvitation
from learners.models import Cohort, DataRequest, Enrolment, LearnerProfile, Session
from learners.reflections.models import ReflectionAnswer
from learners.staff.selectors import staff_scope
from tests.factories.certificates import make_template
from tests.factories.courses import build_course
from tests.factories.h5p_activities import make_activity
from tests.factories.learners import ensure_comuna, make_cohort, make_learner, make_session, make_user

PENALOLEN, VALPARAISO = "13122", "05101"
MARK = "zzbeta"  # everything of school B carries it; school A's staff must never receive it
QUERY = "omega"  # B's objects carry this word too: searched for (a search page shows what was searched)

# Parameters that name a page, an image… whatever the URL; ``pk`` is read from the URL's namespace or name.
PAGE = Page
PARAM_MODELS = {
    "page_id": PAGE,
    "parent_page_id": PAGE,
    "page_to_move_id": PAGE,
    "destination_id": PAGE,
    "page_pk": PAGE,
    "document_id": "document",
    "doc_id": "document",
    "image_id": "image",
    "collection_id": Collection,
    "cohort_pk": Cohort,
    "cohort_id": Cohort,
    "workflow_pk": Workflow,
    "task_id": Task,
    "enrolment_id": Enrolment,
    "lesson_id": PAGE,
}
PK_BY_NAMESPACE = {
    "wagtailadmin_pages": PAGE,
    "wagtailadmin_api:pages": PAGE,
    "wagtailadmin_api:documents": "document",
    "wagtailadmin_api:images": "image",
    "wagtailadmin_collections": Collection,
    "wagtailadmin_workflows": Workflow,
    "wagtailsites": Site,
    "wagtailusers_users": "user",
    "wagtailusers_groups": Group,
    "wagtaildocs_chooser": "document",
    "wagtailimages_chooser": "image",
}
PK_BY_NAME = {
    "cms_reports_learner": LearnerProfile,
    "courses_h5p_library_review": H5PLibrary,
    "learners_data_request_answer": DataRequest,
    "learners_bulk_enrol_result": EnrolmentImport,
    "learners_staff:checkin_code": Session,
    "learners_staff:checkin_display": Session,
    "learners_staff:reflection_feedback": ReflectionAnswer,
    "cms_guarded_site_delete": Site,
    "certificates_revoke": IssuedCertificate,
    "certificates_reissue": IssuedCertificate,
    "certificates_retry": IssuedCertificate,
    "certificates_failure_retry": IssuanceFailure,
    "certificates_batch_progress": CertificateBatch,
    "certificates_batch_retry": CertificateBatch,
    "certificates_template_sample": CertificateTemplate,
    "learners_staff:attendance": Session,
    "learners_staff:attendance_qr": Session,
    "learners_staff:group": Cohort,
    "wagtailadmin_workflows:edit_task": Task,
    "wagtailadmin_workflows:disable_task": Task,
    "wagtailadmin_workflows:enable_task": Task,
    "wagtailadmin_workflows:task_chosen": Task,
}
# Parameters that are not objects: a fixed value is enough
STATIC_PARAMS = {
    "content_type_app_name": "courses",
    "content_type_model_name": "lessonpage",
    "action_name": "approve",
    "filter_spec": "original",
    "block_id": "bloque",
}
# Admin URLs whose parameters name no object of a school, and why they are not exercised here
NOT_SCHOOL_OBJECTS = {
    "wagtailadmin_password_reset_confirm": "a password reset token, not an object",
    "wagtail_bulk_action": "bulk actions post ids of objects whose own views are checked here",
    "wagtailadmin_pages:type_use": "page type usage: checked without parameters through the page types report",
    "wagtailadmin_pages:type_use_results": "same as type_use",
    "wagtailadmin_pages:choose_parent": "a page type, not a page (the chooser it opens is hooked)",
    "wagtailadmin_tag_model_autocomplete": "tags are shared words, not a school's objects",
    "wagtailadmin_workflows:add_task": "a task type; the workflows admin is national",
    "wagtailadmin_editing_sessions:ping": "an editing session of one's own",
    "wagtailadmin_editing_sessions:release": "an editing session of one's own",
    "wagtaildocs:create_multiple_from_uploaded_document": "an upload of one's own",
    "wagtaildocs:delete_upload_multiple": "an upload of one's own",
    "wagtailimages:create_multiple_from_uploaded_image": "an upload of one's own",
    "wagtailimages:delete_upload_multiple": "an upload of one's own",
    "wagtailsettings:edit": "a settings model (with a site id: sites are national, refused by site permission)",
    "wagtailsettings:preview_on_edit": "same as wagtailsettings:edit",
    "wagtailredirects:edit": "redirects are national (no permission of a school's groups)",
    "wagtailredirects:delete": "redirects are national (no permission of a school's groups)",
    "wagtailforms:list_submissions": "form pages: page permissions (no form page in a school here)",
    "wagtailforms:list_submissions_results": "form pages: page permissions",
    "wagtailforms:delete_submissions": "form pages: page permissions",
    "wagtailadmin_pages:revisions_compare": "a page id, checked through every other revisions URL",
    "wagtailadmin_pages:workflow_action": "a page id with a task state, checked through the page's other URLs",
    "wagtailadmin_pages:collect_workflow_action_data": "same as workflow_action",
    "wagtailadmin_pages:workflow_preview": "same as workflow_action",
    "wagtailadmin_pages:workflow_history_detail": "same as workflow_action",
    "wagtailadmin_pages:revisions_view": "a page id with a revision, checked through revisions_index",
    "wagtailadmin_pages:revisions_revert": "same as revisions_view",
    "wagtailadmin_pages:revisions_unschedule": "same as revisions_view",
    "wagtailadmin_api:pages:action": "a page id with an action name, checked through the API's page detail",
    "wagtailimages:preview": "an image with a filter, checked through the image's other URLs",
}
SKIPPED_PATHS = {
    "/admin/failwhale/": "Wagtail's page that fails on purpose (a 500 to test error reporting)",
    "/admin/logout/": "signs out",
}
ADMIN_PREFIX = "admin/"
STAFF_NAMESPACES = ("learners_staff",)  # the staff pages outside the admin (attendance, groups, reflections)
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def walk(patterns, prefix="", namespaces=()):
    """Every URL pattern as (route, full name, pattern); regular-expression routes come back as they are."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = (pattern.namespace,) if pattern.namespace else ()
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), namespaces + namespace)
        else:
            yield prefix + str(pattern.pattern), ":".join((*namespaces, pattern.name or "")), pattern


def staff_routes():
    for route, name, _pattern in walk(get_resolver().url_patterns):
        if route.startswith(ADMIN_PREFIX) or name.startswith(STAFF_NAMESPACES):
            yield route, name


def plain_route(route: str) -> str | None:
    """A regular-expression route without groups as a path; None when it has groups."""
    if "(?P" in route or "(" in route:
        return None
    return route.replace("^", "").replace("$", "").replace("\\", "")


class SchoolIsolationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ensure_comuna(PENALOLEN, "Peñalolén")
        ensure_comuna(VALPARAISO, "Valparaíso")
        cls.school_a = services.school_create(
            name="Escuela Ciudadana de Peñalolén",
            comuna_code=PENALOLEN,
            host="penalolen.localhost",
            admin_email="daniela@penalolen.cl",
        ).school
        created_b = services.school_create(
            name="Escuela Zzbeta Omega de Valparaíso",
            comuna_code=VALPARAISO,
            host="valparaiso.localhost",
            admin_email="admin@zzbeta.cl",
        )
        cls.school_b = created_b.school
        groups_a, groups_b = roles.school_groups(school=cls.school_a), roles.school_groups(school=cls.school_b)
        cls.admin_a = User_by_email("daniela@penalolen.cl")
        cls.admin_a.first_name, cls.admin_a.last_name = "Daniela", "Rojas"
        cls.admin_a.save()
        cls.teacher_a = make_user(email="docente@penalolen.cl", first_name="Rosa", last_name="Díaz")
        cls.teacher_a.groups.add(groups_a[roles.TEACHING])
        cls.admin_b = created_b.administrator
        cls.admin_b.first_name, cls.admin_b.last_name = "Zzbeta", "Omega"
        cls.admin_b.save()
        cls.teacher_b = make_user(email="docente@zzbeta.cl", first_name="Zzbeta", last_name="Omega")
        cls.teacher_b.groups.add(groups_b[roles.TEACHING])
        Issuer.objects.filter(school=cls.school_b).update(name="Municipalidad Zzbeta Omega")
        cls.academy = make_user(email="academia@example.cl")
        cls.academy.groups.add(Group.objects.get(name=roles.ACADEMY))

        # Each school's course, module and lesson; B's pages all carry the mark
        cls.course_a = cls._course(cls.school_a, "Ordenanza de participación de Peñalolén", cls.teacher_a)
        cls.course_b = cls._course(cls.school_b, "Ordenanza Zzbeta Omega", cls.teacher_b)
        home_b = cls.school_b.site.root_page
        for page in Page.objects.filter(path__startswith=home_b.path):
            if MARK not in page.title.lower():
                Page.objects.filter(pk=page.pk).update(
                    title=f"{page.title} Zzbeta Omega", draft_title=f"{page.title} Zzbeta Omega"
                )
        cls.lesson_b = (
            Page.objects.filter(path__startswith=cls.course_b.path, depth=cls.course_b.depth + 2).first().specific
        )
        # B's instructor sends a change of her lesson to B's review
        lesson = cls.lesson_b.specific
        lesson.save_revision(user=cls.teacher_b)
        lesson.get_workflow().start(lesson, cls.teacher_b)

        cls.cohort_a = make_cohort(course=cls.course_a, municipality_id=PENALOLEN, name="Grupo Peñalolén 1")
        cls.cohort_a.instructors.set([cls.teacher_a])
        cls.cohort_b = make_cohort(course=cls.course_b, municipality_id=VALPARAISO, name="Grupo Zzbeta Omega")
        cls.cohort_b.instructors.set([cls.teacher_b])
        cls.session_a = make_session(cohort=cls.cohort_a, place="Sede Peñalolén")
        cls.session_b = make_session(cohort=cls.cohort_b, place="Sede Zzbeta Omega")

        cls.learner_a = make_learner(
            run="12.345.678-5", email="ana@example.cl", comuna=PENALOLEN, given_names="Ana", family_names="Alfa"
        )
        cls.learner_b = make_learner(
            run="11.111.111-1",
            email="luis.zzbeta@example.cl",
            comuna=VALPARAISO,
            given_names="Zzbeta Luis",
            family_names="Omega",
        )
        # A learner of both schools: each school sees her only through its own enrolment
        cls.both = make_learner(
            run="15.555.555-6", email="dos@example.cl", comuna=PENALOLEN, given_names="Doris", family_names="Dos"
        )
        cls.enrolment_a = enrolment_create(user=cls.learner_a, course=cls.course_a, cohort=cls.cohort_a)
        cls.enrolment_b = enrolment_create(user=cls.learner_b, course=cls.course_b, cohort=cls.cohort_b)
        cls.both_a = enrolment_create(user=cls.both, course=cls.course_a, cohort=cls.cohort_a)
        cls.both_b = enrolment_create(user=cls.both, course=cls.course_b, cohort=cls.cohort_b)

        cls.activity_b = make_activity(title="Actividad Zzbeta Omega", school=cls.school_b, uploaded_by=cls.teacher_b)
        cls.attempt_b = H5PAttempt.objects.create(
            user=cls.learner_b, enrolment=cls.enrolment_b, lesson=cls.lesson_b, activity=cls.activity_b, number=1
        )
        make_template(issuer=Issuer.objects.get(school=cls.school_b), is_default=True, name="Plantilla Zzbeta Omega")
        Enrolment.objects.filter(pk__in=[cls.enrolment_b.pk, cls.both_b.pk]).update(status=Enrolment.Status.COMPLETED)
        cls.certificate_b = issuance.certificate_issue(
            enrolment=Enrolment.objects.get(pk=cls.enrolment_b.pk), render=False
        )
        cls.batch_b = CertificateBatch.objects.create(cohort=cls.cohort_b)
        cls.failure_b = IssuanceFailure.objects.create(enrolment=cls.both_b, error="Zzbeta sin plantilla")

        # B's CSV import and the invitation of the person it created, not activated yet
        cls.import_b = EnrolmentImport.objects.create(
            token="zzbeta", course=cls.course_b, cohort=cls.cohort_b, created_by=cls.admin_b, filename="zzbeta.csv"
        )
        invited_b = make_learner(
            run="13.333.333-9", email="invitada.zzbeta@example.cl", comuna=VALPARAISO, given_names="Zzbeta Inés"
        )
        type(invited_b).objects.filter(pk=invited_b.pk).update(is_active=False, last_login=None)
        LearnerProfile.objects.filter(user=invited_b).update(email_confirmed_at=None)
        ImportInvitation.objects.create(user=invited_b, enrolment_import=cls.import_b, sent_count=1)

        collection_b = Collection.objects.get(name=cls.school_b.name, depth=2)
        cls.image_b = get_image_model().objects.create(
            title="Imagen Zzbeta Omega", file=get_test_image_file(), collection=collection_b
        )
        cls.document_b = get_document_model().objects.create(
            title="Documento Zzbeta Omega", file=ContentFile(b"zzbeta", name="zzbeta.txt"), collection=collection_b
        )

        home_b = Page.objects.get(pk=cls.school_b.site.root_page_id)
        cls.seeds = {
            Page: [home_b.pk, cls.lesson_b.pk],  # the school's home (its tree) and a lesson in review
            "image": [cls.image_b.pk],
            "document": [cls.document_b.pk],
            Collection: [collection_b.pk],
            Cohort: [cls.cohort_b.pk],
            Session: [cls.session_b.pk],
            Enrolment: [cls.both_b.pk],  # the shared learner's enrolment in B
            LearnerProfile: [cls.learner_b.learner_profile.pk],
            H5PAttempt: [cls.attempt_b.pk],
            EnrolmentImport: [cls.import_b.pk],
            H5PActivity: [cls.activity_b.pk],
            IssuedCertificate: [cls.certificate_b.pk],
            CertificateBatch: [cls.batch_b.pk],
            IssuanceFailure: [cls.failure_b.pk],
            CertificateTemplate: list(
                CertificateTemplate.objects.filter(name="Plantilla Zzbeta Omega").values_list("pk", flat=True)
            ),
            Issuer: list(Issuer.objects.filter(school=cls.school_b).values_list("pk", flat=True)),
            School: [cls.school_b.pk],
            Site: [cls.school_b.site_id],
            "user": [cls.admin_b.pk, cls.teacher_b.pk, cls.learner_b.pk],
            Group: list(Group.objects.filter(school_link__school=cls.school_b).values_list("pk", flat=True)),
            Workflow: list(
                Workflow.objects.filter(name=roles.school_workflow_name(cls.school_b.name)).values_list("pk", flat=True)
            ),
            Task: list(Task.objects.filter(name__icontains=MARK).values_list("pk", flat=True)),
        }

    @classmethod
    def _course(cls, school, title, instructor):
        from tests.cms.roles_setup import name_instructors

        catalogue = CourseIndexPage.objects.child_of(school.site.root_page).get()
        course = build_course(catalogue=catalogue, modules=1, lessons=1, title=title)
        course.save_revision().publish()
        name_instructors(course, instructor)
        return Page.objects.get(pk=course.pk).specific

    # helpers ---------------------------------------------------------------------------------------------------

    def roles_of_a(self):
        return {"administración A": self.admin_a, "docente A": self.teacher_a}

    def body(self, response) -> str:
        if getattr(response, "streaming", False):
            content = b"".join(response.streaming_content)
        else:
            content = response.content
        return content.decode("utf-8", "replace").lower()

    def host(self) -> dict:
        return {"HTTP_HOST": "penalolen.localhost"}

    def model_for(self, name: str, param: str, namespaces_models: dict):
        if param in PARAM_MODELS:
            return PARAM_MODELS[param]
        if name in PK_BY_NAME:
            return PK_BY_NAME[name]
        namespace = name.rsplit(":", 1)[0]
        if namespace in PK_BY_NAMESPACE:
            return PK_BY_NAMESPACE[namespace]
        return namespaces_models.get(namespace)

    def viewset_models(self) -> dict:
        models = {}
        for viewset in viewset_registry.viewsets:
            model = getattr(viewset, "model", None)
            if isinstance(model, str):
                model = apps.get_model(model)
            if model is None:
                continue
            label = {get_image_model(): "image", get_document_model(): "document"}.get(model, model)
            if model._meta.label_lower == "auth.user":
                label = "user"
            try:
                namespace = viewset.url_namespace
            except Exception:  # Wagtail's page viewset has no name: its URLs are wagtailadmin_pages
                continue
            if namespace:
                models[namespace] = label
        return models

    def urls(self):
        """(name, url, kind) for every staff URL: "plain" for URLs without parameters, "b-object" for URLs naming
        one of school B's objects; the URLs that cannot be filled come back as ("unfilled", name, reason)."""
        namespaces_models = self.viewset_models()
        seen = set()
        for route, name in staff_routes():
            path = plain_route(route)
            if path is None:
                if name not in NOT_SCHOOL_OBJECTS:
                    yield "unfilled", name, f"regular-expression route {route}"
                continue
            params = [(m.group("name"), m.group(0)) for m in PARAM.finditer(path)]
            if not params:
                url = "/" + path
                if url not in seen and url not in SKIPPED_PATHS:
                    seen.add(url)
                    yield "plain", name, url
                continue
            if name in NOT_SCHOOL_OBJECTS:
                continue
            object_params = [(param, text) for param, text in params if param not in STATIC_PARAMS]
            models = [self.model_for(name, param, namespaces_models) for param, _text in object_params]
            if any(model is None for model in models):
                yield "unfilled", name, f"no model for {[p for p, _ in object_params]}"
                continue
            seeds = [self.seeds.get(model) for model in models]
            if not all(seeds):
                yield "no-seed", name, models  # national models: the viewset test checks the refusal
                continue
            for index in range(max(len(ids) for ids in seeds)):
                url = "/" + path
                for (_param, text), ids in zip(object_params, seeds, strict=True):
                    url = url.replace(text, str(ids[index % len(ids)]))
                for static, value in STATIC_PARAMS.items():
                    url = PARAM.sub(lambda m, s=static, v=value: v if m.group("name") == s else m.group(0), url)
                yield "b-object", name, url

    # the matrix ------------------------------------------------------------------------------------------------

    def test_every_registered_viewset_declares_how_it_keeps_schools_apart(self):
        undeclared = []
        for viewset in viewset_registry.viewsets:
            path = f"{type(viewset).__module__}.{type(viewset).__qualname__}"
            declared = getattr(viewset, "school_isolation", None)
            if declared in (SCOPED, NATIONAL) or path in isolation.WAGTAIL_VIEWSETS:
                continue
            model = getattr(viewset, "model", None)
            parent = next(  # a snippet's chooser follows its snippet's declaration
                (
                    other
                    for other in viewset_registry.viewsets
                    if other is not viewset
                    and getattr(other, "model", None) is model
                    and getattr(other, "school_isolation", None) == NATIONAL
                ),
                None,
            )
            if parent is None:
                undeclared.append(path)
        self.assertEqual(undeclared, [], "declare school_isolation on these viewsets (courses.viewset_utils)")

    def test_a_viewset_without_a_scope_is_caught(self):
        from courses.viewset_utils import PlatformModelViewSet

        class Unscoped(PlatformModelViewSet):
            model = Cohort

        self.assertIsNone(getattr(Unscoped(name="unscoped_test"), "school_isolation", None))

    def test_school_a_staff_never_receive_school_b(self):
        failures, unfilled, exercised = [], set(), 0
        urls = list(self.urls())
        for kind, name, detail in urls:
            if kind == "unfilled":
                unfilled.add(f"{name}: {detail}")
        self.client.raise_request_exception = False
        for role, user in self.roles_of_a().items():
            self.client.force_login(user)
            for kind, name, url in urls:
                if kind in ("no-seed", "unfilled"):
                    continue
                variants = [url]
                if kind == "plain" and (name.endswith(":index") or name.startswith("cms_reports_")):
                    variants.append(url + "?export=csv")
                if kind == "plain" and re.search(r"search|choose|chooser|:index$", name):
                    variants.append(url + f"?q={QUERY}")
                for variant in variants:
                    response = self.client.get(variant, **self.host())
                    exercised += 1
                    text = self.body(response)
                    if response.status_code >= 500:
                        failures.append(f"{role} · {name} {variant}: {response.status_code}")
                    elif MARK in text:
                        failures.append(f"{role} · {name} {variant}: {response.status_code} shows school B")
                    elif kind == "b-object" and response.status_code == 200:
                        failures.append(f"{role} · {name} {variant}: 200 for school B's object")
        self.maxDiff = None
        self.assertEqual(
            failures + sorted(unfilled), [], "(unfilled: fill the parameters or declare them in NOT_SCHOOL_OBJECTS)"
        )
        self.assertGreater(exercised, 300)

    def test_national_viewsets_are_refused_to_school_staff(self):
        namespaces_models = self.viewset_models()
        for viewset in viewset_registry.viewsets:
            if getattr(viewset, "school_isolation", None) != NATIONAL or not hasattr(viewset, "get_url_name"):
                continue
            try:
                url = reverse(viewset.get_url_name("index"))
            except Exception:
                continue
            for role, user in self.roles_of_a().items():
                self.client.force_login(user)
                response = self.client.get(url, **self.host())
                with self.subTest(role=role, viewset=viewset.name):
                    self.assertIn(response.status_code, (302, 403, 404))
        self.assertTrue(namespaces_models)

    # what the school's own staff do see ------------------------------------------------------------------------

    def test_the_school_administration_sees_her_school(self):
        scope = staff_scope(user=self.admin_a)
        self.assertTrue(scope.school_admin)
        self.assertEqual(scope.school_id, self.school_a.pk)
        self.assertFalse(scope.everything)
        self.client.force_login(self.admin_a)
        enrolments = self.client.get(reverse("learners_enrolment:index"), **self.host()).context["object_list"]
        self.assertEqual({e.pk for e in enrolments}, {self.enrolment_a.pk, self.both_a.pk})
        cohorts = self.client.get(reverse("learners_cohort:index"), **self.host()).context["object_list"]
        self.assertEqual([c.pk for c in cohorts], [self.cohort_a.pk])
        export = self.body(self.client.get(reverse("learners_enrolment:index") + "?export=csv", **self.host()))
        self.assertIn("ana@example.cl", export)
        self.assertIn("dos@example.cl", export)
        self.assertNotIn(MARK, export)

    def test_a_learner_of_two_schools_is_seen_by_each_through_its_own_enrolments(self):
        self.client.force_login(self.admin_a)
        response = self.client.get(reverse("cms_reports_learner", args=[self.both.learner_profile.pk]), **self.host())
        self.assertEqual(response.status_code, 200)
        text = self.body(response)
        self.assertIn("ordenanza de participación de peñalolén", text)
        self.assertNotIn(MARK, text)
        inspect = self.client.get(
            reverse("learners_profile:inspect", args=[self.both.learner_profile.pk]), **self.host()
        )
        self.assertEqual(inspect.status_code, 200)
        self.assertNotIn(MARK, self.body(inspect))
        self.client.force_login(self.admin_b)
        text = self.body(
            self.client.get(
                reverse("cms_reports_learner", args=[self.both.learner_profile.pk]), HTTP_HOST="valparaiso.localhost"
            )
        )
        self.assertIn("ordenanza zzbeta", text)
        self.assertNotIn("peñalolén 1", text)

    def test_the_school_instructor_sees_her_courses_and_cohorts_inside_her_school(self):
        scope = staff_scope(user=self.teacher_a)
        self.assertEqual((scope.course_ids, scope.cohort_ids), ({self.course_a.pk}, {self.cohort_a.pk}))
        self.assertTrue(scope.teaching)
        self.client.force_login(self.teacher_a)
        enrolments = self.client.get(reverse("learners_enrolment:index"), **self.host()).context["object_list"]
        self.assertEqual({e.pk for e in enrolments}, {self.enrolment_a.pk, self.both_a.pk})

    def test_the_academy_still_sees_every_school(self):
        self.assertTrue(staff_scope(user=self.academy).everything)
        self.client.force_login(self.academy)
        enrolments = self.client.get(reverse("learners_enrolment:index")).context["object_list"]
        self.assertEqual(len(enrolments), 4)

    def test_the_administration_approves_her_instructors_changes(self):
        lesson_b = Page.objects.get(pk=self.lesson_b.pk).specific
        task = lesson_b.current_workflow_task.specific
        self.assertEqual(lesson_b.current_workflow_state.workflow.name, "Revisión Escuela Zzbeta Omega de Valparaíso")
        self.assertEqual(list(task.groups.all()), [roles.school_groups(school=self.school_b)[roles.ADMINISTRATION]])
        self.assertIn("approve", [action for action, *_ in task.get_actions(lesson_b, self.admin_b)])
        self.assertEqual(task.get_actions(lesson_b, self.admin_a), [])
        self.assertEqual(task.get_actions(lesson_b, self.academy), [])

    def test_her_own_pages_and_forms_offer_nothing_of_school_b(self):
        home_a = self.school_a.site.root_page
        urls = [
            reverse("wagtailadmin_pages:edit", args=[self.course_a.pk]),  # its instructor accounts
            reverse("wagtailadmin_explore", args=[home_a.pk]),
            reverse("wagtailadmin_explore_root"),
            reverse("wagtailadmin_choose_page"),
            reverse("wagtailadmin_choose_page_child", args=[Page.get_first_root_node().pk]),
            reverse("wagtailadmin_choose_page") + f"?q={QUERY}",
            reverse("wagtailadmin_pages:search") + f"?q={QUERY}",
            reverse("learners_cohort:add"),
            reverse("learners_cohort:edit", args=[self.cohort_a.pk]),
            reverse("learners_session:add"),
            reverse("wagtailsnippetchoosers_courses_h5pactivity:choose"),
        ]
        for role, user in self.roles_of_a().items():
            self.client.force_login(user)
            for url in urls:
                with self.subTest(role=role, url=url):
                    text = self.body(self.client.get(url, **self.host()))
                    at = text.find(MARK)
                    self.assertEqual(at, -1, text[max(0, at - 400) : at + 100])
        self.client.force_login(self.admin_a)
        edit = self.client.get(reverse("wagtailadmin_pages:edit", args=[self.course_a.pk]), **self.host())
        self.assertContains(edit, "Rosa Díaz")  # her own school's instructor is offered

    def test_a_cohort_cannot_be_opened_in_another_schools_course(self):
        self.client.force_login(self.admin_a)
        response = self.client.post(
            reverse("learners_cohort:add"),
            {
                "course": self.course_b.pk,
                "name": "Intento",
                "starts_on": "2026-12-01",
                "ends_on": "2026-12-20",
                "instructors": [self.teacher_b.pk],
            },
            **self.host(),
        )
        self.assertEqual(response.status_code, 200)  # the form again, with its errors
        self.assertFalse(Cohort.objects.filter(name="Intento").exists())
        form = response.context["form"]
        self.assertIn("course", form.errors)
        self.assertIn("instructors", form.errors)

    def test_another_schools_certificate_pdf_and_credential_are_not_found(self):
        certificate = IssuedCertificate.objects.get(pk=self.certificate_b.pk)
        certificate.pdf.save("zzbeta.pdf", ContentFile(b"%PDF-1.4 zzbeta"), save=True)
        download = reverse("certificates:download", args=[certificate.pk])
        credential = reverse("certificates:credential_download", args=[certificate.pk])
        self.client.force_login(self.admin_a)
        self.assertEqual(self.client.get(download, **self.host()).status_code, 404)
        self.assertEqual(self.client.get(credential, **self.host()).status_code, 404)
        self.client.force_login(self.admin_b)
        self.assertEqual(self.client.get(download, HTTP_HOST="valparaiso.localhost").status_code, 200)
        self.client.force_login(self.academy)
        self.assertEqual(self.client.get(download).status_code, 200)

    # hosts (wagtail#5084) ----------------------------------------------------------------------------------------

    def test_school_staff_use_the_admin_on_their_school_host_or_the_academys(self):
        self.client.force_login(self.admin_a)
        self.assertEqual(
            self.client.get(reverse("wagtailadmin_home"), HTTP_HOST="penalolen.localhost").status_code, 200
        )
        self.assertEqual(self.client.get(reverse("wagtailadmin_home")).status_code, 200)  # the academy's host
        response = self.client.get(reverse("wagtailadmin_home"), HTTP_HOST="valparaiso.localhost")
        self.assertEqual(response.status_code, 403)
        text = self.body(response)
        self.assertIn("penalolen.localhost/admin/", text)
        # the session on that host was closed
        again = self.client.get(reverse("wagtailadmin_home"), HTTP_HOST="valparaiso.localhost")
        self.assertEqual(again.status_code, 302)
        self.assertIn(reverse("wagtailadmin_login"), again["Location"])

    def test_the_academy_uses_the_admin_on_any_host(self):
        self.client.force_login(self.academy)
        for host in ("penalolen.localhost", "valparaiso.localhost", "localhost"):
            self.assertEqual(self.client.get(reverse("wagtailadmin_home"), HTTP_HOST=host).status_code, 200, host)


def User_by_email(email):  # noqa: N802 - reads like the model it returns
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email=email)


class LearnerDataAcrossSchoolsTests(TestCase):
    """Learner accounts are national (issue 15, item 6): her data export and her deletion cover every school."""

    @classmethod
    def setUpTestData(cls):
        ensure_comuna(PENALOLEN, "Peñalolén")
        ensure_comuna(VALPARAISO, "Valparaíso")
        cls.schools = [
            services.school_create(
                name=name, comuna_code=code, host=host, admin_email=f"admin@{host.split('.')[0]}.cl"
            ).school
            for name, code, host in (
                ("Escuela Ciudadana de Peñalolén", PENALOLEN, "penalolen.localhost"),
                ("Escuela Ciudadana de Valparaíso", VALPARAISO, "valparaiso.localhost"),
            )
        ]
        cls.learner = make_learner(run="15.555.555-6", email="dos@example.cl", comuna=PENALOLEN)
        cls.courses = []
        for school, title in zip(cls.schools, ("Ordenanza de Peñalolén", "Ordenanza de Valparaíso"), strict=True):
            catalogue = CourseIndexPage.objects.child_of(school.site.root_page).get()
            course = build_course(catalogue=catalogue, modules=1, lessons=1, title=title)
            course.save_revision().publish()
            enrolment_create(user=cls.learner, course=course)
            cls.courses.append(course)

    def test_her_data_export_covers_every_school(self):
        import io
        import zipfile

        from learners.privacy.selectors import learner_data_zip

        archive = zipfile.ZipFile(io.BytesIO(learner_data_zip(user=self.learner)))
        enrolments = archive.read("inscripciones.csv").decode("utf-8-sig")
        for course in self.courses:
            self.assertIn(course.title, enrolments)
        self.assertEqual(len(enrolments.strip().splitlines()), 3)  # a heading and one row per school

    def test_her_deletion_covers_every_school(self):
        from learners.privacy.services import learner_delete

        learner_delete(user=self.learner, by=None)
        self.assertFalse(LearnerProfile.objects.filter(user_id=self.learner.pk).exists())
        left = Enrolment.objects.filter(course__in=self.courses)
        self.assertEqual(left.count(), 2)  # numbers kept, each on its own anonymous account
        self.assertEqual(left.values("user_id").distinct().count(), 2)
        self.assertFalse(left.filter(user__email="dos@example.cl").exists())

    def test_the_privacy_notice_says_who_sees_what(self):
        import importlib

        from django.apps import apps as live_apps

        from learners.privacy.selectors import current_notice

        migration = importlib.import_module("learners.migrations.0018_privacy_notice_recipients_by_school")
        migration.forwards(live_apps, None)
        notice = current_notice()
        self.assertEqual(notice.version, "2026-12-escuelas")
        self.assertIn("Cada escuela municipal ve solo", notice.recipients)
        self.assertIn("no ve lo que haces en otra escuela", notice.recipients)
        migration.forwards(live_apps, None)  # once
        self.assertEqual(type(notice).objects.filter(version="2026-12-escuelas").count(), 1)
