"""The admin's user forms refuse groups of two schools (``courses.schools.guards``): Wagtail's user viewset with
forms that check the groups chosen, so the academy gets the Spanish message on the form instead of an error page.
Installed through ``cms.apps.UsersAppConfig`` (Wagtail's ``user_viewset``)."""

from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from courses.schools.guards import school_groups_error
from courses.viewset_utils import NATIONAL, PlatformViewSetMixin


class OneSchoolMixin:
    """``groups`` may hold the groups of one municipal school at most."""

    def clean(self):
        cleaned_data = super().clean()
        groups = cleaned_data.get("groups")
        if groups is not None and "groups" in self.fields:
            label = cleaned_data.get("email") or cleaned_data.get("username") or ""
            account = self.instance if self.instance.pk else _Named(label)  # a new account: named by what was typed
            error = school_groups_error(user=account, group_ids=[group.pk for group in groups])
            if error:
                self.add_error("groups", error)
        return cleaned_data


class _Named:
    """A label for an account not saved yet."""

    def __init__(self, label: str):
        self.email = label

    def get_username(self) -> str:
        return self.email


class OneSchoolUserCreationForm(OneSchoolMixin, UserCreationForm):
    pass


class OneSchoolUserEditForm(OneSchoolMixin, UserEditForm):
    pass


class UserViewSet(PlatformViewSetMixin, WagtailUserViewSet):
    school_isolation = NATIONAL  # users are national: a school's groups have no user permission (issue 15, item 8)

    def get_form_class(self, for_update=False):
        return OneSchoolUserEditForm if for_update else OneSchoolUserCreationForm
