"""Coordinators download every list they see as Excel and CSV: the page's rows under the page's filters."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from matchmaker import contacts
from matchmaker.events import operations as events
from matchmaker.extensions import db, writing
from matchmaker.models import Event, Meeting, Organization, User
from matchmaker.models.base import local_today
from tests.helpers import beside, text

HOSTILE = '=HYPERLINK("http://evil.example","点击领取")'
PHONE = "0851-86661234"
UNTIL = local_today() + timedelta(days=100)


def xlsx_rows(response: Any, sheet: str | None = None) -> list[list[Any]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(io.BytesIO(response.data))
    found = workbook[sheet] if sheet else workbook.worksheets[0]
    return [[cell.value for cell in row] for row in found.iter_rows()]


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def column(rows: list[list[Any]], header: str) -> list[Any]:
    """The values of a column under its header (the first row), in row order."""
    i = rows[0].index(header)
    return [row[i] for row in rows[1:]]


def page_titles(response: Any) -> list[str]:
    """The posting titles of the coordinator's posting list, in its order."""
    return [
        html.unescape(t) for t in re.findall(r'<th scope="row"><a href="/postings/\d+">([^<]*)</a>', text(response))
    ]


def export_hrefs(response: Any) -> list[str]:
    return [
        html.unescape(h) for h in re.findall(r'<a class="button secondary" href="([^"]+)" download>', text(response))
    ]


# --- postings --------------------------------------------------------------------------------------


@pytest.fixture
def listed(make_org, make_posting):
    """Five postings of two organizations: three needs (one a hostile title, one a draft), two offers."""
    factory = make_org(name="贵州精密机械有限公司", contact_phone=PHONE, sectors=["advanced_equipment"])
    school = make_org(kind="school", subtype="高职院校", name="贵州装备职业学院", region="520302")
    make_posting(factory, direction="need", category="talent", title="数控操作工", sectors=["advanced_equipment"])
    make_posting(factory, direction="offer", category="internship", title="暑期实习岗位", valid_until=UNTIL)
    make_posting(factory, direction="need", category="technology", title=HOSTILE, sectors=["advanced_equipment"])
    make_posting(school, direction="offer", category="program", title="数控技术专业")
    make_posting(school, direction="need", category="mentor", title="产业导师", status="draft")
    return factory, school


def test_the_posting_export_holds_the_filtered_list_every_page_of_it(login, listed):
    coordinator = login(role="coordinator")
    query = "direction=need&sector=advanced_equipment"
    page = coordinator.get(f"/coordinator/postings?{query}")
    assert page_titles(page) == [HOSTILE, "数控操作工"]
    assert f"/coordinator/postings.xlsx?{query}" in export_hrefs(page)
    assert f"/coordinator/postings.csv?{query}" in export_hrefs(page)

    sheet = xlsx_rows(coordinator.get(f"/coordinator/postings.xlsx?{query}"))
    assert column(sheet, "标题") == [HOSTILE, "数控操作工"]
    assert column(sheet, "方向") == ["需求", "需求"]
    assert column(sheet, "产业") == ["先进装备制造", "先进装备制造"]
    lines = csv_rows(coordinator.get(f"/coordinator/postings.csv?{query}"))
    assert lines[0] == sheet[0]
    assert column(lines, "标题") == ["'" + HOSTILE, "数控操作工"]  # the apostrophe keeps it text in Excel

    # A page of two out of five: the file holds all five, drafts included, newest first as the page.
    first = coordinator.get("/coordinator/postings?page_size=2")
    assert page_titles(first) == ["产业导师", "数控技术专业"]
    href = next(h for h in export_hrefs(first) if ".xlsx" in h)
    assert "page_size=2" in href and "page=" not in href.replace("page_size", "")
    everything = xlsx_rows(coordinator.get(href))
    assert column(everything, "标题") == ["产业导师", "数控技术专业", HOSTILE, "暑期实习岗位", "数控操作工"]
    assert column(everything, "状态") == ["草稿", "已发布", "已发布", "已发布", "已发布"]
    # The page shows no contact details, and neither does its file.
    assert "联系电话" not in everything[0] and PHONE not in text(coordinator.get("/coordinator/postings.csv"))


