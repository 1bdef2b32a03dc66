"""Notifications: in the app, and by e-mail at once or in a weekly digest, as each user chooses.

`notify` records notifications in the caller's transaction; `deliver_mail` sends what is owed
after the commit (a failed send stays owed and is retried). New postings are announced to the
organizations whose postings they match well (`announce_matches`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from matchmaker.errors import InvalidInput, Message
from matchmaker.extensions import db
from matchmaker.mail import Mailer, MailError
from matchmaker.models import Notification, NotificationSettings, Posting, User, utcnow
from matchmaker.models.notifications import EMAIL_MODES, NOTIFICATION_KINDS
from matchmaker.organizations import members_of

log = logging.getLogger(__name__)
DIGEST_INTERVAL = timedelta(days=7)
KIND_NAMES = {
    "new_match": "新的匹配",
    "contact_request": "联系请求",
    "contact_answer": "联系请求的答复",
    "event": "对接活动",
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
    created = []
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
    db.session.flush()
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


def deliver_mail(mailer: Mailer | None, site_url: str) -> int:
    """Send each owed notification of users who want mail at once; return how many were sent.

    Runs after the request's own commit and commits each sent mail, so a crash never mails twice.
    """
    if mailer is None:
        return 0
    sent = 0
    rows = db.session.execute(
        select(Notification, User, NotificationSettings)
        .join(User, User.id == Notification.user_id)
        .join(NotificationSettings, NotificationSettings.user_id == User.id)
        .where(Notification.mail_pending.is_(True), NotificationSettings.email_mode == "immediate")
        .order_by(Notification.id)
    ).all()
    for note, user, _ in rows:
        try:
            mailer.send(user.email, f"[产教融合平台] {note.title}", _mail_text([note], site_url))
        except MailError as exc:
            log.warning("mail to %s not sent (kept for retry): %s", user.email, exc)
            break
        note.mail_pending, note.mailed_at = False, utcnow()
        db.session.commit()
        sent += 1
    return sent


def send_digests(mailer: Mailer, site_url: str, *, force: bool = False) -> int:
    """Send one mail per weekly-digest user with what is owed, at most once a week; return mails sent."""
    now = utcnow()
    owed: dict[int, list[Notification]] = defaultdict(list)
    for note in db.session.scalars(
        select(Notification)
        .join(NotificationSettings, NotificationSettings.user_id == Notification.user_id)
        .where(Notification.mail_pending.is_(True), NotificationSettings.email_mode == "weekly")
        .order_by(Notification.id)
    ):
        owed[note.user_id].append(note)
    sent = 0
    for user_id, notes in owed.items():
        user, settings = db.session.get(User, user_id), db.session.get(NotificationSettings, user_id)
        if not force and settings.last_digest_at and now - settings.last_digest_at < DIGEST_INTERVAL:
            continue
        mailer.send(user.email, f"[产教融合平台] 本周通知（{len(notes)} 条）", _mail_text(notes, site_url))
        for note in notes:
            note.mail_pending, note.mailed_at = False, now
        settings.last_digest_at = now
        db.session.commit()
        sent += 1
    return sent


def _mail_text(notes: list[Notification], site_url: str) -> str:
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
