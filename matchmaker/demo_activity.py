"""What the demo organizations do on the platform, played through the product's own operations.

`make demo` loads the organizations and postings first (`matchmaker.demo`); this module then
adds what a visitor should see happen with them: accounts for each role, a matchmaking event
held a month ago (registrations, requests, the solver's schedule, check-in and outcomes), and
an upcoming event open for registration. Everything goes through the services users go
through; only the finished event is moved into the past afterwards, since its steps must
happen before their deadlines.

Idempotent: a second run finds the events by title and leaves them; the demo accounts get
new passwords, which are printed (demo instances only).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from matchmaker import accounts, projects, registries, reports
from matchmaker.events import operations as events
from matchmaker.extensions import db
from matchmaker.models import (
    Event,
    EventParticipant,
    Meeting,
    MeetingOutcome,
    MeetingRequest,
    Organization,
    PilotDesignation,
    Posting,
    Project,
    User,
    local_today,
    utcnow,
)
from matchmaker.models.base import LOCAL_TZ
from matchmaker.schemas.events import EventInSchema
from matchmaker.schemas.projects import ProjectCreateSchema
from matchmaker.taxonomy import get_taxonomy

PAST_EVENT = "贵阳先进装备制造与大数据产教对接会"
UPCOMING_EVENT = "毕节茶叶与辣椒产业校企对接会"
PAST_EVENT_SECTORS = ("advanced_equipment", "big_data_electronics")
UPCOMING_EVENT_SECTORS = ("tea", "chili")
PARTICIPANTS_PER_SIDE = 6
REQUESTS_PER_ENTERPRISE = 2
HELD_DAYS_AGO = 30
SCHOOL_ORDER = ("高职院校", "职业本科院校", "中职学校", "技工院校", "普通高校")
# What the two sides say came of their meetings, in turn: most talk leads to follow-ups, a few to agreements.
OUTCOME_CYCLE = ("agreement", "intention", "follow_up", "agreement", "no_interest", "intention", "follow_up")


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    label: str  # what the visitor is told this account is for


ACCOUNTS = (
    DemoAccount("coordinator", "coordinator@demo.example.cn", "演示协调员", "协调员"),
    DemoAccount("member", "enterprise@demo.example.cn", "演示企业用户", "企业成员"),
    DemoAccount("member", "school@demo.example.cn", "演示院校用户", "院校成员"),
)


@dataclass
class StandIn:
    """Acts for a demo organization's member in the operations (the demo has no person behind it)."""

    organization_id: int
    id: None = None
    is_coordinator: bool = False


@dataclass
class ActivityReport:
    accounts: list[tuple[DemoAccount, str, str]] = field(default_factory=list)  # account, password, organization
    events_created: list[str] = field(default_factory=list)
    meetings: int = 0
    cooperation: list[str] = field(default_factory=list)  # what of the projects and registries was added


def load_activity(index: Any, *, with_accounts: bool = True) -> ActivityReport:
    """Add the demo's accounts and events (the organizations and postings must be loaded).

    Accounts with printed passwords are for demo instances only: a production instance gets none.
    """
    report = ActivityReport()
    enterprises = participants_of("enterprise", PAST_EVENT_SECTORS)
    schools = participants_of("school", PAST_EVENT_SECTORS)
    if db.session.scalar(select(Event.id).where(Event.title == PAST_EVENT)) is None:
        report.meetings = play_past_event(enterprises, schools, index)
        report.events_created.append(PAST_EVENT)
    if db.session.scalar(select(Event.id).where(Event.title == UPCOMING_EVENT)) is None:
        open_upcoming_event()
        report.events_created.append(UPCOMING_EVENT)
    report.cooperation = load_cooperation(enterprises, schools)
    if not with_accounts:
        return report
    homes = {"coordinator": None, "enterprise": enterprises[0], "school": schools[0]}
    for account in ACCOUNTS:
        org = homes[account.email.split("@")[0]]
        report.accounts.append((account, reset_account(account, org), org.name if org else ""))
    return report


