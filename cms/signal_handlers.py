"""Keep each course's editing group in step with the accounts named on it (cms.roles.course_editors_sync)."""

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_migrate, post_save
from wagtail.signals import page_published

from cms import roles
from courses.models import CourseInstructor, CoursePage


def sync_on_publish(sender, instance, **kwargs):
    roles.course_editors_sync(course=instance)


def sync_on_instructor_change(sender, instance, **kwargs):
    origin = kwargs.get("origin")
    if origin is not None:
        origin_model = origin.model if isinstance(origin, QuerySet) else type(origin)
        if not issubclass(origin_model, CourseInstructor):
            return  # the course itself is being deleted: after_delete_page cleans its group up
    course = CoursePage.objects.filter(pk=instance.page_id).first()
    if course is not None:
        roles.course_editors_sync(course=course)


def register_signal_handlers():
    from cms.wagtail_spanish import permissions_name_in_spanish

    post_migrate.connect(permissions_name_in_spanish, dispatch_uid="cms_permission_names_in_spanish")
    page_published.connect(sync_on_publish, sender=CoursePage, dispatch_uid="cms_roles_course_published")
    post_save.connect(sync_on_instructor_change, sender=CourseInstructor, dispatch_uid="cms_roles_instructor_saved")
    post_delete.connect(sync_on_instructor_change, sender=CourseInstructor, dispatch_uid="cms_roles_instructor_deleted")
