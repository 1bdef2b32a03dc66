"""The worker: what requests record is done after them, once, and never lost; searches only read."""

from __future__ import annotations

import threading
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from matchmaker import accounts, notifications, postings
from matchmaker.extensions import db, writing
from matchmaker.indexing import get_search_index
from matchmaker.indexing.embedder import FakeEmbedder
from matchmaker.models import IndexOperation, Job, Notification, Organization, Posting, User
from matchmaker.worker import Worker
from tests.helpers import run_worker
from tests.servers import free_port


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, counting the corpus documents it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.documents_embedded = 0

    def encode_documents(self, texts):
        self.documents_embedded += len(texts)
        return super().encode_documents(texts)


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


def test_a_search_answers_from_the_index_as_it_is_and_says_how_far_behind_it_is(app, client, make_org, use_embedder):
    embedder = CountingEmbedder()
    use_embedder(embedder)
    org = make_org(kind="school", name="贵州装备职业学院")
    with app.app_context(), writing():
        owner = db.session.get(Organization, org.id)
        for n in range(500):
            postings.create_posting(
                owner, {"direction": "offer", "category": "program", "title": f"数控技术专业 {n} 班"}, accounts.OPERATOR
            )
        db.session.commit()
        before = row_counts()
    client.worker_runs = False  # the worker is stopped

    found = client.get("/api/v1/search?q=数控技术&direction=offer")

    assert found.status_code == 200 and found.json["results"] == []
    assert found.json["index"]["pending_changes"] == 500
    assert found.json["index"]["oldest_pending_seconds"] >= 0
    assert embedder.documents_embedded == 0  # the request embedded nothing but its query
    with app.app_context():
        assert row_counts() == before  # and wrote nothing

    run_worker(app)  # the worker starts
    caught_up = client.get("/api/v1/search?q=数控技术&direction=offer").json

    assert embedder.documents_embedded == 500
    assert caught_up["index"] == {"pending_changes": 0, "oldest_pending_seconds": None}
    assert caught_up["results"][0]["title"].startswith("数控技术专业")
    with app.app_context():
        assert get_search_index().backend.status().documents == 500


class SlowInbox:
    """An SMTP server that takes a moment per message, so that two workers overlap."""

    def __init__(self) -> None:
        self.subjects: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import asyncio

        await asyncio.sleep(0.005)
        self.subjects.append(message_from_bytes(envelope.original_content, policy=policy.default)["Subject"])
        return "250 OK"


def test_two_workers_drain_one_queue_of_mail_and_send_each_mail_exactly_once(app, make_org, make_user):
    inbox = SlowInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    app.config.update(MATCHMAKER_SMTP_HOST="127.0.0.1", MATCHMAKER_SMTP_PORT=smtp.port)
    receivers = [make_user(org=make_org(kind="school"))[0] for _ in range(4)]
    with app.app_context(), writing():
        users = [db.session.get(User, user.id) for user in receivers]
        for n in range(200):
            notifications.notify([users[n % 4]], "contact_request", f"联系请求 {n:03d}", "", "/contacts")
        db.session.commit()
        assert db.session.scalar(select(func.count(Job.id)).where(Job.kind == "send_mail")) == 200

    failures: list[BaseException] = []

    def drain(name: str) -> None:
        try:
            Worker(app, name=name).work_until_idle()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    workers = [threading.Thread(target=drain, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    smtp.stop()

    assert failures == []
    assert sorted(inbox.subjects) == [f"[产教融合平台] 联系请求 {n:03d}" for n in range(200)]
    with app.app_context():
        jobs = db.session.scalars(select(Job).where(Job.kind == "send_mail")).all()
        assert {job.status for job in jobs} == {"done"} and {job.attempts for job in jobs} == {1}
        assert len({job.claimed_by.split("/")[0] for job in jobs}) == 2  # both workers took a share
        assert db.session.scalar(select(func.count()).where(Notification.mail_pending.is_(True))) == 0


def test_a_failing_job_is_kept_and_retried_later_with_its_error(app, make_org, make_user, monkeypatch):
    receiver, _ = make_user(org=make_org(kind="school"))
    app.config.update(MATCHMAKER_SMTP_HOST="127.0.0.1", MATCHMAKER_SMTP_PORT=free_port())  # nothing listens
    with app.app_context(), writing():
        notifications.notify([db.session.get(User, receiver.id)], "contact_request", "联系请求", "", "/contacts")
        db.session.commit()

    run_worker(app)

    with app.app_context():
        [job] = db.session.scalars(select(Job).where(Job.kind == "send_mail")).all()
        assert job.status == "pending" and job.attempts == 1 and "MailError" in job.last_error
        assert job.run_after.timestamp() > time.time() + 20  # back-off: not due again for a while
        assert db.session.scalar(select(Notification.mail_pending)) is True


def test_a_worker_that_died_mid_job_loses_its_claim_and_another_runs_the_job(app, make_org, make_user):
    from datetime import timedelta

    from matchmaker import worker as worker_module
    from matchmaker.models import utcnow

    receiver, _ = make_user(org=make_org(kind="school"))
    with app.app_context(), writing():
        notifications.notify([db.session.get(User, receiver.id)], "contact_request", "联系请求", "", "/contacts")
        db.session.commit()
        [claimed] = worker_module.claim("crashed-worker", "send_mail", 10)
        claimed.claimed_until = utcnow() - timedelta(seconds=1)  # its lease ran out
        db.session.commit()

    run_worker(app)

    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "send_mail"))
        assert job.status == "done" and job.attempts == 2 and job.claimed_by.startswith("test-worker")


@pytest.mark.parametrize("pending", [1, 300])
def test_the_status_page_shows_the_backlog_and_the_workers(client, app, make_org, make_user, login, pending):
    org = make_org(kind="school")
    coordinator = login(role="coordinator")
    coordinator.worker_runs = False
    with app.app_context(), writing():
        owner = db.session.get(Organization, org.id)
        for n in range(pending):
            postings.create_posting(
                owner, {"direction": "offer", "category": "program", "title": f"专业 {n}"}, accounts.OPERATOR
            )
        db.session.commit()

    waiting = coordinator.get("/coordinator/status").get_data(as_text=True)
    run_worker(app)
    caught_up = coordinator.get("/coordinator/status").get_data(as_text=True)

    assert f"有 {pending} 条更新等待进入索引" in waiting
    assert "索引与数据库一致。" in caught_up and "test-worker" in caught_up and "运行中" in caught_up
    with app.app_context():
        assert db.session.scalar(select(func.count(IndexOperation.id))) == 0
        assert get_search_index().backend.status().documents == pending
        assert db.session.scalar(select(func.count(Posting.id))) == pending


def test_matchmaker_worker_once_does_what_is_due_and_exits(app, cli, make_org, make_user):
    org = make_org(kind="school")
    with app.app_context(), writing():
        postings.create_posting(
            db.session.get(Organization, org.id),
            {"direction": "offer", "category": "program", "title": "数控技术专业"},
            accounts.OPERATOR,
        )
        db.session.commit()

    result = cli("worker", "--once")

    assert result.exit_code == 0 and "1 piece(s) of work done" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(IndexOperation.id))) == 0
