"""SQLAlchemy tables, one module per aggregate."""

from matchmaker.models.base import local_today, utcnow
from matchmaker.models.contacts import ContactRequest, MatchMark
from matchmaker.models.events import (
    Event,
    EventParticipant,
    EventSector,
    EventSlot,
    EventTable,
    Meeting,
    MeetingOutcome,
    MeetingRequest,
)
from matchmaker.models.indexing import IndexOperation
from matchmaker.models.jobs import Job, WorkerHeartbeat
from matchmaker.models.notifications import Notification, NotificationSettings
from matchmaker.models.organizations import Organization, OrganizationSector
from matchmaker.models.postings import Posting, PostingSector
from matchmaker.models.projects import Project, ProjectChange, ProjectPartner, ProjectSector
from matchmaker.models.registries import (
    Alliance,
    AllianceMember,
    AllianceSector,
    MentorPost,
    PilotDesignation,
    TeacherPlacement,
)
from matchmaker.models.users import ApiToken, User

__all__ = [
    "Alliance",
    "AllianceMember",
    "AllianceSector",
    "ApiToken",
    "ContactRequest",
    "Event",
    "EventParticipant",
    "EventSector",
    "EventSlot",
    "EventTable",
    "IndexOperation",
    "Job",
    "MatchMark",
    "Meeting",
    "MeetingOutcome",
    "MeetingRequest",
    "MentorPost",
    "Notification",
    "NotificationSettings",
    "Organization",
    "OrganizationSector",
    "PilotDesignation",
    "Posting",
    "PostingSector",
    "Project",
    "ProjectChange",
    "ProjectPartner",
    "ProjectSector",
    "TeacherPlacement",
    "User",
    "WorkerHeartbeat",
    "local_today",
    "utcnow",
]
