"""Abandoned new-page drafts (issue 13, item 9): the "Borradores sin publicar" listing (her own drafts for an
instructor, every draft for the academy), discarding with a confirmation, and the refused cases; and the slug clash
explained at the top of the create form. The browser half is tests/browser/test_abandoned_drafts.py."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from courses.drafts import services
from courses.models import LessonPage
from tests.cms.roles_setup import RolesTestCase, name_instructors
from tests.factories.learners import make_user


class DraftsTestCase(RolesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.second_instructor = make_user(email="segunda@example.cl", first_name="Eva", last_name="Soto")
        name_instructors(cls.mine, cls.instructor, cls.second_instructor)
        cls.hers = cls.draft("Borrador de Rosa", owner=cls.instructor)
        cls.colleagues = cls.draft("Borrador de Eva", owner=cls.second_instructor)
        cls.recent = cls.draft("Recién guardado", owner=cls.instructor, minutes_ago=5)
        cls.shared = cls.draft("Borrador compartido", owner=cls.instructor)
        cls.shared.save_revision(user=cls.academy)
        Page.objects.filter(pk=cls.shared.pk).update(latest_revision_created_at=timezone.now() - timedelta(hours=3))

    @classmethod
    def draft(cls, title, *, owner, minutes_ago=120):
        lesson = LessonPage(title=title, owner=owner, live=False)
        cls.mine_module.add_child(instance=lesson)
        lesson.save_revision(user=owner)
        Page.objects.filter(pk=lesson.pk).update(
            latest_revision_created_at=timezone.now() - timedelta(minutes=minutes_ago), live=False
        )
        return LessonPage.objects.get(pk=lesson.pk)

    def listed(self, user):
        self.client.force_login(user)
        response = self.client.get(reverse("courses_drafts"))
        self.assertEqual(response.status_code, 200)
        return {row["page"].title for row in response.context["rows"]}


class DraftListTests(DraftsTestCase):
    def test_an_instructor_sees_only_her_own_abandoned_drafts(self):
        self.assertEqual(self.listed(self.instructor), {"Borrador de Rosa", "Borrador compartido"})
        self.assertEqual(self.listed(self.second_instructor), {"Borrador de Eva"})

    def test_the_academy_sees_every_abandoned_draft_and_never_a_published_page(self):
        titles = self.listed(self.academy)
        self.assertEqual(titles, {"Borrador de Rosa", "Borrador de Eva", "Borrador compartido"})
        self.assertNotIn(self.mine_lesson.title, titles)
        response = self.client.get(reverse("courses_drafts"))
        self.assertContains(response, "Borradores sin publicar")
        self.assertContains(response, "Continuar")
        self.assertContains(response, reverse("courses_draft_discard", args=[self.hers.pk]))
        self.assertNotContains(response, reverse("courses_draft_discard", args=[self.shared.pk]))  # others edited it

    def test_coordinators_and_people_without_page_rights_are_refused(self):
        for user in (self.coordinator, self.nobody):
            with self.subTest(user=user.email):
                self.client.force_login(user)
                self.assertNotEqual(self.client.get(reverse("courses_drafts")).status_code, 200)
                response = self.client.post(reverse("courses_draft_discard", args=[self.hers.pk]))
                self.assertNotEqual(response.status_code, 200)
        self.client.logout()
        response = self.client.get(reverse("courses_drafts"))
        self.assertTrue(response["Location"].startswith(reverse("wagtailadmin_login")))
        self.assertTrue(Page.objects.filter(pk=self.hers.pk).exists())

    def test_query_count_does_not_grow_with_the_drafts(self):
        self.assertEqual(len(list(services.abandoned_drafts(user=self.academy))), 3)
        with self.assertNumQueries(1):  # the permission checks are cached on the user: one query for the drafts
            list(services.abandoned_drafts(user=self.academy))


class DraftDiscardTests(DraftsTestCase):
    def test_confirm_then_discard_her_own_draft(self):
        self.client.force_login(self.instructor)
        url = reverse("courses_draft_discard", args=[self.hers.pk])
        response = self.client.get(url)
        self.assertContains(response, "¿Descartar el borrador «Borrador de Rosa»?")
        self.assertTrue(Page.objects.filter(pk=self.hers.pk).exists())  # GET deletes nothing
        response = self.client.post(url, {"next": "/admin/pages/"}, follow=True)
        self.assertContains(response, "Borrador «Borrador de Rosa» descartado")
        self.assertFalse(Page.objects.filter(pk=self.hers.pk).exists())

    def test_refused_cases(self):
        self.client.force_login(self.instructor)
        with self.subTest("another instructor's draft"):
            response = self.client.post(reverse("courses_draft_discard", args=[self.colleagues.pk]))
            self.assertEqual(response.status_code, 404)
        with self.subTest("a draft someone else edited"):
            response = self.client.post(reverse("courses_draft_discard", args=[self.shared.pk]))
            self.assertContains(response, "Otras personas editaron este borrador", status_code=400)
        with self.subTest("a published page"):
            self.client.force_login(self.academy)
            response = self.client.post(reverse("courses_draft_discard", args=[self.mine_lesson.pk]))
            self.assertContains(response, "ya se publicó", status_code=400)
        with self.subTest("bad ids"):
            self.assertEqual(self.client.get("/admin/drafts/999999/discard/").status_code, 404)
            self.assertEqual(self.client.get("/admin/drafts/1/discard/").status_code, 404)  # the root
        for page in (self.colleagues, self.shared, self.mine_lesson):
            self.assertTrue(Page.objects.filter(pk=page.pk).exists())

    def test_the_academy_discards_an_instructors_abandoned_draft(self):
        self.client.force_login(self.academy)
        response = self.client.post(reverse("courses_draft_discard", args=[self.colleagues.pk]))
        self.assertRedirects(response, reverse("courses_drafts"), fetch_redirect_response=False)
        self.assertFalse(Page.objects.filter(pk=self.colleagues.pk).exists())


class SlugClashTests(DraftsTestCase):
    def test_the_create_form_names_the_draft_that_holds_the_address_at_the_top(self):
        self.client.force_login(self.instructor)
        url = reverse("wagtailadmin_pages:add", args=["courses", "lessonpage", self.mine_module.pk])
        response = self.client.get(url)
        form = response.context["form"]
        data = {key: value for key, value in self.form_data(form).items()}
        data.update({"title": "Borrador de Rosa", "slug": self.hers.slug})
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'data-slug-clash="{self.hers.pk}"')
        self.assertContains(response, "Un borrador sin publicar ya usa la dirección")
        self.assertContains(response, reverse("wagtailadmin_pages:edit", args=[self.hers.pk]))
        self.assertContains(response, reverse("courses_draft_discard", args=[self.hers.pk]))

        data.update({"title": self.mine_lesson.title, "slug": self.mine_lesson.slug})
        response = self.client.post(url, data)
        self.assertContains(response, "ya usa la dirección")
        self.assertContains(response, "Abrir esa página")
        self.assertNotContains(response, reverse("courses_draft_discard", args=[self.mine_lesson.pk]))

    @staticmethod
    def form_data(form):
        data = {}
        for name in form.fields:
            value = form[name].value()
            if value is not None and not isinstance(value, list | dict):
                data[form.add_prefix(name)] = value
        for formset in form.formsets.values():
            for key, value in formset.management_form.initial.items():
                data[f"{formset.prefix}-{key}"] = value
        data["body-count"] = 0
        return data