def participants_of(kind: str, sectors: tuple[str, ...]) -> list[Organization]:
    """The first demo organizations of a kind working in the sectors, in ref order (stable between runs);
    vocational colleges before universities, since apprenticeships and 订单班 are what events are for."""
    orgs = db.session.scalars(
        select(Organization).where(Organization.is_demo.is_(True), Organization.kind == kind).order_by(Organization.ref)
    ).all()
    chosen = [org for org in orgs if org.open and set(org.sectors) & set(sectors)]
    chosen.sort(key=lambda org: SCHOOL_ORDER.index(org.subtype) if org.subtype in SCHOOL_ORDER else len(SCHOOL_ORDER))
    return chosen[:PARTICIPANTS_PER_SIDE]


def reset_account(account: DemoAccount, org: Organization | None) -> str:
    """Create the account, or give it a new password; returns the password."""
    password = secrets.token_urlsafe(9)
    user = db.session.scalar(select(User).where(User.email == account.email))
    if user is None:
        accounts.create_user(account.email, password, role=account.role, organization=org, name=account.name)
    else:
        user.password_hash = generate_password_hash(password)
        user.active = True
    return password


def event_data(title: str, description: str, held_on: date, sectors: tuple[str, ...], region: str, **extra: Any):
    now = utcnow().replace(microsecond=0)
    return EventInSchema().load(
        {
            "title": title,
            "description": description,
            "held_on": held_on.isoformat(),
            "venue": extra.pop("venue"),
            "region": region,
            "sectors": list(sectors),
            "registration_deadline": extra.pop("registration_deadline", now + timedelta(hours=1)).isoformat(),
            "request_deadline": extra.pop("request_deadline", now + timedelta(hours=2)).isoformat(),
            "requires_approval": False,
            "first_slot": "14:00",
            "slot_minutes": 20,
            "slot_count": 6,
            "table_count": 4,
            "table_names": None,
            **extra,
        }
    )


def play_past_event(enterprises: list[Organization], schools: list[Organization], index: Any) -> int:
    """Hold the past event from registration to outcomes, then date it a month ago. Returns its meetings."""
    coordinator = accounts.OPERATOR
    event = events.create_event(
        event_data(
            PAST_EVENT,
            "面向先进装备制造和大数据电子信息产业，企业与院校围绕订单班、现代学徒制、实训基地和技术服务进行一对一洽谈。",
            local_today() + timedelta(days=1),
            PAST_EVENT_SECTORS,
            "520100",
            venue="贵阳国际生态会议中心 3 号厅",
        ),
        coordinator,
    )
    events.set_event_status(event, "open", coordinator, None)
    participant = {org.id: events.register(event, StandIn(org.id)) for org in enterprises + schools}
    for org in enterprises:
        side = participant[org.id]
        counterparts = [c for c in events.recommended_counterparts(side, index) if c.score > 0]
        for priority, counterpart in zip((5, 4), counterparts[:REQUESTS_PER_ENTERPRISE], strict=False):
            request = events.request_meeting(
                event,
                side,
                counterpart.participant,
                StandIn(org.id),
                priority=priority,
                reason=counterpart.reason[:200],
                index=index,
            )
            events.answer_request(request, True, StandIn(counterpart.participant.organization_id))
    events.build_schedule(event, coordinator, None, time_limit=5.0)
    meetings = events.publish_schedule(event, coordinator, None)
    for side in participant.values():
        events.check_in(side, coordinator)
    for n, meeting in enumerate(events.meetings_of(event)):
        outcome = OUTCOME_CYCLE[n % len(OUTCOME_CYCLE)]
        for side in (meeting.request.from_participant, meeting.request.to_participant):
            events.record_outcome(meeting, StandIn(side.organization_id), outcome, outcome_note(outcome))
    events.set_event_status(event, "closed", coordinator, None)
    move_event(event, local_today() - timedelta(days=HELD_DAYS_AGO))
    return meetings


