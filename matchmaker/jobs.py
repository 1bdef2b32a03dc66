"""The job queue: work recorded in the transaction that causes it, run later by a worker.

A service calls `enqueue` beside its own writes, so a job exists exactly when the change
that needs it was committed. Each kind of job has one handler (`@handler(kind)`), which
flushes its writes; the worker (matchmaker.worker) claims due jobs, runs them and commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Job


@dataclass(frozen=True)
class Handler:
    """How to run jobs of one kind. `batch` opens what a batch of them shares (e.g. one SMTP connection)."""

    run: Callable[[Job, Any], None]
    batch: Callable[[], AbstractContextManager[Any]] = nullcontext
    batch_size: int = 20


HANDLERS: dict[str, Handler] = {}


def handler(kind: str, *, batch: Callable[[], AbstractContextManager[Any]] = nullcontext, batch_size: int = 20):
    """Register the function that runs jobs of `kind`: `run(job, shared)`; it flushes, the worker commits."""

    def register(run: Callable[[Job, Any], None]) -> Callable[[Job, Any], None]:
        HANDLERS[kind] = Handler(run, batch, batch_size)
        return run

    return register


def enqueue(
    kind: str, payload: dict[str, Any] | None = None, *, created_by: Any = None, total: int | None = None
) -> Job:
    """Record a job in the caller's transaction; it runs once that transaction commits."""
    job = Job(kind=kind, payload=payload or {}, created_by_id=getattr(created_by, "id", None), total=total)
    db.session.add(job)
    db.session.flush()
    return job


@contextmanager
def slow_io() -> Iterator[None]:
    """Do slow I/O (an SMTP send) with no database transaction open: what the job wrote so far is
    committed first, and it goes on in a new transaction. On SQLite an open transaction would hold
    back or break other writers meanwhile."""
    db.session.commit()
    yield


class BatchBroken(Exception):
    """Raised by a handler when what its batch shares is gone (e.g. the SMTP connection): the rest waits."""


@dataclass(frozen=True)
class QueueStatus:
    by_status: dict[str, int]
    oldest_due_at: datetime | None
    retrying: list[Job]


def queue_status() -> QueueStatus:
    """Jobs counted by status, the oldest one still waiting, and those waiting after a failure."""
    by_status = dict(db.session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    oldest = db.session.scalar(select(func.min(Job.created_at)).where(Job.status.in_(("pending", "running"))))
    retrying = list(
        db.session.scalars(
            select(Job).where(Job.status == "pending", Job.last_error.is_not(None)).order_by(Job.id).limit(20)
        )
    )
    return QueueStatus(by_status, oldest, retrying)
