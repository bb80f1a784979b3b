from django.urls import path
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from certificates import admin_views
from certificates.viewsets import (
    CertificateBatchViewSet,
    CertificateTemplateViewSet,
    IssuanceFailureViewSet,
    IssuedCertificateViewSet,
    IssuerViewSet,
    TemplateAssignmentViewSet,
)

register_snippet(IssuerViewSet)
register_snippet(CertificateTemplateViewSet)


@hooks.register("register_admin_viewset")
def register_certificate_viewsets():
    return [
        TemplateAssignmentViewSet(),
        IssuedCertificateViewSet(),
        CertificateBatchViewSet(),
        IssuanceFailureViewSet(),
    ]


@hooks.register("register_admin_urls")
def register_certificate_action_urls():
    return [
        path("certificates/issue/", admin_views.certificate_issue_one, name="certificates_issue_one"),
        path("certificates/<id:pk>/revoke/", admin_views.certificate_revoke, name="certificates_revoke"),
        path("certificates/<id:pk>/reissue/", admin_views.certificate_reissue, name="certificates_reissue"),
        path("certificates/<id:pk>/retry/", admin_views.certificate_retry, name="certificates_retry"),
        path("certificates/failures/<id:pk>/retry/", admin_views.failure_retry, name="certificates_failure_retry"),
        path("certificates/batches/<id:pk>/progress/", admin_views.batch_progress, name="certificates_batch_progress"),
        path("certificates/batches/<id:pk>/retry/", admin_views.batch_retry, name="certificates_batch_retry"),
        path("certificates/cohort/<id:cohort_pk>/zip/", admin_views.cohort_zip, name="certificates_cohort_zip"),
        path(
            "certificates/templates/<id:pk>/sample.pdf",
            admin_views.template_sample_pdf,
            name="certificates_template_sample",
        ),
    ]


@hooks.register("register_snippet_listing_buttons")
def template_sample_button(snippet, user, next_url=None):
    from django.urls import reverse
    from django.utils.translation import gettext as _
    from wagtail.admin.widgets import ListingButton

    from certificates.models import CertificateTemplate

    if isinstance(snippet, CertificateTemplate):
        yield ListingButton(
            _("Preview"),
            reverse("certificates_template_sample", args=[snippet.pk]),
            icon_name="view",
            attrs={"target": "_blank", "rel": "noopener"},
            priority=15,
        )
