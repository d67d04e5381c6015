"""The e-mails the shop logged before the outbox existed become delivered messages, so the
customers' timelines keep them (subject, recipient, kind and time; bodies were never kept)."""

from django.db import migrations


def move(apps, schema_editor):
    SentEmail = apps.get_model("customers", "SentEmail")
    Message = apps.get_model("outbox", "Message")
    batch = []
    for email in SentEmail.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(
            Message(
                key=f"sent-email:{email.pk}",
                kind=email.kind,
                user_id=email.user_id,
                reference=email.reference,
                sender="",
                to=email.to,
                subject=email.subject,
                status="sent",
                attempts=1,
                created_at=email.sent_at,
                next_attempt_at=email.sent_at,
                sent_at=email.sent_at,
            )
        )
        if len(batch) >= 2000:
            Message.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Message.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_messages"),
        ("customers", "0004_pending_registration"),
    ]

    operations = [migrations.RunPython(move, migrations.RunPython.noop, elidable=True)]
