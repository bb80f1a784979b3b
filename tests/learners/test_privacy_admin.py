"""Admin for personal data: notice versions, data requests answered with their deadline, the read-only audit log,
and the audit entries that staff actions leave."""

from datetime import timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from certificates.services import revocation
from certificates.services.errors import CertificateError
from learners.models import AuditEvent, DataRequest, PrivacyNotice
from learners.privacy import services
from learners.privacy.audit import audit_record
from tests.factories.learners import learner, make_user
from tests.learners.privacy_setup import PrivacyTestCase
from tests.learners.test_admin import grant


class DataRequestAdminTests(PrivacyTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        self.client.force_login(self.staff)

    def test_listing_counts_down_and_highlights_overdue_requests(self):
        late = services.data_request_create(user=learner(), kind=DataRequest.Kind.ACCESS)
        DataRequest.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=2))
        services.data_request_create(user=learner(), kind=DataRequest.Kind.BLOCKING)
        response = self.client.get(reverse("learners_data_request:index"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-overdue="true"', count=1)
        self.assertContains(response, 'data-overdue="false"', count=1)
        self.assertContains(response, reverse("learners_data_request_answer", args=[late.pk]))
        inspect = self.client.get(reverse("learners_data_request:inspect", args=[late.pk]))
        self.assertEqual(inspect.status_code, 200)

    def test_answering_a_deletion_request_needs_the_confirmation_and_deletes(self):
        user, _enrolment, _certificate = self.make_full_learner()
        request = services.data_request_create(user=user, kind=DataRequest.Kind.DELETION)
        url = reverse("learners_data_request_answer", args=[request.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(url, {"status": "done", "response": "Eliminados."})
        self.assertEqual(response.status_code, 400, "the box that confirms the deletion was not ticked")
        self.assertTrue(get_user_model().objects.filter(pk=user.pk).exists())
        response = self.client.post(url, {"status": "done", "response": "Eliminados.", "execute": "on"})
        self.assertRedirects(response, reverse("learners_data_request:inspect", args=[request.pk]))
        self.assertFalse(get_user_model().objects.filter(pk=user.pk).exists())
        request.refresh_from_db()
        self.assertEqual((request.status, request.answered_by), (DataRequest.Status.DONE, self.staff))
        self.assertEqual(self.client.get(url).status_code, 302, "already answered")

    def test_a_rejection_without_reasons_is_refused(self):
        request = services.data_request_create(user=learner(), kind=DataRequest.Kind.ACCESS)
        url = reverse("learners_data_request_answer", args=[request.pk])
        self.assertEqual(self.client.post(url, {"status": "rejected", "response": ""}).status_code, 400)

    def test_people_without_the_permission_cannot_answer(self):
        request = services.data_request_create(user=learner(), kind=DataRequest.Kind.DELETION)
        editor = grant(make_user(email="editora@example.cl"), "wagtailadmin.access_admin")
        self.client.force_login(editor)
        url = reverse("learners_data_request_answer", args=[request.pk])
        self.assertNotEqual(self.client.post(url, {"status": "done", "execute": "on"}).status_code, 200)
        self.assertEqual(DataRequest.objects.get(pk=request.pk).status, DataRequest.Status.OPEN)
        self.assertEqual(self.client.get(reverse("learners_data_request:index")).status_code, 302)


class PrivacyNoticeAdminTests(PrivacyTestCase):
    def test_a_new_version_is_added_and_old_ones_cannot_be_edited_or_deleted(self):
        self.client.force_login(self.staff)
        current = PrivacyNotice.objects.get()
        self.assertEqual(self.client.get(reverse("learners_privacy_notice:index")).status_code, 200)
        self.assertEqual(self.client.get(reverse("learners_privacy_notice:copy", args=[current.pk])).status_code, 200)
        data = {name: getattr(current, name) for name in PrivacyNotice.SECTIONS}
        data.update({"version": "2027-03", "published_at": "2027-03-01 00:00"})
        response = self.client.post(reverse("learners_privacy_notice:add"), data)
        self.assertEqual(response.status_code, 302, response.content[:2000])
        self.assertEqual(PrivacyNotice.objects.count(), 2)
        for view in ("edit", "delete"):
            with self.assertRaises(NoReverseMatch):
                reverse(f"learners_privacy_notice:{view}", args=[current.pk])


def _patterns(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


class AuditLogAdminTests(PrivacyTestCase):
    def setUp(self):
        super().setUp()
        self.entry = audit_record(actor=self.staff, action="report.exported", data={"rows": 3})

    def test_administrators_see_and_filter_it(self):
        audit_record(actor=None, action="retention.purged")
        self.client.force_login(self.staff)
        index = reverse("learners_audit:index")
        response = self.client.get(index)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["object_list"]), 2)
        for query in (
            "?action=report.exported",
            f"?actor={self.staff.pk}",
            f"?at_from={timezone.localdate():%Y-%m-%d}&action=report.exported",
        ):
            response = self.client.get(index + query)
            self.assertEqual([entry.pk for entry in response.context["object_list"]], [self.entry.pk], query)
        response = self.client.get(index + f"?at_to={timezone.localdate() - timedelta(days=1):%Y-%m-%d}")
        self.assertEqual(list(response.context["object_list"]), [])
        self.assertEqual(self.client.get(reverse("learners_audit:inspect", args=[self.entry.pk])).status_code, 200)

    def test_other_staff_do_not_see_it_unless_given_the_permission(self):
        editor = grant(make_user(email="editora@example.cl"), "wagtailadmin.access_admin")
        self.client.force_login(editor)
        self.assertEqual(self.client.get(reverse("learners_audit:index")).status_code, 302)
        grant(editor, "learners.view_auditevent")
        self.assertEqual(self.client.get(reverse("learners_audit:index")).status_code, 200)

    def test_it_cannot_be_changed_through_the_admin(self):
        self.client.force_login(self.staff)
        for view in ("add", "edit", "delete", "history", "copy"):
            with self.assertRaises(NoReverseMatch):
                reverse(f"learners_audit:{view}", args=[] if view == "add" else [self.entry.pk])
        routes = [route for route, pattern in _patterns(get_resolver()) if "learners/audit-log/" in route]
        self.assertTrue(routes)
        urls = [reverse("learners_audit:index"), reverse("learners_audit:inspect", args=[self.entry.pk])]
        urls.append(reverse("learners_audit:index_results"))
        self.assertEqual(len(urls), len(routes), routes)
        before = list(AuditEvent.objects.values())
        for url in urls:
            for method in ("post", "put", "patch", "delete"):
                response = getattr(self.client, method)(url, {"action": "x", "actor_label": "x"})
                self.assertEqual(response.status_code, 405, f"{method} {url}")
        self.assertEqual(list(AuditEvent.objects.values()), before)


class AuditedActionTests(PrivacyTestCase):
    def test_viewing_a_learner_or_an_enrolment_is_recorded(self):
        user, enrolment, _certificate = self.make_full_learner()
        AuditEvent.objects.all().delete()
        self.client.force_login(self.staff)
        response = self.client.get(reverse("learners_profile:inspect", args=[user.learner_profile.pk]))
        self.assertEqual(response.status_code, 200)
        self.client.get(reverse("learners_enrolment:inspect", args=[enrolment.pk]))
        viewed = AuditEvent.objects.order_by("pk")
        self.assertEqual(
            [(event.action, event.actor, event.subject_id) for event in viewed],
            [
                ("learner.viewed", self.staff, str(user.learner_profile.pk)),
                ("enrolment.viewed", self.staff, str(enrolment.pk)),
            ],
        )

    def test_revoking_and_reissuing_a_certificate_is_recorded(self):
        _user, _enrolment, certificate = self.make_full_learner()
        with mock.patch("certificates.services.rendering.render_pdf", return_value=b"%PDF-1.7"):
            new = revocation.certificate_reissue(certificate=certificate, by=self.staff, reason="Nombre")
            revocation.certificate_revoke(certificate=new, reason="Error", by=self.staff)
        events = AuditEvent.objects.filter(action__startswith="certificate.").order_by("pk")
        self.assertEqual(
            [(event.action, event.actor, event.subject_id) for event in events],
            [
                ("certificate.reissued", self.staff, str(certificate.pk)),
                ("certificate.revoked", self.staff, str(new.pk)),
            ],
        )

    def test_an_erased_certificate_cannot_be_reissued(self):
        user, _enrolment, certificate = self.make_full_learner()
        services.learner_delete(user=user, by=self.staff)
        certificate.refresh_from_db()
        with self.assertRaises(CertificateError):
            revocation.certificate_reissue(certificate=certificate, by=self.staff, reason="x")
