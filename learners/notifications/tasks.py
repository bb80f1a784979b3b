"""Background sending (django-tasks): a task takes message ids and calls the service."""

from django_tasks import task

from learners.notifications import services


@task()
def send_outbox_task(*, message_ids: list[int]) -> int:
    """Send these outbox messages if they are still due (each one at most once, see ``outbox_send``)."""
    return services.outbox_send(message_ids=message_ids)
