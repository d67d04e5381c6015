"""The audit log: recording, the sealer's hash chain, ``duken audit verify`` and the
database's append-only triggers."""

import io
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from duken.core import audit, recurring
from duken.core.audit import chain, triggers
from duken.core.middleware import RequestMemoMiddleware
from duken.core.models import AuditChainHead, AuditEntry
from duken.testing.audit import triggers_lifted

pytestmark = pytest.mark.django_db


def make_user(email, **fields):
    return get_user_model().objects.create_user(email, None, **fields)


def run_audit(what):
    """``duken audit <what>``: (exit status, output)."""
    out = io.StringIO()
    try:
        call_command("audit", what, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def four_entries():
    clerk = make_user("clerk@duken.example", is_staff=True)
    for number in range(1, 5):
        audit.record(
            audit.ORDER_STATUS,
            actor=clerk,
            object_type="orders.order",
            object_id=number,
            object_repr=f"DK-{number:08d}",
            changes={"status": ("paid", "packed")},
        )
    chain.seal()
    return clerk


# Recording -----------------------------------------------------------------------------------


def test_an_entry_names_the_person_the_object_the_address_and_hides_passwords():
    # given a clerk's request from a browser
    clerk = make_user("clerk@duken.example", is_staff=True)
    request = RequestFactory().post(
        "/admin/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 300
    )
    request.user = clerk
    # when a change with a password among its fields is recorded
    entry = audit.record(
        audit.ADMIN_CHANGE,
        obj=clerk,
        request=request,
        changes={"first_name": ("", "Aru"), "password": ("argon2$old", "argon2$new")},
    )
    # then who, what and where are kept, and the password's values are not
    entry.refresh_from_db()
    assert (entry.actor_id, entry.actor_username) == (clerk.pk, "clerk@duken.example")
    assert (entry.object_type, entry.object_id) == ("customers.user", str(clerk.pk))
    assert entry.object_repr == str(clerk)
    assert entry.ip == "203.0.113.7"
    assert entry.user_agent.startswith("Mozilla/5.0") and len(entry.user_agent) <= 120
    assert entry.changes == {"first_name": ["", "Aru"], "password": ["(hidden)", "(hidden)"]}
    assert "argon2" not in str(AuditEntry.objects.values_list("changes", flat=True)[0])
    assert entry.seq is None and entry.hash == ""  # written unsealed


def test_a_service_deep_in_a_request_records_who_asked_without_being_passed_the_request():
    # given a page whose service records without the request
    clerk = make_user("clerk@duken.example", is_staff=True)

    def view(request):
        audit.record(audit.CUSTOMER_VIEW, object_type="customers.user", object_id=7)
        return HttpResponse("ok")

    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Firefox")
    request.user = clerk
    # when the page is served
    RequestMemoMiddleware(view)(request)
    # then the entry has the clerk and the address; outside a request it has neither
    audit.record(audit.CUSTOMER_VIEW, object_type="customers.user", object_id=8)
    inside, outside = AuditEntry.objects.order_by("id")
    assert (inside.actor_id, inside.ip, inside.user_agent) == (clerk.pk, "198.51.100.4", "Firefox")
    assert (outside.actor_id, outside.actor_username, outside.ip) == (None, "", "")


def test_an_entry_of_a_change_that_is_rolled_back_is_gone_with_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(audit.PRODUCT_PRICE, object_type="catalog.product", object_id=1)
        raise RuntimeError("the change failed")
    assert not AuditEntry.objects.exists()


# Sealing -------------------------------------------------------------------------------------


def test_sealing_numbers_the_entries_in_order_and_links_each_to_the_one_before():
    # given three entries written
    for number in range(3):
        audit.record(audit.CUSTOMER_SEARCH, summary=f"search {number}")
    # when the sealer runs (twice: the second finds nothing)
    assert chain.seal() == 3
    assert chain.seal() == 0
    # then they are #1..#3, each hash over its content and the hash before
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3]
    assert [e.summary for e in entries] == ["search 0", "search 1", "search 2"]
    assert entries[0].prev_hash == ""
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    assert all(chain.entry_hash(e) == e.hash and len(e.hash) == 64 for e in entries)
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (3, entries[2].hash)


