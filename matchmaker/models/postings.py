"""Postings: one need or offer of an organization."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, and_, or_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.base import HasSectors, Timestamped, UTCDateTime, local_today
from matchmaker.models.organizations import Organization


class Posting(HasSectors, Timestamped, db.Model):
    __tablename__ = "postings"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10), index=True)  # need | offer
    category: Mapped[str] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    quantity: Mapped[int | None] = mapped_column(Integer)  # headcount or places
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), index=True, default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Crosswalk tags ("major:460103", "occupation:6-18-01-01") the poster confirmed; None until
    # then, and the index uses the crosswalk's suggestions instead.
    tags: Mapped[list[str] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    organization: Mapped[Organization] = relationship(back_populates="postings", lazy="joined")
    sector_links: Mapped[list[PostingSector]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PostingSector.position"
    )

    @property
    def expired(self) -> bool:
        """Published but past `valid_until`: out of search until renewed."""
        return self.status == "published" and self.valid_until is not None and self.valid_until < local_today()

    @hybrid_property
    def indexed(self) -> bool:
        """What the search index holds: published by an open organization (expiry is filtered per query)."""
        return self.status == "published" and self.organization.open

    @indexed.inplace.expression
    @classmethod
    def _indexed_condition(cls):
        return and_(cls.status == "published", cls.organization.has(Organization.open))

    @hybrid_property
    def listed(self) -> bool:
        """Public: indexed and not past `valid_until`. Pages, the API, search and exports all use this rule."""
        return self.indexed and not self.expired

    @listed.inplace.expression
    @classmethod
    def _listed_condition(cls):
        return and_(cls.indexed, or_(cls.valid_until.is_(None), cls.valid_until >= local_today()))

    def __repr__(self) -> str:
        return f"<Posting {self.id} {self.direction}/{self.category} {self.title}>"


class PostingSector(db.Model):
    __tablename__ = "posting_sectors"

    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True)
    sector_code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
