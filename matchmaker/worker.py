"""The worker: applies index changes and runs jobs after the requests that recorded them.

`matchmaker worker` runs `run_worker` beside gunicorn (one or more, on any hosts that share
the database); `matchmaker serve` runs the same loop in a thread of its own process, so the
zero-set-up demo shows a write within a second or two. Each round applies a batch of
pending index changes and claims a batch of due jobs of every kind; the worker commits
after each piece of work, so a crash loses at most the piece under way, which runs again.

Claims: on PostgreSQL `FOR UPDATE SKIP LOCKED`, so two workers never take the same job; on
SQLite the claim is one UPDATE, which SQLite runs one writer at a time. A claim is a lease:
a worker that dies mid-job loses it when the lease runs out, and another worker runs the
job again. A failed job goes back to `pending` with a delay that doubles each time (at most
an hour) and its error kept, shown on the coordinator's status page; nothing is dropped.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import and_, or_, select, update

# Importing the services registers their job handlers.
from matchmaker import notifications, reports, transfer  # noqa: F401
from matchmaker.extensions import db, writing
from matchmaker.indexing import get_search_index
from matchmaker.indexing.base import SearchError
from matchmaker.indexing.sync import BATCH_SIZE, apply_changes
from matchmaker.jobs import HANDLERS, BatchBroken, Handler
from matchmaker.models import Job, WorkerHeartbeat, utcnow

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
MAX_DELAY = timedelta(hours=1)
POLL_SECONDS = 1.0
HEARTBEAT_EVERY = timedelta(seconds=15)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- jobs ----------------------------------------------------------------------------------------


def _due(now: datetime):
    """Pending jobs whose time has come, and running ones whose worker's lease ran out."""
    return or_(
        and_(Job.status == "pending", Job.run_after <= now),
        and_(Job.status == "running", Job.claimed_until < now),
    )


def claim(worker: str, kind: str, limit: int) -> list[Job]:
    """Take up to `limit` due jobs of one kind for this worker, oldest first, and commit the claim."""
    with writing():
        return _claim(worker, kind, limit)