def test_the_worker_seals_every_minute_and_the_command_seals_too():
    # given the registry of recurring work
    sealer = {r.name: r for r in recurring.registered()}["core.audit-seal"]
    assert sealer.task_path == "duken.core.tasks.seal_audit_log"
    assert sealer.interval_seconds() == 60
    # when an entry waits and the task runs, then the command
    audit.record(audit.CUSTOMER_SEARCH)
    from duken.core.tasks import seal_audit_log

    assert seal_audit_log.call() == 1
    audit.record(audit.CUSTOMER_SEARCH)
    status, output = run_audit("seal")
    # then both sealed
    assert status == 0 and output.strip() == "Sealed 1 entry; the chain ends at #2."


# Verifying -----------------------------------------------------------------------------------


def test_verify_says_intact_and_where_the_chain_ends():
    four_entries()
    last = AuditEntry.objects.get(seq=4)
    status, output = run_audit("verify")
    assert status == 0
    assert output.strip() == (f"INTACT: 4 sealed entries, the chain ends at #4 (hash {last.hash}).")
    head = AuditChainHead.objects.get()
    assert head.verified_intact is True and head.verified_at is not None


def test_verify_seals_what_waits_first():
    four_entries()
    audit.record(audit.CUSTOMER_SEARCH)
    status, output = run_audit("verify")
    assert status == 0 and output.startswith("INTACT: 5 sealed entries")


def test_verify_finds_an_edited_entry():
    # given a sealed chain, and someone with the database who drops the triggers
    four_entries()
    with triggers_lifted(connection):
        # when they change what entry #2 says
        AuditEntry.objects.filter(seq=2).update(object_repr="DK-99999999")
    # then verify names it and fails
    status, output = run_audit("verify")
    assert status == 1
    lines = output.strip().splitlines()
    assert lines[0] == "BROKEN: 1 problem in 4 sealed entries, first at entry #2."
    assert lines[1].startswith("- Entry #2 (order.status DK-99999999, ")
    assert lines[1].endswith(") was edited")
    assert AuditChainHead.objects.get().verified_intact is False


def test_verify_finds_an_entry_edited_with_its_hash_recomputed():
    four_entries()
    with triggers_lifted(connection):
        forged = AuditEntry.objects.get(seq=2)
        forged.actor_username = "someone@else.example"
        forged.hash = chain.entry_hash(forged)
        forged.save()
    status, output = run_audit("verify")
    assert status == 1
    assert output.strip().splitlines() == [
        "BROKEN: 1 problem in 4 sealed entries, first at entry #3.",
        "- Entry #3 does not follow entry #2: an entry was inserted or replaced before it",
    ]


def test_verify_finds_a_removed_entry_and_entries_removed_from_the_end():
    four_entries()
    with triggers_lifted(connection):
        AuditEntry.objects.filter(seq__in=[2, 4]).delete()
    status, output = run_audit("verify")
    assert status == 1
    assert output.strip().splitlines() == [
        "BROKEN: 2 problems in 2 sealed entries, first at entry #2.",
        "- Entry #2 is missing",
        "- Entry #4 is missing from the end",
    ]


def test_verify_finds_an_inserted_entry():
    four_entries()
    last = AuditEntry.objects.get(seq=4)
    # someone adds a sealed-looking entry #5 themselves, with a hash that fits
    intruder = AuditEntry(action=audit.CUSTOMER_VIEW, seq=5, prev_hash=last.hash)
    intruder.hash = chain.entry_hash(intruder)
    intruder.save()
    status, output = run_audit("verify")
    assert status == 1
    assert output.strip().splitlines() == [
        "BROKEN: 1 problem in 5 sealed entries, first at entry #5.",
        "- Entries after #4 were added outside the sealer",
    ]


def test_the_quick_check_of_the_newest_entries_reads_only_them():
    four_entries()
    report = chain.verify(recent=2)
    assert report.intact and report.checked == 2 and report.first_seq == 3
    assert report.text().startswith("INTACT: 2 newest sealed entries (from #3)")


# The triggers --------------------------------------------------------------------------------


def test_the_migration_made_the_triggers():
    assert triggers.installed(connection)


