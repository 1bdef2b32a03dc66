"""Matchmaking event operations: the rules a coordinator, an enterprise and a school meet, whatever page,
API call or command uses them.

Each test sets up an event through the services (as a coordinator and the organizations' members would),
commits where a request would, and checks what people see: slots and tables, registrations, requests and
their notifications, the schedule, agendas, check-in and outcomes. Schedules are checked by an independent
validator here rather than by trusting the scheduler's report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import select

from matchmaker.errors import Conflict, InvalidInput, PermissionDenied
from matchmaker.events import operations as ops
from matchmaker.extensions import db
from matchmaker.indexing import get_search_index
from matchmaker.models import (
    Event,
    EventParticipant,
    EventSlot,
    EventTable,
    Meeting,
    MeetingOutcome,
    MeetingRequest,
    Notification,
    Organization,
    User,
)
from matchmaker.models.base import LOCAL_TZ
from tests.helpers import event_input

ORGANIZATIONS = {  # key → (kind, name)
    "factory": ("enterprise", "贵州精工机床有限公司"),
    "mine": ("enterprise", "盘江煤电集团"),
    "college": ("school", "遵义职业技术学院"),
    "academy": ("school", "黔南民族职业技术学院"),
}
SOLVER_SECONDS = 5.0


@dataclass
class Fair:
    """An event with two enterprises and two schools; loads its rows inside an app context.

    The college has two members, the other organizations one each; the coordinator belongs to none.
    """

    event_id: int
    coordinator_id: int
    org_ids: dict[str, int]
    member_ids: dict[str, int]

    def event(self) -> Event:
        return db.session.get(Event, self.event_id)

    def coordinator(self) -> User:
        return db.session.get(User, self.coordinator_id)

    def member(self, key: str) -> User:
        return db.session.get(User, self.member_ids[key])

    def org(self, key: str) -> Organization:
        return db.session.get(Organization, self.org_ids[key])

    def participant(self, key: str) -> EventParticipant:
        return ops.participant_of(self.event(), self.org_ids[key])

    def ask(self, sender: str, receiver: str, *, priority: int = 3, index: Any = None) -> MeetingRequest:
        """A member of `sender` asks `receiver` for a meeting."""
        return ops.request_meeting(
            self.event(),
            self.participant(sender),
            self.participant(receiver),
            self.member(sender),
            priority=priority,
            reason="希望洽谈订单班合作",
            index=index,
        )

    def agree(self, sender: str, receiver: str, *, priority: int = 3) -> MeetingRequest:
        """A request that the receiver accepted."""
        return ops.answer_request(self.ask(sender, receiver, priority=priority), True, self.member(receiver))

    def build(self, **options: Any):
        event = self.event()
        return ops.build_schedule(event, self.coordinator(), event.version, time_limit=SOLVER_SECONDS, **options)

    def publish(self) -> int:
        event = self.event()
        return ops.publish_schedule(event, self.coordinator(), event.version)

    def meetings(self) -> list[Meeting]:
        return list(db.session.scalars(select(Meeting).where(Meeting.event_id == self.event_id).order_by(Meeting.id)))

    def meeting_between(self, a: str, b: str) -> Meeting | None:
        orgs = {self.org_ids[a], self.org_ids[b]}
        return next(
            (
                m
                for m in self.meetings()
                if {m.request.from_participant.organization_id, m.request.to_participant.organization_id} == orgs
            ),
            None,
        )

    def notes(self, member: str, page: str = "") -> list[Notification]:
        """The member's notifications that link to this event (to `page` of it, if given)."""
        prefix = f"/events/{self.event_id}/{page}"
        return [
            n
            for n in db.session.scalars(
                select(Notification).where(Notification.user_id == self.member_ids[member]).order_by(Notification.id)
            )
            if n.link.startswith(prefix)
        ]


@pytest.fixture
def make_fair(app, make_org, make_user, make_event):
    """`make_fair(**event_fields)`: an open event; every organization registered and approved unless told."""

    def make(*, register: bool = True, **event_fields: Any) -> Fair:
        coordinator, _ = make_user(role="coordinator")
        orgs = {key: make_org(kind=kind, name=name) for key, (kind, name) in ORGANIZATIONS.items()}
        members = {key: make_user(org=org)[0].id for key, org in orgs.items()}
        members["college_2"] = make_user(org=orgs["college"])[0].id
        event_id = make_event(opened=True, by=coordinator, **event_fields).id
        if register:
            with app.app_context():
                event, actor = db.session.get(Event, event_id), db.session.get(User, coordinator.id)
                for key in ORGANIZATIONS:
                    participant = ops.register(event, db.session.get(User, members[key]))
                    if participant.status == "pending":
                        ops.decide_registration(participant, True, actor)
                db.session.commit()
        return Fair(event_id, coordinator.id, {key: org.id for key, org in orgs.items()}, members)

    return make