def outcome_note(outcome: str) -> str:
    return {
        "agreement": "双方已签订合作协议，下一步共同制定人才培养方案。",
        "intention": "双方有合作意向，约定一个月内到校（企）实地考察。",
        "follow_up": "需进一步沟通岗位数量和实习时间。",
        "no_interest": "",
    }[outcome]


def move_event(event: Event, held_on: date) -> None:
    """Shift every time of a held event by the same amount so that it took place on `held_on`."""
    shift = timedelta(days=(held_on - event.held_on).days)
    event.held_on = held_on
    event.registration_deadline += shift
    event.request_deadline += shift
    if event.schedule_published_at:
        event.schedule_published_at += shift
    for slot in event.slots:
        slot.starts_at, slot.ends_at = slot.starts_at + shift, slot.ends_at + shift
    for participant in db.session.scalars(select(EventParticipant).where(EventParticipant.event_id == event.id)):
        participant.registered_at += shift
        if participant.checked_in_at:
            participant.checked_in_at += shift
    for request in db.session.scalars(select(MeetingRequest).where(MeetingRequest.event_id == event.id)):
        request.created_at += shift
        if request.answered_at:
            request.answered_at += shift
    meeting_ids = select(Meeting.id).where(Meeting.event_id == event.id)
    for outcome in db.session.scalars(select(MeetingOutcome).where(MeetingOutcome.meeting_id.in_(meeting_ids))):
        outcome.recorded_at += shift
    db.session.flush()


def open_upcoming_event() -> Event:
    """An event three weeks ahead, open for registration, with a few organizations registered already."""
    today = local_today()
    moment = datetime.combine(today, datetime.min.time(), tzinfo=LOCAL_TZ)
    event = events.create_event(
        event_data(
            UPCOMING_EVENT,
            "聚焦茶叶、辣椒等农业特色优势产业，邀请涉农院校与龙头企业洽谈订单培养、技术服务和实训基地共建。",
            today + timedelta(days=21),
            UPCOMING_EVENT_SECTORS,
            "520500",
            venue="毕节市会展中心",
            registration_deadline=moment + timedelta(days=14, hours=18),
            request_deadline=moment + timedelta(days=18, hours=18),
        ),
        accounts.OPERATOR,
    )
    events.set_event_status(event, "open", accounts.OPERATOR, None)
    for kind in ("enterprise", "school"):
        for org in participants_of(kind, UPCOMING_EVENT_SECTORS)[:2]:
            events.register(event, StandIn(org.id))
    return event


# --- what came of matching: cooperation projects, the library, the registries -------------------------


@dataclass(frozen=True)
class DemoProject:
    """A cooperation project the demo has run for years: its partners are found by sector."""

    title: str
    type_code: str
    sector: str
    signed_on: date
    steps: tuple[tuple[str, date, str], ...]  # (status, date, note) after 签订协议, in order
    description: str
    figures: dict[str, int]
    investments: tuple[int, int]  # (school, enterprise), yuan
    outcomes: str = ""
    library: str | None = None  # published | nominated | declined


