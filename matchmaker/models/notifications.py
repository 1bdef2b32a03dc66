"""In-app notifications, their e-mail delivery, and what each user wants to receive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.extensions import db
from matchmaker.models.base import UTCDateTime, utcnow

NOTIFICATION_KINDS = ("new_match", "contact_request", "contact_answer", "event", "project")
EMAIL_MODES = ("immediate", "weekly", "off")


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")  # a path inside the site
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # True while an e-mail (alone or in the weekly digest) is owed; set when created for users who want mail.
    mail_pending: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationSettings(db.Model):
    """Which notifications a user gets, and how e-mail delivers them. Defaults: all, mailed at once."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    new_match: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_request: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_answer: Mapped[bool] = mapped_column(Boolean, default=True)
    event: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # matchmaking events
    project: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # cooperation projects
    email_mode: Mapped[str] = mapped_column(String(12), default="immediate")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))
