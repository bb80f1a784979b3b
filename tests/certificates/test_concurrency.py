"""Concurrent issuing on PostgreSQL with real threads: folios stay unique and gap-free, and no enrolment gets two
certificates. (SQLite serialises writes, so there the same calls run one after the other and must agree.)

Run on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1/escuela_<branch> pytest tests/certificates
"""

from django.test import TransactionTestCase
from django.utils import timezone

from certificates.models import CertificateBatch, FolioCounter, IssuedCertificate
from certificates.services import batches, issuance
from tests.concurrency import run_concurrently
from tests.factories.certificates import completed_enrolment, make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline
from tests.factories.learners import cohort

THREADS = 8


class ConcurrentIssueTests(TransactionTestCase):
    def setUp(self):
        home = ensure_site_baseline()
        self.course = build_course(catalogue=CourseIndexPageFactory(parent=home), modules=1, lessons=1)
        self.template = make_template(issuer=make_issuer(short_code="AMUCH"), is_default=True)
        self.group = cohort(course=self.course)

    def assert_gap_free(self, expected):
        year = timezone.localdate().year
        folios = sorted(IssuedCertificate.objects.values_list("folio", flat=True))
        self.assertEqual(folios, [f"AMUCH-{year}-{n:06d}" for n in range(1, expected + 1)])
        self.assertEqual(FolioCounter.objects.get().last, expected)

    def test_many_learners_at_once_get_unique_gap_free_folios(self):
        enrolments = [completed_enrolment(course=self.course) for _ in range(THREADS)]
        actions = [lambda e=e: issuance.certificate_issue(enrolment=e, render=False).pk for e in enrolments]
        results = run_concurrently(actions)
        self.assertEqual(len(set(results)), THREADS)
        self.assert_gap_free(THREADS)

    def test_the_same_learner_twice_at_once_gets_one_certificate(self):
        enrolment = completed_enrolment(course=self.course)
        results = run_concurrently([lambda: issuance.certificate_issue(enrolment=enrolment, render=False).pk] * 4)
        self.assertEqual(len(set(results)), 1)
        self.assertEqual(IssuedCertificate.objects.count(), 1)
        self.assert_gap_free(1)

    def test_bulk_and_automatic_issue_racing_give_no_duplicates(self):
        enrolments = [completed_enrolment(course=self.course, cohort=self.group) for _ in range(30)]
        batch = CertificateBatch.objects.create(cohort=self.group)

        def bulk():
            batches.certificate_batch_prepare(batch=CertificateBatch.objects.get(pk=batch.pk))

        def automatic(chunk):
            def run():
                for enrolment in chunk:
                    issuance.certificate_issue(enrolment=enrolment, render=False)

            return run

        run_concurrently([bulk, bulk, automatic(enrolments[::2]), automatic(enrolments[1::3])])
        self.assertEqual(IssuedCertificate.objects.count(), 30)
        self.assertEqual(IssuedCertificate.objects.values("enrolment").distinct().count(), 30)
        self.assertEqual(IssuedCertificate.objects.values("code").distinct().count(), 30)
        self.assert_gap_free(30)