def fields_of(error: pytest.ExceptionInfo) -> dict[str, str]:
    """Field → its English message (the last one if several), from an InvalidInput."""
    return {path: message for path, message in ((e["field"], e["message"]) for e in error.value.field_errors())}


def check_schedule(fair: Fair) -> list[Meeting]:
    """The event's meetings, after checking every rule a schedule must keep."""
    meetings = fair.meetings()
    busy: set[tuple[int, int]] = set()
    tables: set[tuple[int, int]] = set()
    for meeting in meetings:
        request = meeting.request
        assert request.status == "accepted"
        assert meeting.slot.event_id == meeting.table.event_id == fair.event_id
        for side in (request.from_participant, request.to_participant):
            assert (side.id, meeting.slot_id) not in busy, "a participant is in two meetings at once"
            busy.add((side.id, meeting.slot_id))
            assert meeting.slot_id not in side.unavailable_slot_ids, "a meeting in a slot marked unavailable"
        assert (meeting.slot_id, meeting.table_id) not in tables, "two meetings at one table at once"
        tables.add((meeting.slot_id, meeting.table_id))
    assert len({m.request_id for m in meetings}) == len(meetings)
    return meetings


# --------------------------------------------------------------------------- creating and changing events


def test_a_coordinator_creates_an_event_with_consecutive_slots_in_china_time(app, make_user):
    coordinator, _ = make_user(role="coordinator")
    with app.app_context():
        event = ops.create_event(
            event_input(
                held_on="2031-05-20", first_slot="14:00", slot_minutes=20, slot_count=4, pause_minutes=5, table_count=3
            ),
            db.session.get(User, coordinator.id),
        )
        db.session.commit()
        event_id = event.id

    with app.app_context():
        event = db.session.get(Event, event_id)
        starts = [slot.starts_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") for slot in event.slots]
        assert starts == ["2031-05-20 14:00", "2031-05-20 14:25", "2031-05-20 14:50", "2031-05-20 15:15"]
        assert event.slots[0].starts_at == datetime(2031, 5, 20, 6, 0, tzinfo=UTC)  # 14:00 in China is 06:00 UTC
        assert all(s.ends_at - s.starts_at == timedelta(minutes=20) for s in event.slots)
        assert all(b.starts_at - a.ends_at == timedelta(minutes=5) for a, b in pairwise(event.slots))
        assert [t.name for t in event.tables] == ["1", "2", "3"]
        assert event.status == "draft" and event.created_by_id == coordinator.id


def test_tables_can_be_named_instead_of_counted(app, make_user):
    coordinator, _ = make_user(role="coordinator")
    with app.app_context():
        data = event_input(table_count=None, table_names="A区1号，A区2号\nB区1号", slot_count=1, pause_minutes=0)
        event = ops.create_event(data, db.session.get(User, coordinator.id))
        db.session.commit()
        event_id = event.id

    with app.app_context():
        event = db.session.get(Event, event_id)
        assert [(t.name, t.position) for t in event.tables] == [("A区1号", 0), ("A区2号", 1), ("B区1号", 2)]
        assert len(event.slots) == 1


def test_a_member_cannot_create_an_event(app, make_org, make_user, count):
    member, _ = make_user(org=make_org())
    with app.app_context():
        with pytest.raises(PermissionDenied):
            ops.create_event(event_input(), db.session.get(User, member.id))
        db.session.commit()
    assert count(Event) == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"registration_deadline": "2030-06-10T12:00:00", "request_deadline": "2030-06-09T12:00:00"},
            "request_deadline",
        ),
        ({"min_meetings": 5, "max_meetings": 2}, "max_meetings"),
    ],
)
def test_inconsistent_event_details_are_refused_and_nothing_is_written(app, make_user, count, fields, field):
    coordinator, _ = make_user(role="coordinator")
    with app.app_context():
        with pytest.raises(InvalidInput) as refused:
            ops.create_event(event_input(**fields), db.session.get(User, coordinator.id))
        db.session.commit()  # a caller committing after the error must still write nothing
        assert list(refused.value.fields) == [field]
    assert (count(Event), count(EventSlot), count(EventTable)) == (0, 0, 0)


