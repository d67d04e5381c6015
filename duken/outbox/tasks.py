from django_tasks import task

from . import services


@task()
def deliver_message(message_id: int) -> bool:
    """Send one queued message. Safe to run twice: a message is claimed before it is sent."""
    return services.deliver(message_id)


@task()
def deliver_due_messages() -> int:
    """Send every queued message that is due: the ones whose nudge was lost, and retries."""
    return services.deliver_due()
