from django_tasks import task

from . import export, retention


@task()
def build_data_export(export_id: int) -> bool:
    """Make the zip of a requested data export and e-mail the customer its link. Safe to run
    twice: a second run finds the export made and does nothing."""
    return export.build(export_id)


@task()
def expire_data_exports() -> int:
    """Delete the files of data exports past their time (the scheduler runs it hourly)."""
    return export.expire_exports()


@task()
def apply_retention() -> dict:
    """Delete raw interaction events and anonymous visitors' data older than their retention
    periods, in batches (the scheduler runs it daily). Safe to run twice."""
    return retention.purge()