def test_a_second_coordinator_working_from_an_old_version_gets_a_conflict(app, make_fair, make_user):
    fair = make_fair()
    other, _ = make_user(role="coordinator")
    with app.app_context():
        seen = fair.event().version  # both coordinators open the edit form at this version

    with app.app_context():
        event = fair.event()
        ops.update_event(event, event_input(title="装备制造校企洽谈会（第二场）"), fair.coordinator(), seen)
        db.session.commit()
        assert event.version == seen + 1

    with app.app_context():
        with pytest.raises(Conflict) as stale:
            ops.update_event(fair.event(), event_input(venue="贵阳国际会议中心"), db.session.get(User, other.id), seen)
        assert f"version {seen + 1}" in stale.value.message.en and f"you saw {seen}" in stale.value.message.en
        assert f"版本 {seen + 1}" in stale.value.message.zh
        db.session.rollback()

    with app.app_context():
        event = fair.event()
        assert event.title == "装备制造校企洽谈会（第二场）" and event.venue == "遵义市会展中心"
        # Reloaded, the second coordinator can make the change.
        ops.update_event(
            event,
            event_input(title=event.title, venue="贵阳国际会议中心"),
            db.session.get(User, other.id),
            event.version,
        )
        db.session.commit()
        assert fair.event().venue == "贵阳国际会议中心"


def test_changing_only_the_tables_also_makes_older_versions_stale(app, make_fair, make_user):
    fair = make_fair()
    other, _ = make_user(role="coordinator")
    with app.app_context():
        seen = fair.event().version

    with app.app_context():
        ops.update_event(fair.event(), event_input(table_count=5), fair.coordinator(), seen)
        db.session.commit()

    with app.app_context():
        # The other coordinator's form still shows 2 tables: saving a new venue from it must not drop the 3 added.
        try:
            ops.update_event(fair.event(), event_input(venue="贵阳国际会议中心"), db.session.get(User, other.id), seen)
        except Conflict:
            db.session.rollback()
        db.session.commit()

    with app.app_context():
        assert len(fair.event().tables) == 5


def test_building_and_publishing_from_a_stale_version_are_refused(app, make_fair):
    fair = make_fair()
    with app.app_context():
        fair.agree("factory", "college")
        db.session.commit()
        before = fair.event().version
        event = fair.event()
        ops.update_event(event, event_input(venue="遵义市会展中心 B 馆"), fair.coordinator(), before)
        db.session.commit()

        with pytest.raises(Conflict):
            ops.build_schedule(event, fair.coordinator(), before, time_limit=SOLVER_SECONDS)
        assert fair.meetings() == []

        built_from = event.version
        ops.build_schedule(event, fair.coordinator(), built_from, time_limit=SOLVER_SECONDS)
        db.session.commit()
        assert event.version > built_from  # the solver's report changed the event

        with pytest.raises(Conflict):
            ops.publish_schedule(event, fair.coordinator(), built_from)
        assert event.status == "open" and not any(m.published for m in fair.meetings())
        assert ops.publish_schedule(event, fair.coordinator(), event.version) == 1


# --------------------------------------------------------------------------- registration


def test_registration_waits_for_approval_and_registering_again_changes_nothing(app, make_fair, count):
    fair = make_fair(requires_approval=True, register=False)
    with app.app_context():
        event = fair.event()
        participant = ops.register(event, fair.member("college"))
        assert participant.status == "pending"
        again = ops.register(event, fair.member("college_2"))  # a colleague registers too
        assert again.id == participant.id
        with pytest.raises(PermissionDenied):
            ops.decide_registration(participant, True, fair.member("factory"))
        ops.decide_registration(participant, True, fair.coordinator())
        db.session.commit()
        assert fair.participant("college").status == "approved"
    assert count(EventParticipant) == 1


def test_registration_closes_at_its_deadline(app, make_fair, count):
    now = datetime.now(UTC)
    fair = make_fair(
        register=False,
        registration_deadline=(now - timedelta(hours=1)).isoformat(),
        request_deadline=(now + timedelta(days=3)).isoformat(),
    )
    with app.app_context():
        with pytest.raises(InvalidInput) as closed:
            ops.register(fair.event(), fair.member("factory"))
        assert "Registration is closed" in fields_of(closed)["event"]
    assert count(EventParticipant) == 0


