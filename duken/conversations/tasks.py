from django_tasks import task

from . import emails, guest_addresses


@task()
def send_promise_reply(promise_id: int) -> bool:
    """E-mail the customer the reply that kept a promise. Safe to run twice: sent once."""
    return emails.send_reply(promise_id)


@task()
def send_address_confirmation(address_id: int) -> bool:
    """E-mail a guest the link confirming their address (at most one a day per address)."""
    return guest_addresses.email_confirmation(address_id)
