"""An account is staff of one municipal school at most (issue 15, item 3).

The staff of a school are the members of its groups (``SchoolGroup``); an account in the groups of two schools
(administration of one, instructor of another) would not know which school it works for. Such groups are refused
where they are given: the admin's user form (``cms.schools.users``), ``school_create``'s first administrator and,
for everything else (scripts, management commands, the demo), a guard on the ``User.groups`` relation that raises
ValidationError with the same Spanish message naming both schools. Accounts that already are in two schools
(data from before) are listed by a system check and on the academy's admin home, and refused by the admin
(``learners.staff.selectors.staff_scope``, ``cms.schools.isolation``).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed
from django.utils.translation import gettext as _

from courses.schools.models import SchoolGroup
from courses.schools.selectors import schools_of_groups


def account_label(user) -> str:
    return getattr(user, "email", "") or user.get_username()


def several_schools_message(*, account: str, names: list[str]) -> str:
    """Why ``account`` cannot be staff of the schools ``names`` (two or more) at once, in Spanish."""
    return _(
        "%(account)s cannot belong to the staff of two schools: with these groups it would be in %(first)s and in "
        "%(second)s. An account works for one school; remove the groups of one of them, or use another account "
        "for the other school."
    ) % {"account": account, "first": names[0], "second": ", ".join(names[1:])}


def school_groups_error(*, user, group_ids) -> str:
    """The Spanish message when an account with the groups ``group_ids`` would be staff of several schools, else
    "" (one query)."""
    schools = schools_of_groups(group_ids=group_ids)
    if len(schools) < 2:
        return ""
    label = account_label(user) if user is not None else ""
    return several_schools_message(account=label, names=[school.name for school in schools])


def _refuse_second_school(sender, instance, action, reverse, model, pk_set, **kwargs):
    """``m2m_changed`` of ``User.groups``: refuse an addition that leaves an account in two schools' groups."""
    if action != "pre_add" or not pk_set:
        return
    if not reverse:  # user.groups.add(...)
        if not SchoolGroup.objects.filter(group_id__in=pk_set).exists():
            return
        current = set(instance.groups.values_list("pk", flat=True))
        error = school_groups_error(user=instance, group_ids=current | set(pk_set))
        if error:
            raise ValidationError(error, code="several_schools")
        return
    # group.user_set.add(...): the group's school against each account's other schools
    link = SchoolGroup.objects.filter(group_id=instance.pk).select_related("school").first()
    if link is None:
        return
    others = (
        SchoolGroup.objects.filter(group__user__pk__in=pk_set)
        .exclude(school_id=link.school_id)
        .values_list("group__user", flat=True)
    )
    for user in model.objects.filter(pk__in=set(others)).order_by("pk")[:1]:
        group_ids = set(user.groups.values_list("pk", flat=True)) | {instance.pk}
        raise ValidationError(school_groups_error(user=user, group_ids=group_ids), code="several_schools")


def connect() -> None:
    m2m_changed.connect(
        _refuse_second_school, sender=get_user_model().groups.through, dispatch_uid="courses_one_school_per_account"
    )