DEMO_PROJECTS = (
    DemoProject(
        "数控技术“订单班”联合培养",
        "order_class",
        "advanced_equipment",
        date(2022, 6, 20),
        (
            ("approved", date(2022, 7, 15), "列入学院年度校企合作项目"),
            ("in_progress", date(2022, 9, 1), "首届订单班 45 人开班"),
            ("closed", date(2025, 7, 10), "首届学员毕业，41 人留企就业"),
        ),
        "企业按岗位标准参与制定人才培养方案，派驻工程师授课，第三学年在企业完成岗位实习。",
        {"students_trained": 45, "apprentices": 0, "teachers_placed": 3, "mentors": 4},
        (300_000, 1_200_000),
        "订单班学员 41 人留企就业，留用率 91%；共建数控加工实训室 1 个，联合开发课程 3 门。",
        "published",
    ),
    DemoProject(
        "大数据产业学院共建",
        "industry_college",
        "big_data_electronics",
        date(2021, 11, 5),
        (
            ("approved", date(2022, 1, 10), "获批市级产业学院建设项目"),
            ("in_progress", date(2022, 3, 1), ""),
            ("closed", date(2025, 12, 20), "建设期满通过验收"),
        ),
        "校企共建大数据技术、云计算技术应用两个专业方向，企业真实项目进课堂。",
        {"students_trained": 320, "apprentices": 0, "teachers_placed": 12, "mentors": 15},
        (2_000_000, 5_000_000),
        "四届学生 320 人，获省级职业院校技能大赛一等奖 2 项；企业项目转化为教学案例 26 个。",
        "published",
    ),
    DemoProject(
        "茶叶加工现代学徒制班",
        "apprenticeship_class",
        "tea",
        date(2023, 5, 12),
        (
            ("approved", date(2023, 6, 8), ""),
            ("in_progress", date(2023, 9, 1), "学徒 38 人与企业签订学徒协议"),
            ("closed", date(2026, 6, 30), ""),
        ),
        "学徒在茶企师傅带领下完成茶叶初制、精制和审评三个岗位的轮训。",
        {"students_trained": 38, "apprentices": 38, "teachers_placed": 4, "mentors": 6},
        (150_000, 400_000),
        "38 名学徒全部取得评茶员职业技能等级证书，其中 30 人留企。",
        "nominated",
    ),
    DemoProject(
        "康养照护共建共享实训基地",
        "shared_training_base",
        "elderly_care",
        date(2024, 3, 18),
        (("approved", date(2024, 4, 22), ""), ("in_progress", date(2024, 9, 2), "实训基地投入使用")),
        "在养老机构内共建老年照护实训区，学校学生实训与机构员工培训共用。",
        {"students_trained": 160, "apprentices": 0, "teachers_placed": 2, "mentors": 5},
        (500_000, 800_000),
    ),
    DemoProject(
        "白酒酿造工艺联合技术攻关",
        "joint_rnd",
        "liquor_tobacco",
        date(2023, 3, 6),
        (
            ("approved", date(2023, 4, 10), ""),
            ("stopped", date(2024, 5, 20), "企业研发方向调整，双方协商终止"),
        ),
        "围绕酱香型白酒堆积发酵温度控制开展联合攻关。",
        {"students_trained": 0, "apprentices": 0, "teachers_placed": 2, "mentors": 0},
        (80_000, 300_000),
    ),
    DemoProject(
        "辣椒精深加工技术培训课程购买",
        "purchased_courses",
        "eco_food",
        date(2024, 9, 3),
        (
            ("approved", date(2024, 10, 8), ""),
            ("in_progress", date(2024, 11, 4), ""),
            ("closed", date(2025, 6, 27), ""),
        ),
        "学校向企业购买辣椒酱料加工工艺课程和一期师资培训服务。",
        {"students_trained": 60, "apprentices": 0, "teachers_placed": 0, "mentors": 2},
        (120_000, 0),
        "开设选修课 1 门，培训教师 6 人。",
        "declined",
    ),
)
EVENT_PROJECT_TYPES = ("order_class", "apprenticeship_class", "shared_training_base", "purchased_courses")
LIBRARY_DECLINE_REASON = "示范性和可推广性不足：目前只有一门课程、一期培训，建议扩大合作后再推荐。"
DEMO_NOTE = "演示数据"
MENTOR_NAMES = ("王建国", "李红梅", "张志强", "刘海燕", "陈明", "杨帆", "赵丽", "黄伟")
TEACHERS = (  # (name, [(start, end)]): some reach six months in five years, some do not
    ("周晓东", ((date(2022, 7, 1), date(2022, 12, 31)),)),
    ("吴婷", ((date(2023, 7, 1), date(2023, 9, 30)), (date(2024, 7, 1), date(2024, 9, 30)))),
    ("郑凯", ((date(2024, 7, 8), date(2024, 8, 30)),)),
    ("孙莉", ((date(2021, 3, 1), date(2021, 6, 30)), (date(2021, 5, 1), date(2021, 8, 31)))),
    ("马骏", ((date(2026, 7, 1), date(2026, 8, 31)),)),
)