def test_registration_is_closed_while_the_event_is_a_draft(app, make_fair):
    fair = make_fair(register=False)
    with app.app_context():
        event = fair.event()
        ops.set_event_status(event, "draft", fair.coordinator(), event.version)
        with pytest.raises(InvalidInput):
            ops.register(event, fair.member("factory"))


def test_unknown_unavailable_slots_are_refused(app, make_fair, make_event):
    fair = make_fair()
    other_event = make_event(title="另一场洽谈会")
    with app.app_context():
        foreign = db.session.get(Event, other_event.id).slots[0].id
        participant = fair.participant("factory")
        own = [slot.id for slot in fair.event().slots]

        with pytest.raises(InvalidInput) as refused:
            ops.set_unavailable(participant, [own[0], foreign], fair.member("factory"))
        assert list(refused.value.fields) == ["unavailable"]
        assert str(foreign) in fields_of(refused)["unavailable"]
        assert participant.unavailable_slot_ids == []

        with pytest.raises(PermissionDenied):
            ops.set_unavailable(participant, [own[0]], fair.member("mine"))
        ops.set_unavailable(participant, [own[2], own[0], own[2]], fair.member("factory"))
        assert participant.unavailable_slot_ids == sorted([own[0], own[2]])


# --------------------------------------------------------------------------- meeting requests


def test_only_approved_participants_ask_for_meetings(app, make_fair):
    fair = make_fair()
    with app.app_context():
        ops.decide_registration(fair.participant("college"), False, fair.coordinator())
        with pytest.raises(InvalidInput) as refused:
            fair.ask("factory", "college")
        assert "to_participant" in refused.value.fields
        with pytest.raises(InvalidInput):
            fair.ask("college", "factory")
        with pytest.raises(PermissionDenied):  # asking on another organization's behalf
            ops.request_meeting(
                fair.event(), fair.participant("academy"), fair.participant("factory"), fair.member("mine"), priority=3
            )


def test_one_request_per_pair_in_either_direction_while_pending_or_accepted(app, make_fair, count):
    fair = make_fair()
    with app.app_context():
        request = fair.ask("factory", "college")
        for sender, receiver in (("factory", "college"), ("college", "factory")):
            with pytest.raises(InvalidInput) as duplicate:
                fair.ask(sender, receiver)
            assert "already a request" in fields_of(duplicate)["to_participant"]
        ops.answer_request(request, True, fair.member("college"))
        with pytest.raises(InvalidInput):
            fair.ask("college", "factory")
        fair.ask("factory", "academy")  # another pair is fine
        db.session.commit()
    assert count(MeetingRequest) == 2


def test_a_declined_request_can_be_made_again(app, make_fair):
    fair = make_fair()
    with app.app_context():
        ops.answer_request(fair.ask("factory", "college"), False, fair.member("college"))
        again = fair.ask("factory", "college", priority=5)
        assert again.status == "pending"


@pytest.mark.parametrize("priority", [0, 6])
def test_priority_must_be_between_one_and_five(app, make_fair, count, priority):
    fair = make_fair()
    with app.app_context():
        with pytest.raises(InvalidInput) as refused:
            fair.ask("factory", "college", priority=priority)
        assert list(refused.value.fields) == ["priority"]
    assert count(MeetingRequest) == 0


def test_the_receiving_members_are_notified_and_only_they_answer_once(app, make_fair):
    fair = make_fair()
    with app.app_context():
        request = fair.ask("factory", "college")
        db.session.commit()
        assert len(fair.notes("college", "requests")) == len(fair.notes("college_2", "requests")) == 1
        assert "贵州精工机床有限公司" in fair.notes("college")[0].title
        assert fair.notes("factory") == [] and fair.notes("academy") == []

        for outsider in ("factory", "academy", "mine"):
            with pytest.raises(PermissionDenied):
                ops.answer_request(request, True, fair.member(outsider))
        assert request.status == "pending"

        ops.answer_request(request, True, fair.member("college_2"))
        assert request.status == "accepted" and request.answered_at is not None
        assert len(fair.notes("factory", "requests")) == 1  # the asking side hears the answer
        with pytest.raises(InvalidInput) as twice:
            ops.answer_request(request, False, fair.member("college"))
        assert list(twice.value.fields) == ["status"]
        assert request.status == "accepted"