def _claim(worker: str, kind: str, limit: int) -> list[Job]:
    now = utcnow()
    token = f"{worker}/{secrets.token_hex(4)}"
    # Two statements in one transaction: the rows the SELECT locks stay locked until the commit. (One
    # UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED) may take more than n rows.)
    ids = db.session.scalars(
        select(Job.id)
        .where(Job.kind == kind, _due(now))
        .order_by(Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; on SQLite the transaction holds the write lock
    ).all()
    if ids:
        db.session.execute(
            update(Job)
            .where(Job.id.in_(ids))
            .values(status="running", claimed_by=token, claimed_until=now + LEASE, attempts=Job.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return list(
        db.session.scalars(select(Job).where(Job.claimed_by == token, Job.status == "running").order_by(Job.id))
    )


def _retry_later(job_id: int, error: BaseException) -> None:
    """Put a failed job back with a delay that doubles with each attempt (30 s, 1 min, … at most an hour)."""
    job = db.session.get(Job, job_id)
    if job is None or job.status != "running":
        return
    delay = min(timedelta(seconds=30 * 2 ** max(job.attempts - 1, 0)), MAX_DELAY)
    job.status, job.run_after, job.claimed_until = "pending", utcnow() + delay, None
    job.last_error = f"{type(error).__name__}: {error}"[:2000]


def run_jobs(worker: str, kinds: list[str] | None = None) -> int:
    """Claim and run one batch of due jobs of every kind (or of these kinds); return how many finished."""
    done = 0
    due = set(db.session.scalars(select(Job.kind).where(_due(utcnow())).distinct()))
    db.session.rollback()
    for kind in [k for k in (kinds or HANDLERS) if k in due]:
        handler = HANDLERS[kind]
        ids = [job.id for job in claim(worker, kind, handler.batch_size)]
        if not ids:
            continue
        with writing():
            try:
                with handler.batch() as shared:
                    for job_id in ids:
                        done += _run_one(handler, kind, job_id, shared)
            except Exception as exc:  # noqa: BLE001 - the batch could not start or broke: the rest waits
                db.session.rollback()
                for job_id in ids:
                    _retry_later(job_id, exc)
                db.session.commit()
    return done


def _run_one(handler: Handler, kind: str, job_id: int, shared: Any) -> int:
    """Run one claimed job and commit what it did with its `done`; on failure keep it for a retry."""
    job = db.session.get(Job, job_id)
    try:
        handler.run(job, shared)
        job = db.session.get(Job, job_id)  # the handler may have ended the transaction (`slow_io`)
        job.status, job.finished_at, job.claimed_until, job.last_error = "done", utcnow(), None, None
        db.session.commit()
        return 1
    except Exception as exc:
        db.session.rollback()
        log.warning("job %s (%s) failed, will retry: %s", job_id, kind, exc)
        _retry_later(job_id, exc)
        db.session.commit()
        if isinstance(exc, BatchBroken):
            raise
        return 0


# --- the index -----------------------------------------------------------------------------------


def apply_index_changes(*, limit: int = BATCH_SIZE) -> int:
    """Apply one batch of pending index changes; how many were handled (applied, or refused and put back
    for later); 0 when none are due, or another writer has the index."""
    try:
        report = apply_changes(get_search_index(), limit=limit)
    except SearchError as exc:
        db.session.rollback()
        log.warning("index changes not applied (they stay pending): %s", exc)
        return 0
    return report.applied + report.refused


def drain_index(*, progress: Callable[[int], None] | None = None) -> int:
    """Apply every pending index change now, waiting for other writers, committing each batch (CLI).

    Raises SearchError (IndexMissing, IndexStale …) for the caller to report.
    """
    index, total = get_search_index(), 0
    while True:
        report = apply_changes(index, wait=True)
        if not report.applied and not report.refused:
            return total
        total += report.applied
        if progress:
            progress(report.applied)


# --- the loop ------------------------------------------------------------------------------------


@dataclass
class Worker:
    """One worker loop in this process: `wake()` makes it look for work at once."""

    app: Flask
    name: str = field(default_factory=worker_name)
    _wake: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _last_beat: datetime | None = None

    def work_once(self) -> int:
        """One round: a batch of index changes and a batch of each kind of job. Returns how much was done."""
        with self.app.app_context():
            try:
                applied = apply_index_changes()
                done = run_jobs(self.name)
                self._beat(applied, done)
                return applied + done
            finally:
                db.session.remove()

    def work_until_idle(self, *, rounds: int = 1000) -> int:
        """Run rounds until one finds nothing to do (tests, `matchmaker worker --once`)."""
        total = 0
        for _ in range(rounds):
            did = self.work_once()
            total += did
            if not did:
                break
        return total

    def run(self) -> None:
        """Work until `stop()`: at once when there is more, else after `POLL_SECONDS` or a `wake()`."""
        log.info("worker %s started", self.name)
        while not self._stop.is_set():
            try:
                did = self.work_once()
            except Exception:  # noqa: BLE001 - e.g. the database is down: log, wait, try again
                log.exception("worker round failed")
                did = 0
            if not did:
                self._wake.wait(POLL_SECONDS)
                self._wake.clear()
        log.info("worker %s stopped", self.name)

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="worker", daemon=True)
        thread.start()
        return thread

    def _beat(self, applied: int, done: int) -> None:
        now = utcnow()
        if not applied and not done and self._last_beat and now - self._last_beat < HEARTBEAT_EVERY:
            return
        with writing():
            beat = db.session.get(WorkerHeartbeat, self.name) or WorkerHeartbeat(name=self.name, started_at=now)
            beat.seen_at = now
            beat.jobs_done = (beat.jobs_done or 0) + done
            beat.index_changes_applied = (beat.index_changes_applied or 0) + applied
            db.session.add(beat)
            db.session.commit()
        self._last_beat = now


EXTENSION = "matchmaker.worker"


def start_in_process(app: Flask) -> Worker:
    """Run a worker in a thread of this process (`matchmaker serve`); writes wake it after their commit."""
    worker = Worker(app, name=f"{worker_name()}:in-process")
    app.extensions[EXTENSION] = worker
    worker.start_thread()
    return worker


def wake_in_process(app: Flask) -> None:
    """After a commit: let this process's worker, if it runs one, look for the new work at once."""
    worker = app.extensions.get(EXTENSION)
    if worker is not None:
        worker.wake()
