"""Keep the search index in step with the database: apply the outbox, rebuild from scratch, check.

Every write records "posting N changed" in the outbox inside its own transaction. The
worker's `apply_changes` reads the changed postings as they are now, upserts or deletes
their documents, and removes the operations it applied. Applying an operation twice gives
the same index, so a crash at any point loses nothing: the next run (or `matchmaker
reindex`) repairs it. Searches never write: they read the index as it is.

One writer at a time reads postings and writes the index (`writer_lock`), so a slow writer
never puts an older state of a posting over a newer one: on PostgreSQL an advisory lock,
which holds across every host that runs a worker; on SQLite the index folder's file lock
(SQLite serves one machine).

Unlike services, these functions own their transactions: embedding takes seconds, and no
database transaction stays open while it runs (on SQLite it would block or break other
writers). They read in one transaction, embed outside any, then write and commit. Call them
with nothing uncommitted in the session: they end its transactions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db, writing
from matchmaker.indexing.base import IndexDocument, IndexMissing, IndexStale, IndexStatus, PartialWrite
from matchmaker.indexing.documents import build_document
from matchmaker.indexing.service import SearchIndex
from matchmaker.models import IndexOperation, Posting
from matchmaker.models.base import utcnow

log = logging.getLogger(__name__)
BATCH_SIZE = 256
# A change the index refused is tried again after 10 s, 20 s, 40 s … at most an hour apart.
RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS = 10, 3600
# The key of PostgreSQL's advisory lock for index writers ("mm-index" as a number).
ADVISORY_LOCK_KEY = 0x6D6D2D696E646578


@dataclass
class SyncReport:
    applied: int = 0  # operations applied
    upserted: int = 0
    deleted: int = 0
    skipped: bool = False  # another writer held the index
    failed: dict[int, str] = field(default_factory=dict)  # posting id → why the index refused it (still pending)
    refused: int = 0  # operations put back for a later try


@dataclass(frozen=True)
class Backlog:
    """Changes waiting for the index: how many, since when, and how many of them it refused so far."""

    pending: int
    oldest_at: datetime | None
    refused: int = 0


def backlog() -> Backlog:
    pending, oldest, refused = db.session.execute(
        select(
            func.count(IndexOperation.id),
            func.min(IndexOperation.created_at),
            func.count(IndexOperation.retry_after),
        )
    ).one()
    return Backlog(pending or 0, oldest, refused or 0)


def pending_changes() -> int:
    return backlog().pending


@contextmanager
def writer_lock(index: SearchIndex, *, wait: bool) -> Iterator[bool]:
    """Be the only index writer; yields False when another one is writing and `wait` is off."""
    if db.engine.dialect.name == "postgresql":
        # A session-level advisory lock on a connection of its own, so it spans our transactions.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if wait:  # returns (void) once it holds the lock
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
                acquired = True
            else:
                acquired = connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                ).scalar()
            try:
                yield acquired
            finally:
                if acquired:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
        return
    with index.lock(timeout=None if wait else 0) as acquired:
        yield acquired


def apply_changes(index: SearchIndex, *, limit: int = BATCH_SIZE, wait: bool = False) -> SyncReport:
    """Apply up to `limit` pending operations, oldest first, drop them from the outbox, and commit.

    Operations the index refuses stay, to be tried again after a back-off (RETRY_FIRST_SECONDS,
    doubling); meanwhile the ones after them go ahead.

    Returns a report with `skipped` set, applying nothing, when another writer holds the index
    (a long `reindex`) and `wait` is off.
    """
    report = SyncReport()
    with writer_lock(index, wait=wait) as acquired:
        if not acquired:
            report.skipped = True
            return report
        require_current_index(index)
        ops = db.session.execute(
            select(IndexOperation.id, IndexOperation.posting_id, IndexOperation.attempts)
            .where(or_(IndexOperation.retry_after.is_(None), IndexOperation.retry_after <= utcnow()))
            .order_by(IndexOperation.id)
            .limit(limit)
        ).all()
        if not ops:
            db.session.rollback()
            return report
        documents, gone = _documents_for({op.posting_id for op in ops})
        db.session.rollback()  # end the read before embedding
        vectors = index.embedder.encode_documents([d.embedding_text for d in documents]) if documents else None
        failed: dict[int, str] = {}
        with writing():
            if documents:
                failed.update(_written(lambda: index.backend.upsert(documents, vectors)))
            if gone:
                failed.update(_written(lambda: index.backend.delete(sorted(gone))))
            applied = [op.id for op in ops if op.posting_id not in failed]
            db.session.execute(delete(IndexOperation).where(IndexOperation.id.in_(applied)))
            _defer([op for op in ops if op.posting_id in failed], failed)
            db.session.commit()
        if failed:
            log.warning(
                "%d posting(s) not written to the search index, they stay pending: %s",
                len(failed),
                "; ".join(f"{posting_id}: {reason}" for posting_id, reason in sorted(failed.items())[:10]),
            )
        report.applied, report.failed, report.refused = len(applied), failed, len(ops) - len(applied)
        report.upserted = sum(1 for d in documents if d.id not in failed)
        report.deleted = len(gone - set(failed))
    return report


def _defer(ops: list, failed: dict[int, str]) -> None:
    """Keep refused changes pending, but out of the way: tried again after a back-off that doubles."""
    now = utcnow()
    for op in ops:
        wait = min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2**op.attempts)
        db.session.execute(
            update(IndexOperation)
            .where(IndexOperation.id == op.id)
            .values(
                attempts=op.attempts + 1,
                retry_after=now + timedelta(seconds=wait),
                last_error=failed[op.posting_id][:1000],
            )
        )


def _written(write: Callable[[], None]) -> dict[int, str]:
    """Run an index write; the documents it could not store, by id, with the reason (the rest are stored)."""
    try:
        write()
    except PartialWrite as partial:
        return partial.failed
    return {}


def _documents_for(posting_ids: set[int]) -> tuple[list[IndexDocument], set[int]]:
    """The index documents of those postings the index should hold, and the ids of those it should not."""
    postings = db.session.scalars(
        select(Posting).where(Posting.id.in_(posting_ids)).options(selectinload(Posting.sector_links))
    ).all()
    documents = [build_document(p) for p in postings if p.indexed]
    return documents, posting_ids - {d.id for d in documents}


def reindex(index: SearchIndex, *, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database and commit; searches use the old index until it is done.

    Removes the outbox operations it covers; changes recorded meanwhile stay for the worker.
    """
    with writer_lock(index, wait=True):
        last_op = db.session.scalar(select(func.max(IndexOperation.id)))
        total = 0
        with index.backend.rebuild(index.embedder.model_id, index.embedder.dimensions) as staging:
            for documents in _indexed_batches():
                staging.upsert(documents, index.embedder.encode_documents([d.embedding_text for d in documents]))
                total += len(documents)
                if progress:
                    progress(len(documents))
        if last_op is not None:
            with writing():
                db.session.execute(delete(IndexOperation).where(IndexOperation.id <= last_op))
                db.session.commit()
    return total


def indexed_count() -> int:
    """How many postings the index should hold (expired ones included: they are filtered at query time)."""
    return db.session.scalar(select(func.count(Posting.id)).where(Posting.indexed)) or 0


def _indexed_batches() -> Iterator[list[IndexDocument]]:
    """The documents of every posting the index should hold, in batches, each read in its own transaction."""
    last_id = 0
    while True:
        batch = db.session.scalars(
            select(Posting)
            .where(Posting.indexed, Posting.id > last_id)
            .options(selectinload(Posting.sector_links))
            .order_by(Posting.id)
            .limit(BATCH_SIZE)
        ).all()
        documents = [build_document(p) for p in batch]
        db.session.rollback()
        if not documents:
            return
        yield documents
        last_id = documents[-1].id


def require_current_index(index: SearchIndex) -> IndexStatus:
    """The index's status; IndexMissing or IndexStale unless it exists and was built with the configured model."""
    status = index.backend.status()
    if not status.exists:
        raise IndexMissing("the search index does not exist yet: run `matchmaker reindex`")
    if status.model != index.embedder.model_id:
        raise IndexStale(
            f"the search index was built with model {status.model!r} but {index.embedder.model_id!r} "
            "is configured: run `matchmaker reindex`"
        )
    return status