def test_a_workbook_keeps_formula_like_text_as_text_dates_as_dates_and_a_frozen_header(login, listed):
    coordinator = login(role="coordinator")
    response = coordinator.get("/coordinator/postings.xlsx?direction=offer")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet.title == "需求与供给" and sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert all(cell.font.bold for cell in sheet[1])
    rows = {row[header.index("标题")].value: row for row in sheet.iter_rows(min_row=2)}
    internship = rows["暑期实习岗位"]
    until = internship[header.index("有效期至")]
    assert until.is_date and until.value.date() == UNTIL
    published = internship[header.index("发布时间")]
    assert published.is_date and abs(published.value - datetime.now()) < timedelta(days=1)
    assert sheet.column_dimensions["B"].width == 40  # the title column is wide enough to read
    hostile = load_workbook(io.BytesIO(coordinator.get("/coordinator/postings.xlsx?direction=need").data)).worksheets[0]
    cell = next(c for row in hostile.iter_rows(min_row=2) for c in row if c.value == HOSTILE)
    assert cell.data_type == "s"  # stored as text, not as a live formula


def test_a_bad_filter_is_named_on_the_page_instead_of_a_file(login, listed):
    response = login(role="coordinator").get("/coordinator/postings.xlsx?category=nonsense")
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert list(beside(response)) == ["category"]


# --- organizations -----------------------------------------------------------------------------


def test_the_organization_export_holds_the_tab_being_looked_at_with_its_contact_details(login, make_org, make_user):
    pending = make_org(verified=False, name="黔东南茶叶合作社", contact_name="杨主任", contact_phone=PHONE)
    make_user(org=pending)
    make_org(verified=False, name="毕节刺梨加工厂")
    make_org(name="贵阳大数据科技有限公司", contact_email="hr@example.cn")
    coordinator = login(role="coordinator")
    page = coordinator.get("/coordinator/organizations?show=pending")
    names = [html.unescape(n) for n in re.findall(r'<h2 id="org-\d+-name">([^<]*)</h2>', text(page))]
    assert names == ["黔东南茶叶合作社", "毕节刺梨加工厂"]
    assert "/coordinator/organizations.xlsx?show=pending" in export_hrefs(page)

    sheet = xlsx_rows(coordinator.get("/coordinator/organizations.xlsx?show=pending"))
    assert column(sheet, "机构名称") == names
    assert column(sheet, "状态") == ["待审核", "待审核"]
    assert column(sheet, "联系电话") == [PHONE, None]  # shown on the card, so in the file
    assert re.fullmatch(r"user\d+@example\.cn", column(sheet, "注册账号")[0])
    lines = csv_rows(coordinator.get("/coordinator/organizations.csv?show=verified"))
    assert column(lines, "机构名称") == ["贵阳大数据科技有限公司"] and column(lines, "电子邮箱") == ["hr@example.cn"]


# --- contact requests ----------------------------------------------------------------------------


def test_the_contact_export_holds_every_request_newest_first(app, login, make_org, make_user):
    school = make_org(kind="school", subtype="高职院校", name="贵州轻工职业技术学院", contact_phone=PHONE)
    firms = [make_org(name="贵州茅台酒厂（集团）"), make_org(name="老干妈风味食品")]
    senders = [make_user(org=firm)[0].id for firm in firms]
    with app.app_context(), writing():
        for n, sender in enumerate(senders):
            contacts.request_contact(
                db.session.get(User, sender),
                db.session.get(Organization, school.id),
                message=HOSTILE if n else "希望洽谈订单班",
            )
        db.session.commit()
    coordinator = login(role="coordinator")
    page = text(coordinator.get("/coordinator/contacts"))
    senders = [html.unescape(s) for s in re.findall(r"<tr>\s*<td>([^<]*)</td>", page)]
    assert senders == ["老干妈风味食品", "贵州茅台酒厂（集团）"]
    sheet = xlsx_rows(coordinator.get("/coordinator/contacts.xlsx"))
    assert column(sheet, "发起机构") == senders
    assert column(sheet, "被联系机构") == ["贵州轻工职业技术学院"] * 2
    assert column(sheet, "留言") == [HOSTILE, "希望洽谈订单班"] and column(sheet, "状态") == ["待答复"] * 2
    lines = csv_rows(coordinator.get("/coordinator/contacts.csv"))
    assert column(lines, "留言")[0] == "'" + HOSTILE and PHONE not in str(lines)


