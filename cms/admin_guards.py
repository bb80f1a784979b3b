"""Wagtail admin views that a hostile request could crash (a 500), served at their usual addresses by guarded
subclasses. ``cms/urls.py`` puts these patterns in front of Wagtail's admin URLs, with the decorators Wagtail gives
its own. The hostile-input sweep (tests/cms/test_hostile_sweep.py) found each of them.

- ``choose-external-link/``: a POST without the ``url`` field reached ``URLOrAbsolutePathValidator.is_absolute_path``
  with None (AttributeError: 'NoneType' object has no attribute 'startswith'). The guarded form treats a missing
  field as an empty one, so the form says "This field is required" instead.
- ``sites/delete/<pk>/``: deleting the Site of a municipal school raised ProtectedError (``School.site`` protects
  it). The guarded view refuses with a message: a school is removed as a whole, in Escuelas municipales.
"""

from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.forms.choosers import ExternalLinkChooserForm, URLOrAbsolutePathField
from wagtail.admin.urls import display_custom_404
from wagtail.admin.views.chooser import ExternalLinkView
from wagtail.sites.views import DeleteView as SiteDeleteView
from wagtail.sites.views import SiteViewSet
from wagtail.utils.urlpatterns import decorate_urlpatterns

from courses.viewset_utils import ProtectedDeleteMixin


class MissingSafeURLOrAbsolutePathField(URLOrAbsolutePathField):
    def to_python(self, value):
        return super().to_python("" if value is None else value)


class GuardedExternalLinkChooserForm(ExternalLinkChooserForm):
    url = MissingSafeURLOrAbsolutePathField(required=True, label=ExternalLinkChooserForm.base_fields["url"].label)


class GuardedExternalLinkView(ExternalLinkView):
    form_class = GuardedExternalLinkChooserForm


class GuardedSiteDeleteView(ProtectedDeleteMixin, SiteDeleteView):
    """Wagtail's site delete view; a site that a school still uses is refused with a message, not a 500."""


def _site_delete_view():
    viewset = SiteViewSet("wagtailsites", url_prefix="sites")  # Wagtail's own, for its URL names and permissions
    return viewset.construct_view(GuardedSiteDeleteView, **viewset.get_delete_view_kwargs())


def _patterns():
    patterns = [
        path("choose-external-link/", GuardedExternalLinkView.as_view()),
        path("sites/delete/<id:pk>/", _site_delete_view(), name="cms_guarded_site_delete"),
    ]
    for decorator in (require_admin_access, display_custom_404, never_cache):
        patterns = decorate_urlpatterns(patterns, decorator)
    return patterns


urlpatterns = _patterns()