def test_requests_after_the_request_deadline_are_refused(app, make_fair):
    now = datetime.now(UTC)
    fair = make_fair(
        registration_deadline=(now + timedelta(hours=1)).isoformat(),
        request_deadline=(now + timedelta(hours=2)).isoformat(),
    )
    with app.app_context():
        event = fair.event()
        event.request_deadline = now - timedelta(minutes=1)  # time has passed
        event.registration_deadline = now - timedelta(hours=1)
        with pytest.raises(InvalidInput) as closed:
            fair.ask("factory", "college")
        assert "deadline" in fields_of(closed)["event"]


# --------------------------------------------------------------------------- reminders and expiry


def test_pending_requests_are_reminded_once_a_day_and_expire_after_the_deadline(app, make_fair):
    fair = make_fair()
    with app.app_context():
        waiting = fair.ask("factory", "college")
        answered = fair.agree("mine", "college")
        db.session.commit()
        assert ops.remind_all() == (0, 0)  # asked just now: no reminder yet
        notified = len(fair.notes("college"))

        waiting.created_at -= timedelta(hours=25)
        answered.created_at -= timedelta(hours=25)
        db.session.commit()
        assert ops.remind_all() == (0, 1)
        db.session.commit()
        assert len(fair.notes("college")) == notified + 1 and len(fair.notes("college_2")) == notified + 1
        assert "贵州精工机床有限公司" in fair.notes("college")[-1].title
        assert ops.remind_all() == (0, 0)  # not again right after
        assert len(fair.notes("college")) == notified + 1

        waiting.reminded_at -= timedelta(hours=25)  # a day later
        assert ops.expire_and_remind(fair.event()) == (0, 1)

        event = fair.event()
        event.registration_deadline = event.request_deadline = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
        assert ops.remind_all() == (1, 0)
        db.session.commit()
        assert waiting.status == "expired" and waiting.answered_at is not None
        assert answered.status == "accepted"
        with pytest.raises(InvalidInput):
            ops.answer_request(waiting, True, fair.member("college"))


# --------------------------------------------------------------------------- the schedule


def test_the_schedule_places_every_accepted_request_and_keeps_every_rule(app, make_fair):
    fair = make_fair(slot_count=3, table_count=2)
    with app.app_context():
        accepted = [
            fair.agree("factory", "college", priority=5),
            fair.agree("factory", "academy", priority=3),
            fair.agree("mine", "college", priority=4),
        ]
        fair.ask("mine", "academy", priority=2)  # still pending: not scheduled
        slots = [slot.id for slot in fair.event().slots]
        ops.set_unavailable(fair.participant("factory"), [slots[0]], fair.member("factory"))
        ops.set_unavailable(fair.participant("college"), [slots[2]], fair.member("college"))
        db.session.commit()

        fair.build()
        db.session.commit()

        meetings = check_schedule(fair)
        assert sorted(m.request_id for m in meetings) == sorted(r.id for r in accepted)
        assert not any(m.published for m in meetings)
        report = fair.event().schedule_report
        assert report["status"] == "optimal"
        assert report["meetings"] == report["requests"] == 3
        assert report["objective"] == pytest.approx(sum(ops.request_weight(m.request) for m in meetings))


def test_with_one_slot_and_one_table_only_the_weightiest_request_is_met(app, make_fair):
    fair = make_fair(slot_count=1, table_count=1)
    with app.app_context():
        fair.agree("factory", "college", priority=2)
        heaviest = fair.agree("mine", "academy", priority=5)
        fair.agree("academy", "factory", priority=3)
        db.session.commit()

        fair.build()
        db.session.commit()

        assert [m.request_id for m in check_schedule(fair)] == [heaviest.id]
        report = fair.event().schedule_report
        assert report["status"] == "optimal" and report["requests"] == 3
        assert report["objective"] == pytest.approx(ops.request_weight(heaviest))


def published_meeting_and_a_newcomer(fair: Fair) -> tuple[Meeting, tuple[int, int]]:
    """Publish the factory–college meeting (2 slots, 1 table), then have the mine agree with the college
    and be free only in the published meeting's slot: both fit only if the published meeting moves."""
    fair.agree("factory", "college")
    fair.build()
    fair.publish()
    db.session.commit()
    published = fair.meeting_between("factory", "college")
    where = (published.slot_id, published.table_id)
    fair.agree("mine", "college", priority=5)
    others = [slot.id for slot in fair.event().slots if slot.id != published.slot_id]
    ops.set_unavailable(fair.participant("mine"), others, fair.member("mine"))
    db.session.commit()
    return published, where


