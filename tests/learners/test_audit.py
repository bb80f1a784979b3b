from django.contrib.auth import get_user_model
from django.test import TestCase

from learners.models import AuditEvent, Cohort
from learners.privacy.audit import audit_record
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, site_root
from tests.factories.learners import cohort, make_user


class AuditRecordTests(TestCase):
    def test_records_actor_action_and_subject(self):
        staff = make_user(email="academia@example.cl")
        course = CoursePageFactory(parent=CourseIndexPageFactory(parent=site_root()))
        group = cohort(course=course)
        entry = audit_record(actor=staff, action="cohort.exported", subject=group, data={"rows": 3})
        self.assertEqual(
            (entry.actor, entry.actor_label, entry.action, entry.subject_type, entry.subject_id, entry.data),
            (staff, "academia@example.cl", "cohort.exported", "learners.cohort", str(group.pk), {"rows": 3}),
        )
        self.assertEqual(entry.subject_label, str(Cohort.objects.get(pk=group.pk)))

    def test_system_actions_have_no_actor(self):
        entry = audit_record(actor=None, action="retention.purged", data={"statements": 10})
        self.assertIsNone(entry.actor)
        self.assertEqual(entry.actor_label, "sistema")
        self.assertEqual(AuditEvent.objects.count(), 1)


class StaffMunicipalityTests(TestCase):
    def test_a_coordinator_is_limited_to_her_municipality_and_a_superuser_never(self):
        from courses.models import Comuna, Province, Region
        from learners.models import StaffProfile
        from learners.staff.selectors import staff_municipality

        region = Region.objects.create(code="13", name="Metropolitana")
        province = Province.objects.create(code="131", name="Santiago", region=region)
        nunoa = Comuna.objects.create(code="13120", name="Ñuñoa", province=province, region=region)
        coordinator = make_user(email="coord@example.cl")
        StaffProfile.objects.create(user=coordinator, municipality=nunoa)
        boss = make_user(email="jefa@example.cl", is_superuser=True)
        StaffProfile.objects.create(user=boss, municipality=nunoa)
        self.assertEqual(staff_municipality(user=coordinator), nunoa)
        self.assertIsNone(staff_municipality(user=boss))
        self.assertIsNone(staff_municipality(user=make_user(email="academia@example.cl")))


class PublishableLearnersTests(TestCase):
    def test_minors_unknown_ages_and_blocked_learners_are_not_publishable(self):
        from django.utils import timezone

        from learners.models import LearnerProfile
        from learners.privacy.selectors import publishable_learner_q, publishable_learners
        from tests.factories.learners import learner

        year = timezone.localdate().year
        adult = learner(birth_year=year - 40)
        learner(birth_year=year - 16)
        learner(birth_year=None)
        blocked = learner(birth_year=year - 50)
        LearnerProfile.objects.filter(user=blocked).update(blocked_at=timezone.now())
        self.assertEqual([profile.user for profile in publishable_learners()], [adult])
        enrolled_users = get_user_model().objects.filter(publishable_learner_q(prefix="learner_profile__"))
        self.assertEqual(list(enrolled_users), [adult])
