"""Wagtail admin views that a hostile request could crash (a 500), served at their usual addresses by guarded
subclasses. ``cms/urls.py`` puts these patterns in front of Wagtail's admin URLs, with the decorators Wagtail gives
its own. The hostile-input sweep (tests/cms/test_hostile_sweep.py) found each of them.

- ``choose-external-link/``: a POST without the ``url`` field reached ``URLOrAbsolutePathValidator.is_absolute_path``
  with None (AttributeError: 'NoneType' object has no attribute 'startswith'). The guarded form treats a missing
  field as an empty one, so the form says "This field is required" instead.
"""

from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.forms.choosers import ExternalLinkChooserForm, URLOrAbsolutePathField
from wagtail.admin.urls import display_custom_404
from wagtail.admin.views.chooser import ExternalLinkView
from wagtail.utils.urlpatterns import decorate_urlpatterns


class MissingSafeURLOrAbsolutePathField(URLOrAbsolutePathField):
    def to_python(self, value):
        return super().to_python("" if value is None else value)


class GuardedExternalLinkChooserForm(ExternalLinkChooserForm):
    url = MissingSafeURLOrAbsolutePathField(required=True, label=ExternalLinkChooserForm.base_fields["url"].label)


class GuardedExternalLinkView(ExternalLinkView):
    form_class = GuardedExternalLinkChooserForm


def _patterns():
    patterns = [path("choose-external-link/", GuardedExternalLinkView.as_view())]
    for decorator in (require_admin_access, display_custom_404, never_cache):
        patterns = decorate_urlpatterns(patterns, decorator)
    return patterns


urlpatterns = _patterns()