def load_cooperation(enterprises: list[Organization], schools: list[Organization]) -> list[str]:
    """Projects from the past event's agreements and from earlier years, the library, the registries."""
    done: list[str] = []
    if db.session.scalar(select(Project.id).where(Project.title == DEMO_PROJECTS[0].title)) is None:
        projects_from_event()
        demo_projects = [run_demo_project(spec) for spec in DEMO_PROJECTS]
        done.append(f"{len(DEMO_PROJECTS)} cooperation projects")
    else:
        demo_projects = list(
            db.session.scalars(select(Project).where(Project.title.in_([p.title for p in DEMO_PROJECTS])))
        )
    if db.session.scalar(select(PilotDesignation.id).limit(1)) is None:
        fill_registries(demo_projects, enterprises, schools)
        done.append("registries")
    if reports.latest_unmatched_snapshot() is None:
        reports.enqueue_unmatched_needs(accounts.OPERATOR)  # the worker of `matchmaker serve` computes it
    return done


def partners_for(sector: str) -> tuple[Organization, Organization]:
    """The (school, enterprise) of a sector that a demo project joins: a 规上企业 if there is one."""
    school = participants_of("school", (sector,))[0]
    enterprises = [org for org in participants_of("enterprise", (sector,)) if org.sectors[0] == sector]
    enterprise = next((org for org in enterprises if org.subtype == "规上企业"), enterprises[0])
    return school, enterprise


def confirm_all(project: Project) -> None:
    for partner in project.partners:
        if partner.confirmed_at is None:
            projects.confirm_partnership(project, StandIn(partner.organization_id))


def projects_from_event() -> None:
    """The agreements signed at the past event become projects, traced to their meetings."""
    event = db.session.scalar(select(Event).where(Event.title == PAST_EVENT))
    agreed = [m for m in events.meetings_of(event) if projects.has_agreement(m)]
    for n, meeting in enumerate(agreed):
        enterprise, school = sorted(projects.meeting_sides(meeting), key=lambda org: org.kind)
        type_code = EVENT_PROJECT_TYPES[n % len(EVENT_PROJECT_TYPES)]
        type_name = get_taxonomy().cooperation_types[type_code].name
        data = ProjectCreateSchema().load(
            {
                "title": f"{short_name(enterprise)}与{school.name}{type_name}",
                "type_code": type_code,
                "description": "在对接会上洽谈达成，双方签订合作协议。",
                "starts_on": event.held_on.isoformat(),
            }
        )
        project = projects.create_project(data, StandIn(enterprise.id), meeting=meeting)
        confirm_all(project)
        if n % 2 == 0:  # half of them have been approved since
            projects.set_project_status(
                project, "approved", StandIn(enterprise.id), occurred_on=event.held_on + timedelta(days=14)
            )


def short_name(org: Organization) -> str:
    """「祥和汽车零部件」 of 「贵州祥和汽车零部件有限公司」: project titles stay under 120 characters."""
    return org.name.removeprefix("贵州").removesuffix("有限公司").removesuffix("股份")[:12]


def run_demo_project(spec: DemoProject) -> Project:
    school, enterprise = partners_for(spec.sector)
    data = ProjectCreateSchema().load(
        {
            "title": spec.title,
            "type_code": spec.type_code,
            "description": spec.description,
            "partners": [
                {"organization_id": school.id, "role": "lead"},
                {"organization_id": enterprise.id, "role": "partner"},
            ],
            "sectors": [spec.sector],
            "starts_on": spec.signed_on.isoformat(),
            "school_investment": spec.investments[0],
            "enterprise_investment": spec.investments[1],
            "outcomes": spec.outcomes,
            **spec.figures,
        }
    )
    project = projects.create_project(data, accounts.OPERATOR)
    confirm_all(project)
    for status, day, note in spec.steps:
        projects.set_project_status(project, status, accounts.OPERATOR, occurred_on=day, note=note)
    if spec.library:
        projects.nominate_project(project, accounts.OPERATOR)
    if spec.library == "published":
        criteria = {
            code: {"met": True, "note": f"{term.name}：{spec.outcomes[:40]}"}
            for code, term in get_taxonomy().library_criteria.items()
        }
        projects.publish_project(project, accounts.OPERATOR, criteria)
    elif spec.library == "declined":
        projects.decline_project(project, accounts.OPERATOR, LIBRARY_DECLINE_REASON)
    return project


