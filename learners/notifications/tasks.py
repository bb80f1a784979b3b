"""Background sending (django-tasks): a task takes message ids and calls the service."""

from django_tasks import task

from learners.notifications import events, services


@task()
def send_outbox_task(*, message_ids: list[int]) -> int:
    """Send these outbox messages if they are still due (each one at most once, see ``outbox_send``)."""
    return services.outbox_send(message_ids=message_ids)


@task()
def course_completed_notify_task(*, enrolment_id: int) -> None:
    """Queue the "course completed" notice (composing it is not work the completing request should wait for)."""
    events.course_completed_notify(enrolment_id=enrolment_id)
