"""Organizations: enterprises and schools."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.base import HasSectors, Timestamped, UTCDateTime


class Organization(HasSectors, Timestamped, db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), index=True)  # enterprise | school
    subtype: Mapped[str | None] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    sector_links: Mapped[list[OrganizationSector]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="OrganizationSector.position"
    )
    postings = relationship("Posting", back_populates="organization", lazy="dynamic")

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @hybrid_property
    def open(self) -> bool:
        """Verified and not closed: shown in directories, its published postings public. Also a SQL condition."""
        return self.verified_at is not None and self.closed_at is None

    @open.inplace.expression
    @classmethod
    def _open_condition(cls):
        return and_(cls.verified_at.is_not(None), cls.closed_at.is_(None))

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.ref or ''} {self.name}>"


class OrganizationSector(db.Model):
    __tablename__ = "organization_sectors"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    sector_code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
