"""What the cooperation-project tests share: a school, an enterprise, their members, and an event meeting
between them that ended in 签订合作协议."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from matchmaker.events import operations as events
from matchmaker.extensions import db, writing
from matchmaker.models import Event, Meeting, Organization, User


@dataclass
class Partners:
    """Ids of the rows a project test works with; load them inside an app context."""

    school_id: int
    enterprise_id: int
    outsider_id: int  # an enterprise that is no partner
    school_member_id: int
    enterprise_member_id: int
    outsider_member_id: int
    coordinator_id: int
    tokens: dict[str, str] = field(default_factory=dict)  # school | enterprise | outsider | coordinator → bearer
    event_id: int | None = None
    meeting_id: int | None = None

    def user(self, who: str) -> User:
        return db.session.get(User, getattr(self, f"{who}_member_id" if who != "coordinator" else "coordinator_id"))

    def org(self, who: str) -> Organization:
        return db.session.get(Organization, getattr(self, f"{who}_id"))


def make_partners(make_org: Any, make_user: Any) -> Partners:
    school = make_org(
        kind="school", subtype="高职院校", name="遵义职业技术学院", region="520302", sectors=["advanced_equipment"]
    )
    enterprise = make_org(
        kind="enterprise", name="贵州精工机床有限公司", region="520303", sectors=["advanced_equipment"]
    )
    outsider = make_org(kind="enterprise", name="盘江煤电集团", region="520201")
    users = {}
    for who, org in (("school", school), ("enterprise", enterprise), ("outsider", outsider), ("coordinator", None)):
        users[who] = make_user(org=org, role="coordinator" if org is None else "member")
    return Partners(
        school.id,
        enterprise.id,
        outsider.id,
        users["school"][0].id,
        users["enterprise"][0].id,
        users["outsider"][0].id,
        users["coordinator"][0].id,
        tokens={who: token for who, (_, token) in users.items()},
    )


def agreed_meeting(app: Any, partners: Partners, make_event: Any, outcome: str = "agreement") -> Partners:
    """An event in Zunyi on advanced equipment where the school and the enterprise met and recorded `outcome`."""
    coordinator = None
    with app.app_context():
        coordinator = db.session.get(User, partners.coordinator_id)
        db.session.expunge(coordinator)
    event_id = make_event(opened=True, by=coordinator, region="520300", sectors=["advanced_equipment"]).id
    with app.app_context(), writing():
        event, actor = db.session.get(Event, event_id), db.session.get(User, partners.coordinator_id)
        school, enterprise = (
            db.session.get(User, i) for i in (partners.school_member_id, partners.enterprise_member_id)
        )
        for member in (school, enterprise):
            participant = events.register(event, member)
            if participant.status == "pending":
                events.decide_registration(participant, True, actor)
        asked = events.request_meeting(
            event,
            events.participant_of(event, partners.enterprise_id),
            events.participant_of(event, partners.school_id),
            enterprise,
            priority=5,
            reason="希望洽谈数控订单班",
        )
        events.answer_request(asked, True, school)
        events.build_schedule(event, actor, event.version, time_limit=5.0)
        events.publish_schedule(event, actor, event.version)
        meeting = db.session.scalar(select(Meeting).where(Meeting.event_id == event.id))
        events.record_outcome(meeting, school, outcome, note="签订数控订单班协议")
        db.session.commit()
        partners.event_id, partners.meeting_id = event.id, meeting.id
    return partners
