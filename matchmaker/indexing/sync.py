"""Keep the search index in step with the database: apply the outbox, rebuild from scratch, check.

Every write records "posting N changed" in the outbox inside its own transaction. `sync_index`
reads the changed postings as they are now and upserts or deletes their documents, then
removes the operations it applied. Applying an operation twice gives the same index, so a
crash at any point loses nothing: the next sync (or `matchmaker reindex`) repairs it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.indexing.base import IndexMissing, IndexStale
from matchmaker.indexing.documents import build_document
from matchmaker.indexing.service import SearchIndex
from matchmaker.models import IndexOperation, Posting

log = logging.getLogger(__name__)
BATCH_SIZE = 256


@dataclass
class SyncReport:
    applied: int = 0  # operations applied
    upserted: int = 0
    deleted: int = 0
    skipped: bool = False  # another process held the index lock


def pending_changes() -> int:
    return db.session.scalar(select(func.count(IndexOperation.id))) or 0


def sync_index(
    index: SearchIndex,
    *,
    timeout: float | None = None,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SyncReport:
    """Apply pending operations in order (at most `limit`); safe to repeat and to run concurrently.

    Waits up to `timeout` seconds for the index lock (None: as long as it takes); if another
    process keeps it (a long reindex), the operations stay pending and the report says skipped.
    """
    report = SyncReport()
    with index.lock(timeout=timeout) as acquired:
        if not acquired:
            report.skipped = True
            return report
        require_current_index(index)
        while limit is None or report.applied < limit:
            size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - report.applied)
            ops = db.session.execute(
                select(IndexOperation.id, IndexOperation.posting_id).order_by(IndexOperation.id).limit(size)
            ).all()
            if not ops:
                break
            upserted, deleted = _apply(index, [posting_id for _, posting_id in ops])
            db.session.execute(delete(IndexOperation).where(IndexOperation.id.in_([op_id for op_id, _ in ops])))
            db.session.commit()
            report.applied += len(ops)
            report.upserted += upserted
            report.deleted += deleted
            if progress:
                progress(len(ops))
    return report


def _apply(index: SearchIndex, posting_ids: Sequence[int]) -> tuple[int, int]:
    postings = db.session.scalars(
        select(Posting).where(Posting.id.in_(set(posting_ids))).options(selectinload(Posting.sector_links))
    ).all()
    searchable = [p for p in postings if p.indexed]
    gone = set(posting_ids) - {p.id for p in searchable}
    if searchable:
        documents = [build_document(p) for p in searchable]
        vectors = index.embedder.encode_documents([d.embedding_text for d in documents])
        index.backend.upsert(documents, vectors)
    if gone:
        index.backend.delete(sorted(gone))
    return len(searchable), len(gone)


def reindex(index: SearchIndex, *, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database; searches use the old index until it is done."""
    with index.lock():
        # Changes recorded from here on stay in the outbox for the next sync; earlier ones are covered.
        last_op = db.session.scalar(select(func.max(IndexOperation.id)))
        total = 0
        with index.backend.rebuild(index.embedder.model_id, index.embedder.dimensions) as staging:
            for batch in _indexed_batches():
                documents = [build_document(p) for p in batch]
                staging.upsert(documents, index.embedder.encode_documents([d.embedding_text for d in documents]))
                total += len(documents)
                if progress:
                    progress(len(documents))
        if last_op is not None:
            db.session.execute(delete(IndexOperation).where(IndexOperation.id <= last_op))
        db.session.commit()
    return total


def indexed_count() -> int:
    """How many postings the index should hold (expired ones included: they are filtered at query time)."""
    return db.session.scalar(select(func.count(Posting.id)).where(Posting.indexed)) or 0


def _indexed_batches():
    last_id = 0
    while True:
        batch = db.session.scalars(
            select(Posting)
            .where(Posting.indexed, Posting.id > last_id)
            .options(selectinload(Posting.sector_links))
            .order_by(Posting.id)
            .limit(BATCH_SIZE)
        ).all()
        if not batch:
            return
        yield batch
        last_id = batch[-1].id


def require_current_index(index: SearchIndex) -> None:
    """Raise IndexMissing or IndexStale unless the index exists and was built with the configured model."""
    status = index.backend.status()
    if not status.exists:
        raise IndexMissing("the search index does not exist yet: run `matchmaker reindex`")
    if status.model != index.embedder.model_id:
        raise IndexStale(
            f"the search index was built with model {status.model!r} but {index.embedder.model_id!r} "
            "is configured: run `matchmaker reindex`"
        )
