"""The academy's review: an instructor's change to a published course goes live only once Academia approves it."""

from django.core import mail
from django.urls import reverse
from wagtail.models import Page, TaskState, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from cms import roles
from tests.cms.roles_setup import RolesTestCase


class ReviewWorkflowTests(RolesTestCase):
    def submit_module_change(self, title: str):
        """The instructor edits her module in the page editor and submits it to the academy's review."""
        self.client.force_login(self.instructor)
        data = nested_form_data(
            {
                "title": title,
                "slug": self.mine_module.slug,
                "introduction": rich_text("<p>Nueva introducción.</p>"),
                "comments": inline_formset([]),
                "action-submit": "1",
            }
        )
        response = self.client.post(reverse("wagtailadmin_pages:edit", args=[self.mine_module.pk]), data)
        self.assertEqual(response.status_code, 302, response.content[:3000])
        return WorkflowState.objects.get(object_id=str(self.mine_module.pk), status=WorkflowState.STATUS_IN_PROGRESS)

    def task_action(self, state, action: str, comment: str = ""):
        self.client.force_login(self.academy)
        task_state = TaskState.objects.get(workflow_state=state, status=TaskState.STATUS_IN_PROGRESS)
        return self.client.post(
            reverse("wagtailadmin_pages:workflow_action", args=[self.mine_module.pk, action, task_state.pk]),
            {"comment": comment},
        )

    def test_the_catalogue_uses_the_academy_review(self):
        workflow = self.mine_lesson.get_workflow()
        self.assertEqual(workflow.name, roles.WORKFLOW_NAME)
        task = workflow.tasks.get().specific
        self.assertEqual([group.name for group in task.groups.all()], [roles.ACADEMY])

    def test_submission_waits_for_approval_then_goes_live(self):
        state = self.submit_module_change("Módulo revisado")
        module = Page.objects.get(pk=self.mine_module.pk)
        self.assertNotEqual(module.title, "Módulo revisado")  # the live page is unchanged
        self.assertTrue(module.has_unpublished_changes)
        self.assertIn("academia@example.cl", [address for message in mail.outbox for address in message.to])

        response = self.task_action(state, "approve", comment="Bien")
        self.assertIn(response.status_code, (200, 302))
        module = Page.objects.get(pk=self.mine_module.pk)
        self.assertEqual(module.title, "Módulo revisado")
        self.assertTrue(module.live)
        self.assertFalse(module.has_unpublished_changes)
        state.refresh_from_db()
        self.assertEqual(state.status, WorkflowState.STATUS_APPROVED)

    def test_rejection_keeps_the_live_version(self):
        live_title = self.mine_module.title
        state = self.submit_module_change("Cambio no aprobado")
        self.task_action(state, "reject", comment="Falta la bibliografía")
        state.refresh_from_db()
        self.assertEqual(state.status, WorkflowState.STATUS_NEEDS_CHANGES)
        module = Page.objects.get(pk=self.mine_module.pk)
        self.assertEqual(module.title, live_title)
        self.assertTrue(module.live)

    def test_instructor_cannot_approve_her_own_change(self):
        state = self.submit_module_change("Autoaprobado")
        self.client.force_login(self.instructor)
        task_state = TaskState.objects.get(workflow_state=state, status=TaskState.STATUS_IN_PROGRESS)
        response = self.client.post(
            reverse("wagtailadmin_pages:workflow_action", args=[self.mine_module.pk, "approve", task_state.pk])
        )
        self.assertNotEqual(response.status_code, 500)
        self.assertNotEqual(Page.objects.get(pk=self.mine_module.pk).title, "Autoaprobado")

    def test_new_catalogues_created_in_the_admin_are_put_under_review(self):
        self.client.force_login(self.administrator)
        home = self.catalogue.get_parent()
        data = nested_form_data(
            {"title": "Otro catálogo", "slug": "otro-catalogo", "intro": rich_text(""), "comments": inline_formset([])}
        )
        response = self.client.post(
            reverse("wagtailadmin_pages:add", args=["courses", "courseindexpage", home.pk]), data
        )
        self.assertEqual(response.status_code, 302)
        catalogue = Page.objects.get(slug="otro-catalogo")
        self.assertEqual(catalogue.get_workflow().name, roles.WORKFLOW_NAME)