def test_rescheduling_keeps_published_meetings_in_place(app, make_fair):
    fair = make_fair(slot_count=2, table_count=1)
    with app.app_context():
        published, where = published_meeting_and_a_newcomer(fair)

        fair.build()
        db.session.commit()

        kept = fair.meeting_between("factory", "college")
        assert kept.id == published.id and (kept.slot_id, kept.table_id) == where and kept.published
        assert fair.meeting_between("mine", "college") is None  # no room left beside the published meeting
        assert [m.id for m in check_schedule(fair)] == [published.id]
        assert fair.event().schedule_report["kept"] == 1


def test_rescheduling_may_move_published_meetings_when_asked(app, make_fair):
    fair = make_fair(slot_count=2, table_count=1)
    with app.app_context():
        _, where = published_meeting_and_a_newcomer(fair)

        fair.build(keep_published=False)
        db.session.commit()

        meetings = check_schedule(fair)
        assert len(meetings) == 2
        assert fair.meeting_between("factory", "college").slot_id != where[0]
        assert fair.event().schedule_report["objective"] == pytest.approx(
            sum(ops.request_weight(m.request) for m in meetings)
        )


def test_a_published_meeting_in_a_slot_marked_unavailable_later_needs_rearranging(app, make_fair):
    fair = make_fair(slot_count=3, table_count=1)
    with app.app_context():
        fair.agree("factory", "college")
        fair.build()
        fair.publish()
        db.session.commit()
        published = fair.meeting_between("factory", "college")
        clash_slot = published.slot_id
        ops.set_unavailable(fair.participant("college"), [clash_slot], fair.member("college"))
        db.session.commit()

        with pytest.raises(InvalidInput) as refused:
            fair.build()
        message = fields_of(refused)["keep_published"]
        assert "贵州精工机床有限公司" in message and "遵义职业技术学院" in message
        db.session.rollback()
        assert fair.meeting_between("factory", "college").slot_id == clash_slot

        fair.build(keep_published=False)
        db.session.commit()
        moved = check_schedule(fair)
        assert len(moved) == 1 and moved[0].slot_id != clash_slot


# --------------------------------------------------------------------------- agendas, the room and the day


def test_an_agenda_shows_published_meetings_in_time_order(app, make_fair):
    fair = make_fair(slot_count=3, table_count=2)
    with app.app_context():
        fair.agree("factory", "college")
        fair.agree("factory", "academy")
        fair.build()
        db.session.commit()
        factory = fair.participant("factory")
        assert ops.agenda(factory) == []  # a draft is not shown
        drafts = ops.agenda(factory, published_only=False)
        assert len(drafts) == 2

        # Make the meeting created first the later one, so creation order and time order differ.
        first, second = sorted(drafts, key=lambda m: m.id)
        if first.slot.starts_at < second.slot.starts_at:
            first.slot_id, second.slot_id = second.slot_id, first.slot_id
        db.session.commit()
        db.session.expire_all()

        fair.publish()
        db.session.commit()
        agenda = ops.agenda(fair.participant("factory"))
        assert [m.id for m in agenda] == [second.id, first.id]
        assert agenda[0].slot.starts_at < agenda[1].slot.starts_at
        assert {ops.other_side(m, factory).organization.name for m in agenda} == {
            "遵义职业技术学院",
            "黔南民族职业技术学院",
        }
        assert [m.id for m in ops.agenda(fair.participant("college"))] == [
            fair.meeting_between("factory", "college").id
        ]
        assert ops.agenda(fair.participant("mine")) == []


def test_the_room_plan_maps_each_slot_and_table_to_its_meeting(app, make_fair):
    fair = make_fair(slot_count=2, table_count=2)
    with app.app_context():
        fair.agree("factory", "college")
        fair.agree("mine", "academy")
        fair.agree("mine", "college")
        fair.build()
        db.session.commit()

        plan = ops.room_plan(fair.event())
        meetings = check_schedule(fair)
        assert len(plan) == len(meetings) == 3
        assert plan == {(m.slot_id, m.table_id): m for m in meetings}
        slot_ids = {s.id for s in fair.event().slots}
        table_ids = {t.id for t in fair.event().tables}
        assert all(slot in slot_ids and table in table_ids for slot, table in plan)


