"""Matchmaking events: slots, tables, participants, meeting requests, meetings and their outcomes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.base import HasSectors, Timestamped, UTCDateTime, utcnow
from matchmaker.models.organizations import Organization

EVENT_STATUSES = ("draft", "open", "published", "closed")  # published: the schedule is out
PARTICIPANT_STATUSES = ("pending", "approved", "declined")
REQUEST_STATUSES = ("pending", "accepted", "declined", "expired", "withdrawn")
OUTCOME_LABELS = {
    "no_interest": "无合作意向",
    "follow_up": "需进一步沟通",
    "intention": "达成合作意向",
    "agreement": "签订合作协议",
}
OUTCOMES = tuple(OUTCOME_LABELS)
OUTCOME_STAGE_LABELS = {"event": "活动现场", "follow_up": "会后回访"}  # at the event, or the survey months later
OUTCOME_STAGES = tuple(OUTCOME_STAGE_LABELS)


class Event(HasSectors, Timestamped, db.Model):
    """A matchmaking event; `sectors` (the sectors in focus) are `EventSector` rows like postings' sectors."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    held_on: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(6))
    registration_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    request_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=True)
    min_meetings: Mapped[int] = mapped_column(Integer, default=0)  # per participant, a goal
    max_meetings: Mapped[int | None] = mapped_column(Integer)  # per participant, a limit
    status: Mapped[str] = mapped_column(String(12), default="draft")
    schedule_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last solver run on this event: status, objective, bound, gap, seconds (for the coordinator).
    schedule_report: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Optimistic locking: two coordinators cannot overwrite each other's changes silently.
    version: Mapped[int] = mapped_column(Integer, default=1)

    slots: Mapped[list[EventSlot]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventSlot.starts_at"
    )
    tables: Mapped[list[EventTable]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventTable.position"
    )
    participants: Mapped[list[EventParticipant]] = relationship(back_populates="event", cascade="all, delete-orphan")
    sector_links: Mapped[list[EventSector]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="EventSector.position"
    )

    __mapper_args__ = {"version_id_col": version}


class EventSector(db.Model):
    __tablename__ = "event_sectors"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    sector_code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class EventSlot(db.Model):
    __tablename__ = "event_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="slots")


class EventTable(db.Model):
    __tablename__ = "event_tables"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship(back_populates="tables")


class EventParticipant(db.Model):
    """An organization registered for an event."""

    __tablename__ = "event_participants"
    __table_args__ = (UniqueConstraint("event_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    unavailable_slot_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="participants")
    organization: Mapped[Organization] = relationship(lazy="joined")


class MeetingRequest(db.Model):
    __tablename__ = "meeting_requests"
    __table_args__ = (UniqueConstraint("event_id", "from_participant_id", "to_participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    from_participant_id: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"))
    to_participant_id: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"))
    priority: Mapped[int] = mapped_column(Integer, default=3)  # 1 (low) … 5 (high)
    reason: Mapped[str] = mapped_column(String(200), default="")
    match_score: Mapped[float] = mapped_column(Float, default=1.0)  # from matching, when the request was made
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    from_participant: Mapped[EventParticipant] = relationship(foreign_keys=[from_participant_id], lazy="joined")
    to_participant: Mapped[EventParticipant] = relationship(foreign_keys=[to_participant_id], lazy="joined")


class Meeting(db.Model):
    """An accepted request placed at a slot and a table."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("meeting_requests.id", ondelete="CASCADE"), unique=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("event_slots.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(ForeignKey("event_tables.id", ondelete="CASCADE"))
    published: Mapped[bool] = mapped_column(Boolean, default=False)

    request: Mapped[MeetingRequest] = relationship(lazy="joined")
    slot: Mapped[EventSlot] = relationship(lazy="joined")
    table: Mapped[EventTable] = relationship(lazy="joined")


class MeetingOutcome(db.Model):
    """What one side says came of a meeting, at the event or in the follow-up survey."""

    __tablename__ = "meeting_outcomes"
    __table_args__ = (UniqueConstraint("meeting_id", "organization_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    stage: Mapped[str] = mapped_column(String(12), default="event")
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