def test_verify_warns_when_the_triggers_are_gone_and_they_can_be_put_back():
    # given an intact chain in a database whose triggers someone removed
    four_entries()
    triggers.drop(connection)
    try:
        # when it is verified, then the chain is intact but the missing guard fails the check
        status, output = run_audit("verify")
        assert status == 1
        lines = output.strip().splitlines()
        assert lines[0].startswith("INTACT: 4 sealed entries")
        assert lines[1].startswith("WARNING: the database's append-only triggers")
        # and install-triggers puts them back
        assert run_audit("install-triggers") == (
            0,
            "The audit log's append-only triggers are in place.\n",
        )
        assert triggers.installed(connection)
        assert run_audit("verify")[0] == 0
    finally:
        triggers.install(connection)


def test_the_database_refuses_to_change_or_delete_an_entry_but_lets_the_sealer_seal():
    # given one sealed entry and one waiting
    four_entries()
    waiting = audit.record(audit.CUSTOMER_SEARCH, summary="waiting")
    # when anyone changes a sealed entry, deletes one, or changes a waiting one's content
    attempts = [
        lambda: AuditEntry.objects.filter(seq=1).update(summary="nothing happened"),
        lambda: AuditEntry.objects.filter(seq=1).update(hash="0" * 64),
        lambda: AuditEntry.objects.filter(seq=4).delete(),
        lambda: AuditEntry.objects.filter(pk=waiting.pk).delete(),
        lambda: AuditEntry.objects.filter(pk=waiting.pk).update(summary="rewritten"),
        lambda: AuditEntry.objects.filter(pk=waiting.pk).update(seq=99),  # sealed without hash
        lambda: AuditChainHead.objects.update(seq=1),
        lambda: AuditChainHead.objects.all().delete(),
    ]
    for attempt in attempts:
        # then the database refuses, and nothing changed
        with pytest.raises(DatabaseError, match="append-only|only moves forward"):
            with transaction.atomic():
                attempt()
    assert AuditEntry.objects.count() == 5
    assert AuditEntry.objects.get(seq=1).summary == ""
    # while sealing the waiting one goes through
    assert chain.seal() == 1
    assert run_audit("verify")[0] == 0


# Many servers at once (PostgreSQL) -----------------------------------------------------------

WRITERS = 8
PER_WRITER = 25
SEALERS = 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_make_one_intact_chain():
    # given eight request threads writing entries in their own transactions, some slow to
    # commit, while three sealers (the workers of several hosts) run at the same time
    from django.db import connections

    barrier = threading.Barrier(WRITERS + SEALERS)
    writing = threading.Event()
    writing.set()
    errors = []

    def writer(number):
        try:
            barrier.wait(timeout=30)
            for i in range(PER_WRITER):
                with transaction.atomic():
                    audit.record(audit.CUSTOMER_SEARCH, summary=f"writer {number} entry {i}")
                    if i % 5 == 0:  # a long transaction commits after later ones
                        connection.cursor().execute("SELECT pg_sleep(0.02)")
        except Exception as exc:  # shown by the assertion below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    def sealer():
        try:
            barrier.wait(timeout=30)
            while writing.is_set():
                chain.seal(batch=7)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    sealers = [threading.Thread(target=sealer) for _ in range(SEALERS)]
    # when they all run
    for thread in writers + sealers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    writing.clear()
    for thread in sealers:
        thread.join(timeout=120)
    chain.seal()
    # then every entry has one number, 1..200 without gaps, and the chain verifies
    assert errors == []
    total = WRITERS * PER_WRITER
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, total + 1)
    )
    status, output = run_audit("verify")
    assert status == 0, output
    assert output.startswith(f"INTACT: {total} sealed entries, the chain ends at #{total}")


# Transactional tests empty the database around the triggers ---------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_with_entries_can_be_emptied_when_it_ends():
    # given entries, sealed and not, in a test whose end empties every table (DELETE on SQLite,
    # TRUNCATE on PostgreSQL)
    four_entries()
    audit.record(audit.CUSTOMER_SEARCH)
    assert AuditEntry.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_next_test_starts_empty_with_the_triggers_back():
    # then the emptying went through, and the triggers guard the log again
    assert not AuditEntry.objects.exists() and not AuditChainHead.objects.exists()
    assert triggers.installed(connection)
    audit.record(audit.CUSTOMER_SEARCH)
    with pytest.raises(DatabaseError, match="append-only"):
        AuditEntry.objects.all().delete()