def test_meetings_with_a_side_not_checked_in_are_flagged(app, make_fair):
    fair = make_fair(slot_count=3, table_count=2)
    with app.app_context():
        fair.agree("factory", "college")
        fair.agree("factory", "academy")
        fair.agree("mine", "college")
        fair.build()
        fair.publish()
        db.session.commit()
        event = fair.event()
        everything = {m.id for m in fair.meetings()}
        assert {m.id for m in ops.absent_meetings(event)} == everything

        with pytest.raises(PermissionDenied):
            ops.check_in(fair.participant("factory"), fair.member("factory"))
        for key in ("factory", "college", "academy"):
            ops.check_in(fair.participant(key), fair.coordinator())
        db.session.commit()
        assert [m.id for m in ops.absent_meetings(event)] == [fair.meeting_between("mine", "college").id]

        ops.check_in(fair.participant("academy"), fair.coordinator(), present=False)  # checked in by mistake
        assert {m.id for m in ops.absent_meetings(event)} == {
            fair.meeting_between("mine", "college").id,
            fair.meeting_between("factory", "academy").id,
        }


def test_draft_meetings_are_not_flagged_as_absent(app, make_fair):
    fair = make_fair()
    with app.app_context():
        fair.agree("factory", "college")
        fair.build()
        db.session.commit()
        assert ops.absent_meetings(fair.event()) == []


# --------------------------------------------------------------------------- outcomes and the follow-up


def published_meeting(fair: Fair, sender: str, receiver: str) -> Meeting:
    fair.agree(sender, receiver)
    fair.build()
    fair.publish()
    db.session.commit()
    return fair.meeting_between(sender, receiver)


def test_a_side_records_an_outcome_and_recording_again_replaces_it(app, make_fair, count):
    fair = make_fair()
    with app.app_context():
        meeting = published_meeting(fair, "factory", "college")
        ops.record_outcome(meeting, fair.member("factory"), "intention", note="  初步意向：订单班 30 人  ")
        db.session.commit()
        row = ops.record_outcome(meeting, fair.member("factory"), "agreement", note="签订订单班协议")
        db.session.commit()
        assert (row.outcome, row.note, row.stage) == ("agreement", "签订订单班协议", "event")
        assert row.organization_id == fair.org_ids["factory"] and row.recorded_by_id == fair.member_ids["factory"]
    assert count(MeetingOutcome) == 1


def test_only_the_two_sides_record_a_valid_outcome(app, make_fair, count):
    fair = make_fair()
    with app.app_context():
        meeting = published_meeting(fair, "factory", "college")
        for outsider in (fair.member("mine"), fair.member("academy"), fair.coordinator()):
            with pytest.raises(PermissionDenied):
                ops.record_outcome(meeting, outsider, "agreement")
        with pytest.raises(InvalidInput) as invalid:
            ops.record_outcome(meeting, fair.member("college"), "great")
        assert list(invalid.value.fields) == ["outcome"]
        assert "agreement" in fields_of(invalid)["outcome"]
        with pytest.raises(InvalidInput) as stage:
            ops.record_outcome(meeting, fair.member("college"), "agreement", stage="later")
        assert list(stage.value.fields) == ["stage"]
        db.session.commit()
    assert count(MeetingOutcome) == 0


def test_outcomes_are_grouped_by_organization_pair_across_stages(app, make_fair):
    fair = make_fair(slot_count=3, table_count=2)
    with app.app_context():
        # The school asks: the request runs from the higher organization id to the lower one.
        fair.agree("college", "factory")
        fair.agree("mine", "academy")
        fair.build()
        fair.publish()
        db.session.commit()
        with_factory = fair.meeting_between("college", "factory")
        ops.record_outcome(with_factory, fair.member("college"), "follow_up")
        ops.record_outcome(with_factory, fair.member("factory"), "intention")
        ops.record_outcome(with_factory, fair.member("factory"), "agreement", stage="follow_up")
        ops.record_outcome(fair.meeting_between("mine", "academy"), fair.member("academy"), "no_interest")
        db.session.commit()

        pairs = ops.outcomes_by_pair(fair.event())

        factory, college = fair.org_ids["factory"], fair.org_ids["college"]
        mine, academy = fair.org_ids["mine"], fair.org_ids["academy"]
        assert college > factory
        assert set(pairs) == {(factory, college), (min(mine, academy), max(mine, academy))}
        recorded = {(o.organization_id, o.stage, o.outcome) for o in pairs[(factory, college)]}
        assert recorded == {
            (college, "event", "follow_up"),
            (factory, "event", "intention"),
            (factory, "follow_up", "agreement"),
        }
        assert [o.outcome for o in pairs[(min(mine, academy), max(mine, academy))]] == ["no_interest"]


