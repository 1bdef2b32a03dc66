"""The outbox of index changes, written in the same transaction as the data it concerns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.extensions import db
from matchmaker.models.base import UTCDateTime, utcnow


class IndexOperation(db.Model):
    """'Posting N changed': the sync step re-reads the posting and upserts or deletes its document.

    No foreign key: the operation must outlive a deleted posting so its document leaves the index.
    """

    __tablename__ = "index_operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A change the index refused (e.g. a document it cannot map) waits before it is tried again,
    # so it never holds up the changes recorded after it.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retry_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
