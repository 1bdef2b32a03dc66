"""The pilot policy's registries (政策台账): industry mentor posts, teachers' enterprise practice,
alliances and pilot designations (黔发改社会〔2020〕472号).

Each is a plain record kept by coordinators (mentor posts and teacher placements also by the
school or enterprise concerned); `matchmaker.registries` describes how each is listed,
filtered, counted, exported and imported.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.base import HasSectors, Timestamped
from matchmaker.models.organizations import Organization
from matchmaker.models.postings import Posting

ALLIANCE_ROLES = {
    "chair": "理事长单位",
    "vice_chair": "副理事长单位",
    "secretariat": "秘书长单位",
    "member": "成员单位",
}
ALLIANCE_LEVELS = {"province": "省级", "prefecture": "市州级"}
DESIGNATION_KINDS = {
    "city": "产教融合型城市",
    "alliance": "产教融合联盟",
    "enterprise": "产教融合型企业",
    "base": "产教融合示范基地",
    "project": "产教融合工程项目（实验实习实训基地）",
}
DESIGNATION_LEVELS = {"national": "国家级", "province": "省级", "prefecture": "市州级"}


class MentorPost(Timestamped, db.Model):
    """An enterprise's person holding an industry mentor post (产业导师特设岗位) at a school."""

    __tablename__ = "mentor_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_name: Mapped[str] = mapped_column(String(50))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    major: Mapped[str] = mapped_column(String(100), default="")
    post_title: Mapped[str] = mapped_column(String(100), default="")
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)  # None: still holding the post
    hours_per_year: Mapped[int | None] = mapped_column(Integer)
    # The school's mentor need or the enterprise's mentor offer the post was filled from.
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    enterprise: Mapped[Organization] = relationship(foreign_keys=[enterprise_id], lazy="joined")
    school: Mapped[Organization] = relationship(foreign_keys=[school_id], lazy="joined")
    posting: Mapped[Posting | None] = relationship()


class TeacherPlacement(Timestamped, db.Model):
    """A school's teacher in practice at an enterprise (专任教师到企业定期实践) for a period."""

    __tablename__ = "teacher_placements"

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_name: Mapped[str] = mapped_column(String(50))
    school_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    subject: Mapped[str] = mapped_column(String(100), default="")  # the major or course the teacher teaches
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    school: Mapped[Organization] = relationship(foreign_keys=[school_id], lazy="joined")
    enterprise: Mapped[Organization] = relationship(foreign_keys=[enterprise_id], lazy="joined")

    @property
    def days(self) -> int:
        """Calendar days of the placement, first and last day included."""
        return (self.ends_on - self.starts_on).days + 1


class Alliance(HasSectors, Timestamped, db.Model):
    """An industry–education group or alliance (产教融合集团/联盟) and its member organizations."""

    __tablename__ = "alliances"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lead_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    guiding_department: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(12))  # ALLIANCE_LEVELS
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    founded_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    lead: Mapped[Organization] = relationship(lazy="joined")
    members: Mapped[list[AllianceMember]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AllianceMember.position"
    )
    sector_links: Mapped[list[AllianceSector]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AllianceSector.position"
    )


class AllianceMember(db.Model):
    __tablename__ = "alliance_members"

    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")  # ALLIANCE_ROLES
    position: Mapped[int] = mapped_column(Integer, default=0)

    organization: Mapped[Organization] = relationship(lazy="joined")


class AllianceSector(db.Model):
    __tablename__ = "alliance_sectors"

    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id", ondelete="CASCADE"), primary_key=True)
    sector_code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PilotDesignation(Timestamped, db.Model):
    """A pilot designation: a city (by region code), an alliance, or an organization (enterprise, base, project).

    `region_code` is the subject's region, copied when the designation is recorded, so a
    designation stays where it was made when an organization moves.
    """

    __tablename__ = "pilot_designations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # DESIGNATION_KINDS
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    alliance_id: Mapped[int | None] = mapped_column(ForeignKey("alliances.id", ondelete="CASCADE"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(200))
    designated_on: Mapped[date] = mapped_column(Date, index=True)
    level: Mapped[str] = mapped_column(String(12))  # DESIGNATION_LEVELS
    issued_by: Mapped[str] = mapped_column(String(200))
    document_number: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organization: Mapped[Organization | None] = relationship(lazy="joined")
    alliance: Mapped[Alliance | None] = relationship(lazy="joined")
