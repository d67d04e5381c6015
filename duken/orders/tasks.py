from django_tasks import task

from . import emails


@task()
def send_order_email(event_id: int) -> bool:
    """E-mail the customer about one timeline event. Safe to run twice: an event is sent once."""
    return emails.send_event_email(event_id)
