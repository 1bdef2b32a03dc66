"""The dashboard's reports (matchmaker.reports) against small data sets counted by hand.

Every posting is made through the services (`make_org`, `make_posting`), every event step through the
event operations, so each figure is what a coordinator would read off the dashboard for that data.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from matchmaker import accounts, matching, organizations, projects, reports
from matchmaker.errors import PermissionDenied
from matchmaker.events import operations as ops
from matchmaker.extensions import db, writing
from matchmaker.models import Event, Meeting, Organization, Posting, User
from matchmaker.reports import (
    PROVINCE,
    UNKNOWN,
    ReportFilters,
    by_category,
    by_month,
    event_funnel,
    headcount_by_sector,
    sector_region_grid,
    table_xlsx,
)
from tests.helpers import run_worker

GUIYANG, ZUNYI, QIANNAN = "520100", "520300", "522700"
NANMING, HUAXI, HONGHUAGANG = "520102", "520111", "520302"  # two counties of Guiyang, one of Zunyi
NONE = ReportFilters()


@pytest.fixture
def market(app, make_org, make_posting):
    """Open and hidden postings of an enterprise (Nanming, Guiyang) and a school (Honghuagang, Zunyi).

    Open needs:  tea+chili talent in Nanming (3 people), tea talent in Huaxi (2), equipment technology
                 for the whole province, a training need without sector in Guiyang city.
    Open offers: tea program in Zunyi, tea talent in Honghuagang (40 places), chili talent without a
                 quantity in Honghuagang.
    Not open:    a draft, an expired need, the postings of a closed and of an unverified organization.
    """
    enterprise = make_org(kind="enterprise", region=NANMING, sectors=["tea"])
    school = make_org(kind="school", subtype="高职院校", region=HONGHUAGANG, sectors=["tea"])
    make_posting(enterprise, direction="need", category="talent", sectors=["tea", "chili"], quantity=3)
    make_posting(enterprise, direction="need", category="talent", sectors=["tea"], region_code=HUAXI, quantity=2)
    make_posting(
        enterprise, direction="need", category="technology", sectors=["advanced_equipment"], region_code="520000"
    )
    make_posting(enterprise, direction="need", category="training", sectors=[], region_code=GUIYANG)
    make_posting(school, direction="offer", category="program", sectors=["tea"], region_code=ZUNYI)
    make_posting(school, direction="offer", category="talent", sectors=["tea"], quantity=40)
    make_posting(school, direction="offer", category="talent", sectors=["chili"])
    # Not open:
    make_posting(enterprise, direction="need", category="talent", sectors=["tea"], quantity=50, status="draft")
    make_posting(
        enterprise,
        direction="need",
        category="talent",
        sectors=["tea"],
        quantity=60,
        valid_until=date.today() - timedelta(days=2),
    )
    unverified = make_org(kind="enterprise", region=NANMING, verified=False)
    make_posting(unverified, direction="need", category="talent", sectors=["tea"], quantity=70)
    closed = make_org(kind="enterprise", region=NANMING)
    make_posting(closed, direction="need", category="talent", sectors=["tea"], quantity=80)
    with app.app_context(), writing():
        organizations.close_organization(db.session.get(Organization, closed.id), accounts.OPERATOR)
        db.session.commit()


def test_the_heat_map_rolls_counties_up_and_counts_a_posting_in_each_of_its_sectors(app, market):
    with app.app_context():
        grid = sector_region_grid(NONE)

    columns = [code for code, _ in grid.columns]
    assert columns[:9] == ["520100", "520200", "520300", "520400", "520500", "520600", "522300", "522600", "522700"]
    assert columns[9:] == [PROVINCE] and dict(grid.columns)[PROVINCE] == "全省"
    assert grid.cell("tea", GUIYANG) == (2, 0)  # Nanming and Huaxi both count in Guiyang; hidden ones not at all
    assert grid.cell("chili", GUIYANG) == (1, 0)  # the tea+chili need counts in chili too
    assert grid.cell("tea", ZUNYI) == (0, 2)  # a prefecture's own posting and a county's
    assert grid.cell("chili", ZUNYI) == (0, 1)
    assert grid.cell("advanced_equipment", PROVINCE) == (1, 0)  # province-wide: its own column
    assert grid.cell("advanced_equipment", GUIYANG) == (0, 0)
    assert grid.cell(UNKNOWN, GUIYANG) == (1, 0) and grid.sectors[-1] == (UNKNOWN, "未注明行业")
    assert len(grid.sectors) == 28  # every sector of the taxonomy (27), zero rows included, then 未注明行业
    assert sum(grid.needs.values()) == 5 and sum(grid.offers.values()) == 3
    row = next(r for r in grid.table().rows if r[:2] == ["茶叶", "贵阳市"])
    assert row == ["茶叶", "贵阳市", 2, 0, 2]


def test_the_heat_map_filters_by_sector_prefecture_and_category(app, market):
    with app.app_context():
        tea_in_guiyang = sector_region_grid(ReportFilters(sector="tea", prefecture=GUIYANG))
        talent = sector_region_grid(ReportFilters(category="talent"))

    assert tea_in_guiyang.sectors == [("tea", "茶叶")] and tea_in_guiyang.columns == [(GUIYANG, "贵阳市")]
    assert tea_in_guiyang.needs == {("tea", GUIYANG): 2} and tea_in_guiyang.offers == {}
    assert talent.cell("tea", GUIYANG) == (2, 0) and talent.cell("tea", ZUNYI) == (0, 1)
    assert talent.cell("advanced_equipment", PROVINCE) == (0, 0)
    assert UNKNOWN not in dict(talent.sectors)  # no talent posting without a sector


def test_by_category_counts_open_needs_and_offers_of_every_category(app, market):
    with app.app_context():
        report = by_category(NONE)
        in_zunyi = by_category(ReportFilters(prefecture=ZUNYI))

    counts = {row.code: (row.needs, row.offers) for row in report.rows}
    assert counts["talent"] == (2, 2) and counts["technology"] == (1, 0) and counts["training"] == (1, 0)
    assert counts["program"] == (0, 1) and counts["mentor"] == (0, 0)
    assert [row.code for row in report.rows][:3] == ["talent", "technology", "training"]
    assert {r.code: (r.needs, r.offers) for r in in_zunyi.rows if r.needs or r.offers} == {
        "talent": (0, 2),
        "program": (0, 1),
    }
    assert report.table().rows[0] == ["人才", 2, 2, 0]


def test_headcount_asked_against_places_offered_for_talent_by_sector(app, market):
    with app.app_context():
        report = headcount_by_sector(NONE)
        in_guiyang = headcount_by_sector(ReportFilters(prefecture=GUIYANG))

    rows = {row.sector: (row.needs, row.headcount, row.offers, row.places) for row in report.rows}
    # tea: needs of 3 (tea+chili) and 2 people, one offer of 40; chili: the tea+chili need, an offer without a number
    assert rows == {"tea": (2, 5, 1, 40), "chili": (1, 3, 1, 0)}
    assert {row.sector: row.places for row in in_guiyang.rows} == {"tea": 0, "chili": 0}
    assert report.table().rows[0] == ["茶叶", 2, 5, 1, 40, -35]


def test_the_monthly_series_buckets_publications_by_month_in_china_time(app, make_org, make_posting):
    org = make_org()
    published = {
        "march_end_utc_is_april_in_china": datetime(2026, 3, 31, 17, 0, tzinfo=UTC),
        "april": datetime(2026, 4, 10, 2, 0, tzinfo=UTC),
        "may_last_year": datetime(2025, 5, 1, 0, 0, tzinfo=UTC),  # 2025-05-01 08:00 in China: the oldest month
        "april_last_year": datetime(2025, 4, 30, 10, 0, tzinfo=UTC),  # before the 12 months
    }
    ids = {}
    for name in published:
        ids[name] = make_posting(org, direction="need" if name != "april" else "offer", title=name).id
    ids["closed_later"] = make_posting(org, direction="need", title="closed").id
    published["closed_later"] = datetime(2026, 2, 3, tzinfo=UTC)
    ids["draft"] = make_posting(org, direction="need", title="draft", status="draft").id
    published["draft"] = datetime(2026, 2, 3, tzinfo=UTC)
    with app.app_context(), writing():
        for name, moment in published.items():
            db.session.execute(update(Posting).where(Posting.id == ids[name]).values(published_at=moment))
        db.session.execute(update(Posting).where(Posting.id == ids["closed_later"]).values(status="closed"))
        db.session.commit()
        report = by_month(NONE, today=date(2026, 4, 15))
        talent_only = by_month(ReportFilters(category="talent"), today=date(2026, 4, 15))

    assert report.months[0] == "2025-05" and report.months[-1] == "2026-04" and len(report.months) == 12
    series = dict(zip(report.months, zip(report.needs, report.offers, strict=True), strict=True))
    assert series["2026-04"] == (1, 1)
    assert series["2026-03"] == (0, 0)
    assert series["2026-02"] == (1, 0)  # closed since, still published that month; the draft is not counted
    assert series["2025-05"] == (1, 0)
    assert sum(report.needs) == 3 and sum(report.offers) == 1
    assert sum(talent_only.needs) == sum(talent_only.offers) == 0  # the fixtures are all programs
    assert report.table().rows[-1] == ["2026-04", 1, 1]


# --- the event funnel ----------------------------------------------------------------------------------


def test_the_funnel_counts_each_stage_once_per_meeting(app, make_org, make_user, make_event):
    coordinator, _ = make_user(role="coordinator")
    orgs = {
        "factory": make_org(kind="enterprise"),
        "mine": make_org(kind="enterprise"),
        "college": make_org(kind="school", subtype="高职院校"),
        "academy": make_org(kind="school", subtype="高职院校"),
        "declined": make_org(kind="enterprise"),
        "waiting": make_org(kind="enterprise"),
    }
    members = {key: make_user(org=org)[0].id for key, org in orgs.items()}
    fair = make_event(opened=True, by=coordinator, requires_approval=True, region="520302", sectors=["tea"])
    quiet = make_event(opened=True, by=coordinator, title="无人报名的活动", held_on="2031-01-01")
    make_event(by=coordinator, title="筹备中的活动")  # a draft: not on the dashboard

    with app.app_context(), writing():
        event, boss = db.session.get(Event, fair.id), db.session.get(User, coordinator.id)
        member = {key: db.session.get(User, user_id) for key, user_id in members.items()}
        part = {key: ops.register(event, member[key]) for key in orgs}
        for key in ("factory", "mine", "college", "academy"):
            ops.decide_registration(part[key], True, boss)
        ops.decide_registration(part["declined"], False, boss)

        def ask(a, b, accept):
            request = ops.request_meeting(event, part[a], part[b], member[a], priority=3)
            if accept is not None:
                ops.answer_request(request, accept, member[b])

        ask("factory", "college", True)
        ask("mine", "academy", True)
        ask("factory", "academy", False)  # declined: still a request sent
        ask("college", "mine", None)  # not answered yet
        db.session.commit()
        ops.build_schedule(event, boss, event.version, time_limit=5.0)
        ops.publish_schedule(event, boss, event.version)
        db.session.commit()

        meetings = {
            frozenset({m.request.from_participant.organization_id, m.request.to_participant.organization_id}): m
            for m in db.session.query(Meeting).filter(Meeting.event_id == fair.id)
        }
        signed = meetings[frozenset({orgs["factory"].id, orgs["college"].id})]
        keen = meetings[frozenset({orgs["mine"].id, orgs["academy"].id})]
        # Both sides of one meeting record outcomes, at the event and later: the meeting counts once.
        ops.record_outcome(signed, member["factory"], "intention")
        ops.record_outcome(signed, member["college"], "intention")
        ops.record_outcome(signed, member["college"], "agreement", stage="follow_up")
        ops.record_outcome(keen, member["mine"], "follow_up")
        ops.record_outcome(keen, member["academy"], "intention", stage="follow_up")
        db.session.commit()

        project_data = {"title": "茶叶订单班", "type_code": "order_class", "sectors": ["tea"]}
        confirmed = projects.create_project(project_data, member["factory"], meeting=signed)
        projects.confirm_partnership(confirmed, member["college"])
        projects.create_project({**project_data, "title": "未确认的项目"}, member["college"], meeting=signed)
        db.session.commit()

        report = event_funnel(NONE)
        tea_in_zunyi = event_funnel(ReportFilters(sector="tea", prefecture=ZUNYI))
        elsewhere = event_funnel(ReportFilters(prefecture=QIANNAN))

    assert [row.event_id for row in report.events] == [quiet.id, fair.id]  # newest first; no draft
    row = report.events[1]
    assert (row.registrations, row.requests, row.meetings) == (4, 4, 2)
    assert (row.intentions, row.agreements, row.projects) == (2, 1, 1)
    assert report.events[0].stages() == [0, 0, 0, 0, 0, 0]
    assert report.overall.stages() == [4, 4, 2, 2, 1, 1] and report.overall.title == "全部活动"
    assert [r.event_id for r in tea_in_zunyi.events] == [fair.id]
    assert elsewhere.events == [] and elsewhere.overall.stages() == [0] * 6
    table = report.table()
    assert table.columns == [
        "活动",
        "举办日期",
        "报名（已通过）",
        "约谈申请",
        "洽谈（已排定）",
        "达成合作意向",
        "签订合作协议",
        "合作项目",
    ]
    assert table.rows[-1] == ["全部活动", None, 4, 4, 2, 2, 1, 1]


def test_a_table_exports_as_a_workbook_with_the_same_rows(app, market):
    from io import BytesIO

    from openpyxl import load_workbook

    with app.app_context():
        table = by_category(NONE).table()
        sheet = load_workbook(BytesIO(table_xlsx(table))).active

    assert sheet.title == "按类别供需"
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [table.columns, *table.rows]


# --- unmatched needs: the worker's snapshot ---------------------------------------------------------------


@pytest.mark.model
def test_the_worker_lists_needs_without_a_counterpart_with_their_near_misses(
    app, make_org, make_user, make_posting, use_embedder, real_embedder
):
    use_embedder(real_embedder)
    factory = make_org(
        kind="enterprise", name="贵阳精工数控机械有限公司", region="520115", sectors=["advanced_equipment"]
    )
    tea = make_org(kind="enterprise", name="湄潭茶业有限公司", region="520328", sectors=["tea"])
    school = make_org(
        kind="school", subtype="高职院校", name="贵州装备职业学院", region="520115", sectors=["advanced_equipment"]
    )
    make_posting(
        school,
        title="数控技术专业（高职专科）",
        sectors=["advanced_equipment"],
        quantity=45,
        description="培养数控编程与数控加工人才：开设数控车床、数控铣床与加工中心实训，可胜任数控车床操作工、"
        "数控编程员等岗位。",
    )
    base = make_posting(  # a training base answers a technology need only in part
        school,
        category="training_base",
        title="数控加工实训基地对外开放",
        sectors=["advanced_equipment"],
        description="拥有数控车床 40 台、加工中心 12 台，可承接企业员工数控技能培训与生产性实训。",
    )
    met = make_posting(
        factory,
        direction="need",
        category="talent",
        title="招聘数控车床操作工",
        sectors=["advanced_equipment"],
        quantity=10,
        description="招聘数控车床操作工 10 名，熟悉 FANUC 数控系统编程与操作。",
    )
    unmet = make_posting(
        tea,
        direction="need",
        category="technology",
        title="茶多酚提取工艺技术攻关",
        sectors=["tea"],
        description="寻求茶叶深加工中茶多酚低温提取与纯化工艺的合作研发。",
    )
    coordinator, _ = make_user(role="coordinator")
    with app.app_context(), writing():
        job = reports.enqueue_unmatched_needs(db.session.get(User, coordinator.id))
        again = reports.enqueue_unmatched_needs(db.session.get(User, coordinator.id))
        db.session.commit()
        assert again.id == job.id and job.total == 2  # one computation waits at a time

    run_worker(app)

    with app.app_context():
        snapshot = reports.latest_unmatched_snapshot()
        threshold = reports.counterpart_threshold()
        assert reports.unmatched_job_under_way() is None
    assert snapshot.needs_checked == 2 and snapshot.threshold == threshold
    listed = {need.posting_id: need for need in snapshot.needs}
    assert met.id not in listed  # the program answers it well
    assert list(listed) == [unmet.id]
    need = listed[unmet.id]
    assert (
        need.title == "茶多酚提取工艺技术攻关" and need.organization == "湄潭茶业有限公司" and need.sectors == ["tea"]
    )
    assert [miss.posting_id for miss in need.near_misses] == [base.id]
    assert 0 < need.near_misses[0].score < threshold
    assert abs((snapshot.computed_at - datetime.now(UTC)).total_seconds()) < 120


def test_only_coordinators_recompute(app, make_org, make_user):
    member, _ = make_user(org=make_org())
    with app.app_context(), pytest.raises(PermissionDenied):
        reports.enqueue_unmatched_needs(db.session.get(User, member.id))


def test_other_writers_are_not_locked_out_while_the_job_matches(app, make_org, make_user, make_posting, monkeypatch):
    # On SQLite a job's transaction holds the one write lock; the minutes of matching must not.
    org = make_org()
    make_posting(org, direction="need", category="talent", title="招聘数控车床操作工")
    coordinator, _ = make_user(role="coordinator")
    started, go = threading.Event(), threading.Event()
    real_match = matching.match_posting

    def match_when_told(*args, **kwargs):
        started.set()
        go.wait(30)
        return real_match(*args, **kwargs)

    monkeypatch.setattr(matching, "match_posting", match_when_told)
    with app.app_context(), writing():
        reports.enqueue_unmatched_needs(db.session.get(User, coordinator.id))
        db.session.commit()
    worker = threading.Thread(target=run_worker, args=(app,))
    worker.start()
    try:
        assert started.wait(30)
        began = time.monotonic()
        with app.app_context(), writing():
            db.session.get(Organization, org.id).description = "任务运行时的修改"
            db.session.commit()
        waited = time.monotonic() - began
    finally:
        go.set()
        worker.join(60)

    assert waited < 5
    with app.app_context():
        assert reports.latest_unmatched_snapshot().needs_checked == 1
        assert db.session.get(Organization, org.id).description == "任务运行时的修改"