def test_the_follow_up_survey_asks_the_members_of_both_sides(app, make_fair):
    fair = make_fair(slot_count=3, table_count=2)
    with app.app_context():
        published_meeting(fair, "factory", "college")
        fair.agree("mine", "academy")  # accepted after publishing: only a draft meeting
        fair.build()
        db.session.commit()
        with pytest.raises(PermissionDenied):
            ops.send_follow_up_survey(fair.event(), fair.member("factory"))

        asked = ops.send_follow_up_survey(fair.event(), fair.coordinator())
        db.session.commit()

        assert asked == 3  # the factory's member and the college's two
        for member in ("factory", "college", "college_2"):
            assert len(fair.notes(member, "outcomes")) == 1
        assert fair.notes("mine", "outcomes") == [] and fair.notes("academy", "outcomes") == []


# --------------------------------------------------------------------------- recommendations


def test_recommended_counterparts_rank_the_matching_school_first_and_skip_the_same_kind(app, make_fair, make_posting):
    fair = make_fair()
    equipment = ["advanced_equipment"]
    make_posting(
        fair.org_ids["factory"],
        direction="need",
        category="talent",
        title="招聘数控车床操作工",
        description="招聘数控车床操作工 20 名，要求熟悉数控编程与数控加工。",
        sectors=equipment,
    )
    make_posting(
        fair.org_ids["college"],
        direction="offer",
        category="program",
        title="数控技术专业",
        description="数控技术专业培养数控车床操作、数控编程与数控加工人才。",
        sectors=equipment,
    )
    make_posting(
        fair.org_ids["academy"],
        direction="offer",
        category="program",
        title="茶叶生产与加工技术专业",
        description="培养茶园管理、茶叶加工与茶艺人才。",
        sectors=["tea"],
    )
    # Another enterprise offering just what the factory needs: still not a counterpart at this event.
    make_posting(
        fair.org_ids["mine"],
        direction="offer",
        category="talent",
        title="数控车床操作工",
        description="可输送熟练数控车床操作工，熟悉数控编程与数控加工。",
        sectors=equipment,
    )
    with app.app_context():
        index = get_search_index()

        recommended = ops.recommended_counterparts(fair.participant("factory"), index)

        names = [c.participant.organization.name for c in recommended]
        assert names.index("遵义职业技术学院") < names.index("黔南民族职业技术学院")
        assert "盘江煤电集团" not in names and "贵州精工机床有限公司" not in names
        best = recommended[0]
        assert best.participant.organization.name == "遵义职业技术学院"
        assert best.score > 0 and best.reason and best.posting.title == "数控技术专业"
        assert best.own_posting.title == "招聘数控车床操作工"
        other_school = next(c for c in recommended if c.participant.organization.name == "黔南民族职业技术学院")
        assert best.score > other_school.score

        from_school = [
            c.participant.organization.name for c in ops.recommended_counterparts(fair.participant("college"), index)
        ]
        assert sorted(from_school) == sorted(["贵州精工机床有限公司", "盘江煤电集团"])

        # A request made with the index keeps how well the pair matches: it weighs more in the schedule.
        matched = fair.ask("factory", "college", index=index)
        unmatched = fair.ask("factory", "academy", index=index)
        assert matched.match_score == pytest.approx(best.score)
        assert matched.match_score > unmatched.match_score >= ops.MIN_MATCH_SCORE


def test_unapproved_participants_are_not_recommended(app, make_fair):
    fair = make_fair()
    with app.app_context():
        ops.decide_registration(fair.participant("academy"), False, fair.coordinator())
        recommended = ops.recommended_counterparts(fair.participant("factory"), get_search_index())
        assert [c.participant.organization.name for c in recommended] == ["遵义职业技术学院"]
        assert recommended[0].score == 0.0 and recommended[0].posting is None


def test_a_published_event_does_not_go_back_to_draft_or_open(app, make_fair):
    fair = make_fair(slot_count=1, table_count=1)
    with app.app_context():
        fair.agree("factory", "college")
        fair.build()
        fair.publish()
        event = fair.event()
        for status in ("draft", "open"):
            with pytest.raises(InvalidInput) as refused:
                ops.set_event_status(event, status, fair.coordinator(), event.version)
            assert fields_of(refused)["status"].startswith("Cannot change from")
        with pytest.raises(InvalidInput):
            ops.set_event_status(event, "published", fair.coordinator(), event.version)

        ops.set_event_status(event, "closed", fair.coordinator(), event.version)

        assert fair.event().status == "closed"