def record(registry_name: str, **data: Any) -> Any:
    registry = registries.get_registry(registry_name)
    return registries.create_row(registry, registry.in_schema().load({**data, "note": DEMO_NOTE}), accounts.OPERATOR)


def fill_registries(demo_projects: list[Project], enterprises: list[Organization], schools: list[Organization]) -> None:
    """Mentors and teacher placements of the projects' partners, two alliances and the pilot designations."""
    names = iter(MENTOR_NAMES)
    for project in demo_projects[:4]:
        school, enterprise = (p.organization for p in project.partners)
        for _ in range(2):
            record(
                "mentors",
                person_name=next(names),
                enterprise=enterprise.id,
                school=school.id,
                major=school_major(school),
                post_title="产业导师",
                since=project.starts_on.isoformat(),
                hours_per_year=120,
            )
    host = enterprises[0]
    for teacher, spans in TEACHERS:
        for start, end in spans:
            record(
                "teacher-practice",
                teacher_name=teacher,
                school=schools[0].id,
                enterprise=host.id,
                subject=school_major(schools[0]),
                starts_on=start.isoformat(),
                ends_on=end.isoformat(),
            )
    equipment = record(
        "alliances",
        name="贵州省先进装备制造产教融合联盟",
        lead=schools[0].id,
        members=[
            {"organization": org.id, "role": role}
            for org, role in zip(
                enterprises[:3] + schools[1:3], ("vice_chair", "member", "member", "vice_chair", "member"), strict=True
            )
        ],
        sectors=["advanced_equipment"],
        guiding_department="贵州省工业和信息化厅",
        level="province",
        region="520000",
        founded_on="2022-04-18",
    )
    tea_school, tea_enterprise = partners_for("tea")
    record(
        "alliances",
        name="遵义市茶产业产教融合联盟",
        lead=tea_school.id,
        members=[{"organization": tea_enterprise.id, "role": "vice_chair"}],
        sectors=["tea"],
        guiding_department="遵义市农业农村局",
        level="prefecture",
        region="520300",
        founded_on="2023-03-15",
    )
    issued = {"issued_by": "贵州省发展和改革委员会、贵州省教育厅", "level": "province"}
    record("designations", kind="city", region="520100", designated_on="2021-12-20", **issued)
    record("designations", kind="alliance", alliance=equipment.id, designated_on="2023-01-16", **issued)
    pilots = list(
        dict.fromkeys(
            [
                p.organization
                for project in demo_projects
                for p in project.partners
                if p.organization.kind == "enterprise"
            ]
            + enterprises
        )
    )
    for n, enterprise in enumerate(pilots[:8]):
        record(
            "designations",
            kind="enterprise",
            organization=enterprise.id,
            designated_on=date(2021 + n // 3, 6 + n % 3, 1).isoformat(),
            **issued,
        )
    for n, school in enumerate(schools[:2]):
        record(
            "designations",
            kind="base",
            organization=school.id,
            name=f"{school.name}产教融合实训基地",
            designated_on=f"202{2 + n}-09-01",
            **issued,
        )
    for n, school in enumerate(schools[2:5]):
        record(
            "designations",
            kind="project",
            organization=school.id,
            name=f"{school.name}公共实训基地建设项目",
            designated_on=f"202{2 + n}-11-10",
            **issued,
        )


def school_major(school: Organization) -> str:
    """A program the school offers (its first published program posting's title), for the registries."""
    title = db.session.scalar(
        select(Posting.title)
        .where(Posting.organization_id == school.id, Posting.category == "program")
        .order_by(Posting.id)
        .limit(1)
    )
    return (title or "").split("专业")[0][:40]
