"""Background work for H5P (django-tasks): recomputing grades after the rules that decide them changed."""

from django_tasks import task

from learners.h5p import services


@task()
def recompute_h5p_grades_task(*, activity_id: int | None = None, lesson_id: int | None = None) -> None:
    """Recompute the lesson scores and completions an activity's attempts (or a lesson's) decided."""
    services.h5p_grades_recompute(activity_id=activity_id, lesson_id=lesson_id)