# --- an event's lists ----------------------------------------------------------------------------


@pytest.fixture
def met(app, make_org, make_user, make_event):
    """An event: three enterprises and two schools registered; e1 met s1 and s2, e2's request to s1 is
    pending, e3's to s2 declined. Outcomes, by hand: e1–s1 at the event 达成合作意向 (e1) and 签订合作协议 (s1),
    later 签订合作协议 (e1); e1–s2 at the event 无合作意向 (s2), nothing later."""
    orgs = {
        "e1": make_org(name="贵阳精密机械有限公司"),
        "e2": make_org(name="遵义航天零件有限公司"),
        "e3": make_org(name="安顺黄果树食品有限公司"),
        "s1": make_org(kind="school", subtype="高职院校", name="贵州装备职业学院"),
        "s2": make_org(kind="school", subtype="中职学校", name="贵州轻工职业技术学院"),
    }
    members = {name: make_user(org=org)[0].id for name, org in orgs.items()}
    coordinator = make_user(role="coordinator")[0]
    event_id = make_event(opened=True, by=coordinator, title="遵义装备制造校企洽谈会").id
    with app.app_context(), writing():
        event = db.session.get(Event, event_id)
        user = {name: db.session.get(User, i) for name, i in members.items()}
        part = {name: events.register(event, user[name]) for name in orgs}

        def ask(a: str, b: str, answer: bool | None) -> None:
            asked = events.request_meeting(event, part[a], part[b], user[a], priority=4, reason=f"{a} 想见 {b}")
            if answer is not None:
                events.answer_request(asked, answer, user[b])

        ask("e1", "s1", True)
        ask("e1", "s2", True)
        ask("e2", "s1", None)
        ask("e3", "s2", False)
        actor = db.session.get(User, coordinator.id)
        events.build_schedule(event, actor, event.version, time_limit=5.0)
        events.publish_schedule(event, actor, event.version)
        meeting = {
            m.request.to_participant.organization_id: m
            for m in db.session.scalars(select(Meeting).where(Meeting.event_id == event_id))
        }
        with_s1, with_s2 = meeting[orgs["s1"].id], meeting[orgs["s2"].id]
        events.record_outcome(with_s1, user["e1"], "intention", note="初步商定订单班")
        events.record_outcome(with_s1, user["s1"], "agreement", note=HOSTILE)
        events.record_outcome(with_s1, user["e1"], "agreement", stage="follow_up")
        events.record_outcome(with_s2, user["s2"], "no_interest")
        db.session.commit()
    return event_id, {name: org.name for name, org in orgs.items()}


def test_registrations_requests_and_meetings_export_as_the_management_page_lists_them(login, met):
    event_id, names = met
    coordinator = login(role="coordinator")
    manage = coordinator.get(f"/events/{event_id}/manage")
    listed = re.findall(r'<tr id="participant-\d+">\s*<th scope="row"><a [^>]*>([^<]*)</a>', text(manage))
    hrefs = export_hrefs(manage)
    for name in ("registrations", "meeting-requests", "meetings"):
        assert f"/events/{event_id}/{name}.xlsx" in hrefs and f"/events/{event_id}/{name}.csv" in hrefs

    registrations = xlsx_rows(coordinator.get(f"/events/{event_id}/registrations.xlsx"))
    assert column(registrations, "机构") == listed and len(listed) == 5
    meetings_each = dict(zip(column(registrations, "机构"), column(registrations, "洽谈（场）"), strict=True))
    assert meetings_each == {names["e1"]: 2, names["s1"]: 1, names["s2"]: 1, names["e2"]: 0, names["e3"]: 0}
    lines = csv_rows(coordinator.get(f"/events/{event_id}/registrations.csv"))
    assert lines[0] == registrations[0] and column(lines, "机构") == listed
    assert column(lines, "洽谈（场）") == [str(n) for n in column(registrations, "洽谈（场）")]

    requests = xlsx_rows(coordinator.get(f"/events/{event_id}/meeting-requests.xlsx"))
    assert sorted(column(requests, "状态")) == sorted(["已接受", "已接受", "等待答复", "已婉拒"])
    assert column(requests, "申请方") == [names["e1"], names["e1"], names["e2"], names["e3"]]
    counts = dict(re.findall(r"<div><dt>([^<]*)</dt><dd>(\d+)</dd></div>", text(manage)))
    for status in ("已接受", "等待答复", "已婉拒"):
        assert int(counts[status]) == column(requests, "状态").count(status)

    workbook = load_workbook(io.BytesIO(coordinator.get(f"/events/{event_id}/meetings.xlsx").data))
    assert workbook.sheetnames == ["全部洽谈", "场地安排"]
    meetings = [[c.value for c in row] for row in workbook["全部洽谈"].iter_rows()]
    assert sorted(column(meetings, "受邀方")) == sorted([names["s1"], names["s2"]])
    assert column(meetings, "已发布") == ["是", "是"]
    starts = column(meetings, "开始")
    assert all(s.strftime("%H:%M") in ("14:00", "14:20", "14:40") for s in starts)  # time cells, not text
    lines = csv_rows(coordinator.get(f"/events/{event_id}/meetings.csv"))
    assert column(lines, "受邀方") == column(meetings, "受邀方")
    assert column(lines, "开始") == [s.strftime("%H:%M") for s in starts]


