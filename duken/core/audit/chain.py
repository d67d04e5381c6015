"""The audit log's hash chain: sealing the entries written since the last run, and checking
the whole chain (``duken audit verify``).

Entries are written unsealed by the requests that make the changes, in their own
transactions, so the storefront never waits for a lock of the log. The sealer numbers them
under a row lock of the chain's head (``AuditChainHead``, one row): whichever process seals,
and however many do at once, each entry gets exactly one number, the next one, and a hash over
its content and the hash of the entry before. An entry committed late (a long transaction) is
sealed by the next run, after the entries that committed before it.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from duken.core.models import AuditChainHead, AuditEntry

HEAD_ID = 1
SEAL_BATCH = 500
# What the back-office page checks on every view: the newest entries only, to stay fast.
RECENT = 500

HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "summary",
    "changes",
    "ip",
    "user_agent",
    "prev_hash",
)


def _moment(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: AuditEntry) -> bytes:
    """The entry's content as one canonical JSON text (sorted keys, no spaces)."""
    content = {name: getattr(entry, name) for name in HASHED_FIELDS}
    content["created_at"] = _moment(entry.created_at)
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def _locked_head() -> AuditChainHead:
    # Made by the first run; two first runs at once make one row, and both then wait on it.
    AuditChainHead.objects.bulk_create([AuditChainHead(pk=HEAD_ID)], ignore_conflicts=True)
    return AuditChainHead.objects.select_for_update().get(pk=HEAD_ID)


def head() -> AuditChainHead | None:
    return AuditChainHead.objects.filter(pk=HEAD_ID).first()


def seal(batch: int = SEAL_BATCH) -> int:
    """Number and hash every entry waiting, in the order they were written; returns how many.
    Safe to run in several processes at once: they take turns on the head's row lock."""
    sealed = 0
    while True:
        with transaction.atomic():
            chain = _locked_head()
            waiting = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:batch])
            for entry in waiting:
                entry.seq = chain.seq + 1
                entry.prev_hash = chain.hash
                entry.hash = entry_hash(entry)
                AuditEntry.objects.filter(pk=entry.pk, seq__isnull=True).update(
                    seq=entry.seq, prev_hash=entry.prev_hash, hash=entry.hash
                )
                chain.seq, chain.hash = entry.seq, entry.hash
            if waiting:
                chain.save(update_fields=["seq", "hash"])
        sealed += len(waiting)
        if len(waiting) < batch:
            return sealed


def pending() -> int:
    return AuditEntry.objects.filter(seq__isnull=True).count()


@dataclass
class Problem:
    seq: int
    text: str


@dataclass
class Report:
    checked: int = 0
    last_seq: int = 0
    last_hash: str = ""
    first_seq: int = 1
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def first_broken(self) -> int | None:
        return min(problem.seq for problem in self.problems) if self.problems else None

    def text(self) -> str:
        """What ``duken audit verify`` prints."""
        if self.intact:
            if not self.checked:
                return "INTACT: no sealed entries yet."
            scope = (
                _entries(self.checked)
                if self.first_seq == 1
                else f"{self.checked} newest sealed entries (from #{self.first_seq})"
            )
            return f"INTACT: {scope}, the chain ends at #{self.last_seq} (hash {self.last_hash})."
        first = self.first_broken
        count = len(self.problems)
        lines = [
            f"BROKEN: {count} problem{'s' if count != 1 else ''} in {_entries(self.checked)}, "
            f"first at entry #{first}."
        ]
        lines += [f"- {problem.text}" for problem in self.problems]
        return "\n".join(lines)


def _entries(count: int) -> str:
    return f"{count} sealed entr{'y' if count == 1 else 'ies'}"


def _describe(entry: AuditEntry) -> str:
    what = " ".join(part for part in (entry.action, entry.object_repr) if part)
    return f"Entry #{entry.seq} ({what}, {timezone.localtime(entry.created_at):%Y-%m-%d %H:%M})"


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"Entry #{first} is missing"
    return f"Entries #{first} to #{last} are missing"


def verify(*, recent: int | None = None) -> Report:
    """Walk the sealed entries in order and report every entry that was edited (its hash does
    not match its content), removed (a gap in the numbers) or inserted or replaced (an entry
    that does not follow the hash of the one before), and a chain head that disagrees with the
    last entry. ``recent``: check only that many of the newest entries (the page's quick check).
    """
    report = Report()
    entries = AuditEntry.objects.filter(seq__isnull=False).order_by("seq")
    chain = head()
    if recent is not None:
        top = chain.seq if chain else 0
        report.first_seq = max(1, top - recent + 1)
        entries = entries.filter(seq__gte=report.first_seq)
    expected, previous = report.first_seq, None
    for entry in entries.iterator(chunk_size=2000):
        report.checked += 1
        if entry.seq > expected:
            report.problems.append(Problem(expected, _missing(expected, entry.seq - 1)))
        elif previous is not None and entry.prev_hash != previous.hash:
            report.problems.append(
                Problem(
                    entry.seq,
                    f"Entry #{entry.seq} does not follow entry #{previous.seq}: an entry was "
                    f"inserted or replaced before it",
                )
            )
        elif previous is None and entry.seq == 1 and entry.prev_hash:
            report.problems.append(Problem(1, "Entry #1 does not start the chain"))
        if entry_hash(entry) != entry.hash:
            report.problems.append(Problem(entry.seq, f"{_describe(entry)} was edited"))
        expected, previous = entry.seq + 1, entry
        report.last_seq, report.last_hash = entry.seq, entry.hash
    top = chain.seq if chain else 0
    if top > report.last_seq:
        report.problems.append(
            Problem(report.last_seq + 1, _missing(report.last_seq + 1, top) + " from the end")
        )
    elif top < report.last_seq:
        report.problems.append(
            Problem(top + 1, f"Entries after #{top} were added outside the sealer")
        )
    elif chain is not None and previous is not None and chain.hash != previous.hash:
        report.problems.append(
            Problem(previous.seq, f"The chain's head does not match entry #{previous.seq}")
        )
    report.problems.sort(key=lambda problem: problem.seq)
    return report


def verify_and_remember() -> Report:
    """Seal what waits, check the whole chain, and keep the outcome on the head for the page."""
    seal()
    report = verify()
    AuditChainHead.objects.bulk_create([AuditChainHead(pk=HEAD_ID)], ignore_conflicts=True)
    AuditChainHead.objects.filter(pk=HEAD_ID).update(
        verified_at=timezone.now(), verified_intact=report.intact, verified_report=report.text()
    )
    return report
