"""Public pages never show a full RUN, an email or a phone; minors are never publishable."""

from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone

from courses.models import CourseIndexPage, LessonPage
from learners.models import Enrolment, LearnerProfile
from learners.privacy.selectors import publishable_learners
from tests.factories.learners import ensure_comuna, learner
from tests.learners.privacy_setup import EMAIL, NEEDLES, PHONE, RUN, PrivacyTestCase


class PublicPagesTests(PrivacyTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()

    def test_no_public_page_shows_her_run_email_or_phone(self):
        user, enrolment, certificate = self.make_full_learner()
        catalogue = CourseIndexPage.objects.get()
        lesson = LessonPage.objects.descendant_of(self.course).first()
        pages = {
            "home": "/",
            "catalogue": catalogue.url,
            "course": self.course.url,
            "lesson": lesson.url,
            "verify form": "/certificados/verificar/",
            "verify": f"/certificados/verificar/{certificate.code}/",
            "privacy": "/cuenta/privacidad/",
        }
        identifiers = [needle for needle in NEEDLES if needle[0].isdigit() or "@" in needle] + [PHONE]
        self.assertIn(RUN, identifiers)
        self.assertIn(EMAIL, identifiers)
        for name, url in pages.items():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, name)
            text = response.content.decode()
            for identifier in identifiers:
                self.assertNotIn(identifier, text, f"{name} shows {identifier}")
        verify = self.client.get(pages["verify"]).content.decode()
        self.assertIn(user.learner_profile.run_masked, verify, "the test looks at the right page")


class MinorsTests(TestCase):
    def test_under_14_cannot_sign_up_and_the_birth_year_is_required(self):
        from tests.learners.test_accounts import signup_data

        ensure_comuna("13101")
        year = timezone.localdate().year
        form = self.client.post("/cuenta/registro/", signup_data(birth_year=str(year - 13))).context["form"]
        self.assertTrue(form.has_error("birth_year", "too_young"))
        form = self.client.post("/cuenta/registro/", signup_data(birth_year="")).context["form"]
        self.assertTrue(form.has_error("birth_year", "required"))
        self.assertFalse(LearnerProfile.objects.exists())
        response = self.client.post("/cuenta/registro/", signup_data(birth_year=str(year - 15)))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(LearnerProfile.objects.get().is_minor)

    def test_minors_unknown_ages_and_blocked_learners_are_not_publishable(self):
        year = timezone.localdate().year
        adult = learner(birth_year=year - 18)
        learner(birth_year=year - 17)
        learner(birth_year=year - 14)
        unknown = learner()
        LearnerProfile.objects.filter(user=unknown).update(birth_year=None)
        blocked = learner(birth_year=1980)
        LearnerProfile.objects.filter(user=blocked).update(blocked_at=timezone.now())
        self.assertEqual(list(publishable_learners().values_list("user", flat=True)), [adult.pk])
        self.assertFalse(LearnerProfile.objects.get(user=adult).is_minor)
        self.assertEqual(
            list(publishable_learners(year=year + 1).order_by("birth_year").values_list("user", flat=True)),
            [adult.pk, LearnerProfile.objects.get(birth_year=year - 17).user_id],
        )
        self.assertEqual(Enrolment.objects.filter(user__learner_profile__in=publishable_learners()).count(), 0)
