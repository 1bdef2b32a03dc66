"""How far behind the background work is: the search index, the job queue and the workers.

Read by searches (their `index` metadata), the coordinator's status page and
`matchmaker index-status`; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.indexing.base import SearchError
from matchmaker.indexing.service import SearchIndex
from matchmaker.indexing.sync import Backlog, backlog, indexed_count
from matchmaker.jobs import QueueStatus, queue_status
from matchmaker.models import IndexOperation, WorkerHeartbeat, utcnow

# A worker that has not been heard of for this long is shown as gone.
WORKER_SILENT_AFTER = timedelta(minutes=2)


def seconds_since(moment: datetime | None) -> float | None:
    return None if moment is None else max(0.0, (utcnow() - moment).total_seconds())


@dataclass(frozen=True)
class IndexState:
    """The search index against the database."""

    backend: str
    exists: bool
    documents: int
    expected: int  # postings the index should hold
    model: str | None
    configured_model: str
    backlog: Backlog
    facts: dict[str, str] = field(default_factory=dict)  # where the index is; with health, the cluster's state
    error: str | None = None  # why the backend could not be asked (the cluster is down)

    @property
    def current(self) -> bool:
        return (
            self.error is None
            and self.exists
            and self.model == self.configured_model
            and self.documents == self.expected
            and not self.backlog.pending
        )

    def as_dict(self) -> dict:
        return {
            "backend": self.backend,
            "exists": self.exists,
            "documents": self.documents,
            "expected_documents": self.expected,
            "pending_changes": self.backlog.pending,
            "refused_changes": self.backlog.refused,
            "oldest_pending_seconds": seconds_since(self.backlog.oldest_at),
            "index_model": self.model,
            "configured_model": self.configured_model,
            "current": self.current,
            "index": self.facts,
            "error": self.error,
        }


def index_state(index: SearchIndex, *, health: bool = False) -> IndexState:
    """The index against the database; `health` adds the backend's facts for operators (more requests)."""
    common = dict(
        backend=index.backend.name,
        expected=indexed_count(),
        configured_model=index.embedder.model_id,
        backlog=backlog(),
    )
    try:
        status = index.backend.status()
    except SearchError as error:  # the cluster is down: say so, with what the database knows
        return IndexState(exists=False, documents=0, model=None, error=str(error), **common)
    facts = dict(status.details)
    if health:
        try:
            facts.update(index.backend.health())
        except SearchError as error:
            facts["health_error"] = str(error)
    return IndexState(exists=status.exists, documents=status.documents, model=status.model, facts=facts, **common)


@dataclass(frozen=True)
class WorkerState:
    name: str
    started_at: datetime
    seen_at: datetime
    jobs_done: int
    index_changes_applied: int

    @property
    def alive(self) -> bool:
        return utcnow() - self.seen_at < WORKER_SILENT_AFTER


def workers() -> list[WorkerState]:
    """Workers heard of in the last day, most recent first."""
    rows = db.session.scalars(
        select(WorkerHeartbeat)
        .where(WorkerHeartbeat.seen_at > utcnow() - timedelta(days=1))
        .order_by(WorkerHeartbeat.seen_at.desc())
    )
    return [WorkerState(w.name, w.started_at, w.seen_at, w.jobs_done, w.index_changes_applied) for w in rows]


@dataclass(frozen=True)
class BackgroundWork:
    index: IndexState
    jobs: QueueStatus
    workers: list[WorkerState]


def background_work(index: SearchIndex) -> BackgroundWork:
    return BackgroundWork(index_state(index, health=True), queue_status(), workers())


@dataclass(frozen=True)
class IndexingProgress:
    """Of some postings just written (an import), how many the index has taken up."""

    total: int
    waiting: int

    @property
    def done(self) -> int:
        return self.total - self.waiting


def indexing_progress(posting_ids: Sequence[int]) -> IndexingProgress:
    ids = set(posting_ids)
    waiting = 0
    chunk = sorted(ids)
    for start in range(0, len(chunk), 500):
        waiting += db.session.scalar(
            select(func.count(func.distinct(IndexOperation.posting_id))).where(
                IndexOperation.posting_id.in_(chunk[start : start + 500])
            )
        )
    return IndexingProgress(len(ids), waiting)
