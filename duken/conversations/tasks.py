from django_tasks import task

from . import emails


@task()
def send_promise_reply(promise_id: int) -> bool:
    """E-mail the customer the reply that kept a promise. Safe to run twice: sent once."""
    return emails.send_reply(promise_id)
