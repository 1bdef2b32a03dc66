"""Contact between organizations: requests that the other side answers, and marks on matches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.base import UTCDateTime, utcnow
from matchmaker.models.organizations import Organization
from matchmaker.models.postings import Posting

CONTACT_STATUSES = ("pending", "accepted", "declined")
MATCH_MARKS = ("interested", "not_interested")


class ContactRequest(db.Model):
    """One organization asks another for contact; details are shown once the other accepts."""

    __tablename__ = "contact_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    to_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The postings the request is about (a need and the offer that answers it), when there are.
    from_posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    to_posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    from_organization: Mapped[Organization] = relationship(foreign_keys=[from_organization_id], lazy="joined")
    to_organization: Mapped[Organization] = relationship(foreign_keys=[to_organization_id], lazy="joined")
    from_posting: Mapped[Posting | None] = relationship(foreign_keys=[from_posting_id])
    to_posting: Mapped[Posting | None] = relationship(foreign_keys=[to_posting_id])


class MatchMark(db.Model):
    """What an organization thinks of a recommended counterpart for one of its postings."""

    __tablename__ = "match_marks"
    __table_args__ = (UniqueConstraint("posting_id", "counterpart_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    counterpart_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"))
    mark: Mapped[str] = mapped_column(String(20))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