def test_the_outcome_export_lists_every_record_and_the_totals_per_stage(login, met):
    event_id, names = met
    coordinator = login(role="coordinator")
    page = text(coordinator.get(f"/events/{event_id}/outcomes"))
    on_page = [
        (html.unescape(who), {"当天": "活动现场", "回访": "会后回访"}[stage], outcome)
        for who, stage, outcome in re.findall(r"<li>([^<（]*)（(当天|回访)）：<strong>([^<]*)</strong>", page)
    ]
    records = xlsx_rows(coordinator.get(f"/events/{event_id}/outcomes.xlsx"), "洽谈结果")
    in_file = list(zip(column(records, "记录方"), column(records, "阶段"), column(records, "结果"), strict=True))
    assert in_file == on_page and len(in_file) == 4
    assert (names["e1"], "会后回访", "签订合作协议") in in_file
    assert HOSTILE in column(records, "说明")

    # By hand: at the event e1–s1 counts once, at the furthest (签订合作协议), e1–s2 at 无合作意向;
    # at the follow-up only e1–s1 has a record.
    expected = [
        ["洽谈结果", "活动现场（场）", "会后回访（场）"],
        ["无合作意向", 1, 0],
        ["需进一步沟通", 0, 0],
        ["达成合作意向", 0, 0],
        ["签订合作协议", 1, 1],
        ["未记录", 0, 1],
        ["合计（已发布洽谈）", 2, 2],
    ]
    assert xlsx_rows(coordinator.get(f"/events/{event_id}/outcomes.xlsx"), "结果汇总") == expected
    assert xlsx_rows(coordinator.get(f"/events/{event_id}/outcome-totals.xlsx")) == expected
    assert csv_rows(coordinator.get(f"/events/{event_id}/outcome-totals.csv")) == [
        [str(v) for v in row] for row in expected
    ]
    shown = re.findall(r'<tr><th scope="row">([^<]*)</th><td>(\d+)</td><td>(\d+)</td></tr>', page)
    assert [[label, int(a), int(b)] for label, a, b in shown] == expected[1:]
    lines = csv_rows(coordinator.get(f"/events/{event_id}/outcomes.csv"))
    assert [tuple(line[4:7]) for line in lines[1:]] == in_file  # the CSV holds the records, the totals have their own


# --- who may download ----------------------------------------------------------------------------


def test_only_coordinators_download_members_are_refused_and_visitors_sent_to_log_in(client, login, make_org, met):
    event_id, _ = met
    urls = [
        "/coordinator/postings.xlsx",
        "/coordinator/postings.csv",
        "/coordinator/organizations.xlsx",
        "/coordinator/contacts.csv",
        *(f"/events/{event_id}/{name}.{fmt}" for name in ("registrations", "meeting-requests") for fmt in ("xlsx",)),
        f"/events/{event_id}/meetings.csv",
        f"/events/{event_id}/outcomes.xlsx",
        f"/events/{event_id}/outcome-totals.csv",
    ]
    member = login(make_org())
    for url in urls:
        assert member.get(url).status_code == 403, url
        answer = client.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], url
    assert login(role="coordinator").get(f"/events/{event_id}/outcomes.pdf").status_code == 404
