"""Who may read a lesson: the server-side gate in front of lesson bodies."""

from django.contrib.auth.models import AbstractBaseUser

from courses.models import CoursePage, LessonPage
from learners.enrolment.models import Enrolment

READING_STATUSES = (Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED)


def can_read_lesson(
    *, user: AbstractBaseUser, lesson: LessonPage, course: CoursePage, enrolment: Enrolment | None
) -> bool:
    """Open courses are public; otherwise the learner needs an active or completed enrolment.

    People who can edit the lesson in the admin (instructors, academy staff) can always read it.
    """
    if course.is_open:
        return True
    if enrolment is not None and enrolment.status in READING_STATUSES:
        return True
    if user.is_authenticated and lesson.permissions_for_user(user).can_edit():
        return True
    return False
