from django.test import TestCase

from learners.audit import audit_record
from learners.models import AuditEvent, Cohort
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
