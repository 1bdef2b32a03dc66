"""Notifications: in the app, and by e-mail at once or in a weekly digest, as each user chooses.

`notify` records notifications in the caller's transaction and, for users who want mail at
once, a `send_mail` job beside them; the worker sends it after the commit (over one SMTP
connection per batch; a failed send stays owed and is retried). New postings are announced
to the organizations whose postings they match well, by a job too (`announce_later`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from matchmaker.errors import InvalidInput, Message
from matchmaker.extensions import db
from matchmaker.jobs import BatchBroken, enqueue, handler, slow_io
from matchmaker.mail import Connection, MailError, mailer_from
from matchmaker.models import Job, Notification, NotificationSettings, Posting, User, utcnow
from matchmaker.models.notifications import EMAIL_MODES, NOTIFICATION_KINDS
from matchmaker.organizations import members_of

log = logging.getLogger(__name__)
DIGEST_INTERVAL = timedelta(days=7)
KIND_NAMES = {
    "new_match": "新的匹配",
    "contact_request": "联系请求",
    "contact_answer": "联系请求的答复",
    "event": "对接活动",
    "project": "合作项目",
}


def settings_for(user: User) -> NotificationSettings:
    settings = db.session.get(NotificationSettings, user.id)
    if settings is None:
        settings = NotificationSettings(
            user_id=user.id, **dict.fromkeys(NOTIFICATION_KINDS, True), email_mode="immediate"
        )
        db.session.add(settings)
    return settings


def update_settings(user: User, wanted: Iterable[str], email_mode: str) -> NotificationSettings:
    """Set which kinds the user gets and how e-mail delivers them."""
    wanted = set(wanted)
    problems = {}
    if unknown := wanted - set(NOTIFICATION_KINDS):
        problems["kinds"] = [
            Message("未知的通知类型：{k}", "Unknown notification kinds: {k}").format(k=", ".join(sorted(unknown)))
        ]
    if email_mode not in EMAIL_MODES:
        problems["email_mode"] = [Message("须为 immediate、weekly 或 off。", "Must be immediate, weekly or off.")]
    if problems:
        raise InvalidInput(problems)
    settings = settings_for(user)
    for kind in NOTIFICATION_KINDS:
        setattr(settings, kind, kind in wanted)
    settings.email_mode = email_mode
    db.session.flush()
    return settings


def notify(users: Iterable[User], kind: str, title: str, body: str = "", link: str = "") -> list[Notification]:
    """Record a notification for each user who wants this kind; mark it owed by mail if they want mail."""
    created, mailed_now = [], []
    for user in users:
        settings = settings_for(user)
        if not settings.wants(kind):
            continue
        note = Notification(
            user_id=user.id,
            kind=kind,
            title=title[:200],
            body=body,
            link=link,
            mail_pending=settings.email_mode != "off",
        )
        db.session.add(note)
        created.append(note)
        if settings.email_mode == "immediate":
            mailed_now.append(note)
    db.session.flush()
    for note in mailed_now:
        enqueue("send_mail", {"notification_id": note.id})
    return created


def notifications_for(user: User, *, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc()).limit(limit)
        )
    )


def unread_count(user: User) -> int:
    return (
        db.session.query(Notification).filter(Notification.user_id == user.id, Notification.read_at.is_(None)).count()
    )


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> None:
    """Mark the user's notifications read (all of them when no ids are given)."""
    query = db.session.query(Notification).filter(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        query = query.filter(Notification.id.in_(list(notification_ids)))
    query.update({Notification.read_at: utcnow()}, synchronize_session=False)


def announce_later(posting: Posting) -> None:
    """After the caller's commit, the worker tells the organizations this posting matches well."""
    enqueue("announce_matches", {"posting_id": posting.id})


@handler("announce_matches", batch_size=5)
def _announce_job(job: Job, shared: Any) -> None:
    from matchmaker.indexing import get_search_index
    from matchmaker.ranking import learned_weights

    posting = db.session.get(Posting, job.payload["posting_id"])
    if posting is not None:
        threshold = current_app.config["MATCHMAKER_MATCH_NOTIFY_SCORE"]
        if threshold is None:
            threshold = learned_weights().announce
        told = announce_matches(posting, get_search_index(), threshold)
        job.result = {"told": told}


def announce_matches(posting: Posting, index: Any, threshold: float, *, limit: int = 10) -> int:
    """Tell the organizations whose postings match a newly published one well; return how many were told."""
    from matchmaker.matching import match_posting

    if not posting.listed:
        return 0
    told = 0
    for result in match_posting(posting, index, limit=limit).results:
        if result.score < threshold:
            break
        counterpart = result.posting
        link = f"/postings/{posting.id}"
        recipients = [u for u in members_of(counterpart.organization) if not _already_told(u, "new_match", link)]
        told += len(
            notify(
                recipients,
                "new_match",
                f"新的匹配：{posting.organization.name}「{posting.title}」",
                f"与贵单位的「{counterpart.title}」相匹配：{result.explanation['summary_zh']}",
                link,
            )
        )
    return told


@contextmanager
def _smtp_session() -> Iterator[Connection | None]:
    """One SMTP connection for a batch of mails; None when no SMTP server is configured."""
    mailer = mailer_from(current_app.config)
    if mailer is None:
        yield None
        return
    with mailer.connect() as connection:
        yield connection


def _send(connection: Connection, to: str, subject: str, text: str) -> None:
    try:
        connection.send(to, subject, text)
    except MailError as exc:
        raise BatchBroken(str(exc)) from exc


@handler("send_mail", batch=_smtp_session, batch_size=50)
def _send_mail_job(job: Job, connection: Connection | None) -> None:
    """Mail one notification to a user who wants mail at once; it stays owed while no SMTP server is set."""
    note = db.session.get(Notification, job.payload["notification_id"])
    if note is None or not note.mail_pending:
        return
    if connection is None:
        job.result = {"skipped": "no SMTP server configured (MATCHMAKER_SMTP_HOST): kept for `matchmaker send-mail`"}
        return
    to, subject, text = db.session.get(User, note.user_id).email, f"[产教融合平台] {note.title}", _mail_text([note])
    with slow_io():
        _send(connection, to, subject, text)
    note = db.session.get(Notification, note.id)
    note.mail_pending, note.mailed_at = False, utcnow()


def queue_owed_mail() -> int:
    """Make every owed mail of users who want mail at once due now: jobs waiting after a failure at once,
    and a new job where none is queued (e.g. mail owed from before SMTP was configured).

    Returns how many new jobs were queued.
    """
    queued = set()
    for job in db.session.scalars(select(Job).where(Job.kind == "send_mail", Job.status.in_(("pending", "running")))):
        queued.add(job.payload.get("notification_id"))
        if job.status == "pending":
            job.run_after = utcnow()
    owed = db.session.scalars(
        select(Notification.id)
        .join(NotificationSettings, NotificationSettings.user_id == Notification.user_id)
        .where(Notification.mail_pending.is_(True), NotificationSettings.email_mode == "immediate")
        .order_by(Notification.id)
    ).all()
    fresh = [note_id for note_id in owed if note_id not in queued]
    for note_id in fresh:
        enqueue("send_mail", {"notification_id": note_id})
    return len(fresh)


def queue_digests(*, force: bool = False) -> int:
    """Queue this week's digest mail for each user who chose it and is owed something; return how many."""
    now = utcnow()
    users = db.session.scalars(
        select(NotificationSettings.user_id)
        .join(Notification, Notification.user_id == NotificationSettings.user_id)
        .where(Notification.mail_pending.is_(True), NotificationSettings.email_mode == "weekly")
        .distinct()
    ).all()
    queued = 0
    for user_id in users:
        settings = db.session.get(NotificationSettings, user_id)
        if force or not settings.last_digest_at or now - settings.last_digest_at >= DIGEST_INTERVAL:
            enqueue("send_digest", {"user_id": user_id})
            queued += 1
    return queued


@handler("send_digest", batch=_smtp_session, batch_size=50)
def _send_digest_job(job: Job, connection: Connection | None) -> None:
    """One digest mail with everything owed to a weekly-digest user."""
    if connection is None:
        raise MailError("no SMTP server configured (MATCHMAKER_SMTP_HOST)")
    user = db.session.get(User, job.payload["user_id"])
    notes = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id, Notification.mail_pending.is_(True))
        .order_by(Notification.id)
    ).all()
    if not notes:
        return
    ids, to = [note.id for note in notes], user.email
    subject, text = f"[产教融合平台] 本周通知（{len(notes)} 条）", _mail_text(notes)
    with slow_io():
        _send(connection, to, subject, text)
    now = utcnow()
    for note in db.session.scalars(select(Notification).where(Notification.id.in_(ids))):
        note.mail_pending, note.mailed_at = False, now
    settings_for(db.session.get(User, job.payload["user_id"])).last_digest_at = now


def _mail_text(notes: list[Notification]) -> str:
    site_url = current_app.config["MATCHMAKER_SITE_URL"]
    parts = []
    for note in notes:
        parts.append(f"【{KIND_NAMES.get(note.kind, note.kind)}】{note.title}\n{note.body}".strip())
        if note.link:
            parts.append(site_url.rstrip("/") + note.link)
    parts.append(f"\n管理通知设置：{site_url.rstrip('/')}/notifications/settings")
    return "\n\n".join(parts)


def _already_told(user: User, kind: str, link: str) -> bool:
    return (
        db.session.scalar(
            select(Notification.id).where(
                Notification.user_id == user.id, Notification.kind == kind, Notification.link == link
            )
        )
        is not None
    )
