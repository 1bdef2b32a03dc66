"""Cooperation projects (校企合作项目): partners, figures, history, and the demonstration library fields."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.base import HasSectors, Timestamped, UTCDateTime, utcnow
from matchmaker.models.organizations import Organization

PROJECT_STATUSES = ("agreement", "approved", "in_progress", "closed", "stopped")
LIBRARY_STATUSES = ("nominated", "published", "declined")  # None: never nominated
FIGURES = ("students_trained", "apprentices", "teachers_placed", "mentors")
INVESTMENTS = ("school_investment", "enterprise_investment")


class Project(HasSectors, Timestamped, db.Model):
    """A school–enterprise cooperation project; it counts only when every partner has confirmed.

    The demonstration library (示范项目库) is the subset with `library_status == "published"`.
    """

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    type_code: Mapped[str] = mapped_column(String(40), index=True)  # cooperation_types.json
    description: Mapped[str] = mapped_column(Text, default="")
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True, default="agreement")
    students_trained: Mapped[int] = mapped_column(Integer, default=0)
    apprentices: Mapped[int] = mapped_column(Integer, default=0)
    teachers_placed: Mapped[int] = mapped_column(Integer, default=0)
    mentors: Mapped[int] = mapped_column(Integer, default=0)
    school_investment: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))  # yuan
    enterprise_investment: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))  # yuan
    outcomes: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"title": …, "url": …}]
    majors: Mapped[list[str]] = mapped_column(JSON, default=list)  # major names or codes
    occupations: Mapped[list[str]] = mapped_column(JSON, default=list)  # occupation codes
    # The meeting the project came from, so every such project can be traced to it.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Optimistic locking, as on Event: two editors cannot overwrite each other's changes silently.
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Demonstration library (示范项目库).
    library_status: Mapped[str | None] = mapped_column(String(20), index=True)
    nominated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # {criterion code: {"met": bool, "note": str}} for the criteria in cooperation_types.json.
    review_notes: Mapped[dict | None] = mapped_column(JSON)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partners: Mapped[list[ProjectPartner]] = relationship(
        back_populates="project", cascade="all, delete-orphan", lazy="selectin", order_by="ProjectPartner.id"
    )
    history: Mapped[list[ProjectChange]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectChange.id"
    )
    sector_links: Mapped[list[ProjectSector]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectSector.position"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def counted(self) -> bool:
        """Every partner has confirmed: the project counts in figures and may enter the library."""
        return bool(self.partners) and all(partner.confirmed_at is not None for partner in self.partners)

    @property
    def organization_ids(self) -> list[int]:
        return [partner.organization_id for partner in self.partners]

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.type_code} {self.title}>"


class ProjectPartner(db.Model):
    """An organization in a project, with its role; it confirms its part before the project counts."""

    __tablename__ = "project_partners"
    __table_args__ = (UniqueConstraint("project_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="partner")  # cooperation_types.json partner_roles
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    project: Mapped[Project] = relationship(back_populates="partners")
    organization: Mapped[Organization] = relationship(lazy="joined")


class ProjectChange(db.Model):
    """One step in a project's history: created, a status change, an edit, a confirmation, a library decision."""

    __tablename__ = "project_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    occurred_on: Mapped[date | None] = mapped_column(Date)  # the step's own date, e.g. the signing day
    note: Mapped[str] = mapped_column(Text, default="")

    project: Mapped[Project] = relationship(back_populates="history")


class ProjectSector(db.Model):
    __tablename__ = "project_sectors"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    sector_code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
