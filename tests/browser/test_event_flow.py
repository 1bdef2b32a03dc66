"""A matchmaking event in Chromium: a coordinator sets it up, two enterprises and two schools register,
meeting requests are sent and accepted, the schedule is generated and published, and the agenda page
and its .ics file show the meetings.

The organizations, their members and postings are made through the services; everything
about the event is done in the pages, with clicks and typing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import icalendar
import pytest
from playwright.sync_api import Page, expect

from matchmaker.models.base import LOCAL_TZ

PASSWORD = "correct horse battery"
TITLE = "2026 贵阳装备制造产教对接会"
ENTERPRISES = ("贵阳精密机械有限公司", "遵义航天零件有限公司")
SCHOOLS = ("贵州装备职业学院", "贵州轻工职业技术学院")


@pytest.fixture
def people(make_org, make_user, make_posting) -> dict[str, str]:
    """Two enterprises with talent needs, two schools with programs, a coordinator: name → login e-mail."""
    postings = {
        ENTERPRISES[0]: dict(
            direction="need",
            category="talent",
            title="招聘数控车床操作工",
            description="熟悉 FANUC 数控系统，能独立完成数控车床编程与操作。",
        ),
        ENTERPRISES[1]: dict(
            direction="need",
            category="talent",
            title="招聘机电设备维修技术员",
            description="负责数控机床与自动化生产线的机电设备维修，熟悉 PLC。",
        ),
        SCHOOLS[0]: dict(
            direction="offer",
            category="program",
            title="数控技术专业",
            description="培养数控编程与数控加工人才，开设数控车床、加工中心实训。",
        ),
        SCHOOLS[1]: dict(
            direction="offer",
            category="program",
            title="机电一体化技术专业",
            description="培养机电设备安装调试与维修人才，课程含 PLC、数控机床维修。",
        ),
    }
    emails = {}
    for name, posting in postings.items():
        org = make_org(
            kind="enterprise" if name in ENTERPRISES else "school",
            name=name,
            region="520115",
            sectors=["advanced_equipment"],
        )
        user, _ = make_user(org=org)
        make_posting(org, sectors=["advanced_equipment"], region="520115", **posting)
        emails[name] = user.email
    coordinator, _ = make_user(role="coordinator")
    emails["coordinator"] = coordinator.email
    return emails


def flash(page: Page):
    return page.get_by_role("status").filter(has_text=re.compile(r"\S"))


def test_an_event_from_set_up_to_agendas_and_calendar_files(
    live_server, new_page, log_in, screenshots, people, tmp_path
):
    # The coordinator sets up the event …
    coordinator = new_page("desktop")
    log_in(coordinator, people["coordinator"])
    coordinator.get_by_role("navigation", name="主导航").get_by_role("link", name="对接活动").click()
    coordinator.get_by_role("link", name="新建活动").click()
    soon = datetime.now(LOCAL_TZ) + timedelta(days=5)
    coordinator.get_by_label("活动名称").fill(TITLE)
    coordinator.get_by_label("举办日期").fill((soon + timedelta(days=7)).date().isoformat())
    coordinator.get_by_label(re.compile("^地点")).fill("贵阳国际会议展览中心 A 馆")
    coordinator.get_by_role("checkbox", name="先进装备制造").check()
    coordinator.get_by_label("报名截止").fill(soon.strftime("%Y-%m-%dT%H:%M"))
    coordinator.get_by_label("约谈申请截止").fill((soon + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    coordinator.get_by_label(re.compile("^第一场开始")).fill("14:00")
    coordinator.get_by_label("场次数").fill("3")
    coordinator.get_by_label("洽谈桌数量").fill("2")
    coordinator.get_by_role("button", name="创建活动").click()
    expect(flash(coordinator)).to_contain_text("活动已创建")
    coordinator.get_by_role("button", name="开放报名").click()
    expect(flash(coordinator)).to_contain_text("已开放报名")

    # … two enterprises and two schools register …
    pages = {}
    for name in (*ENTERPRISES, *SCHOOLS):
        page = pages[name] = new_page("phone")
        log_in(page, people[name])
        page.goto(f"{live_server}/events")
        page.get_by_role("link", name=TITLE).click()
        page.get_by_role("button", name="报名参加").click()
        expect(flash(page)).to_contain_text("报名成功")

    # … and the coordinator approves them.
    coordinator.reload()
    for name in (*ENTERPRISES, *SCHOOLS):
        coordinator.get_by_role("button", name=re.compile(rf"^通过\s*：{name}")).click()
        expect(flash(coordinator)).to_contain_text(f"已通过「{name}」的报名")

    # The first enterprise sees the schools ranked by the matching engine, with reasons, and asks both.
    company = pages[ENTERPRISES[0]]
    company.reload()
    company.get_by_role("link", name="查看推荐洽谈对象").click()
    cards = company.locator("li.card")
    expect(cards).to_have_count(2)
    expect(cards.first.get_by_role("heading")).to_have_text(SCHOOLS[0])
    expect(cards.first).to_contain_text("为什么推荐")
    expect(cards.first).to_contain_text("数控技术专业")
    screenshots(company, "event-recommendations")
    cards.first.get_by_label("优先级").select_option("5")
    cards.first.get_by_label("洽谈事由").fill("洽谈数控专业订单班合作")
    cards.first.get_by_role("button", name=re.compile(rf"^申请约谈\s*：{SCHOOLS[0]}")).click()
    expect(flash(company)).to_contain_text(f"已向「{SCHOOLS[0]}」发出约谈申请")
    company.locator("li.card", has_text=SCHOOLS[1]).get_by_role("button", name=re.compile("^申请约谈")).click()
    expect(flash(company)).to_contain_text(f"已向「{SCHOOLS[1]}」发出约谈申请")

    other = pages[ENTERPRISES[1]]
    other.goto(f"{live_server}/events")
    other.get_by_role("link", name=TITLE).click()
    other.get_by_role("link", name="查看推荐洽谈对象").click()
    other.locator("li.card", has_text=SCHOOLS[0]).get_by_role("button", name=re.compile("^申请约谈")).click()
    expect(flash(other)).to_contain_text("发出约谈申请")

    # The schools accept.
    for school, count in ((SCHOOLS[0], 2), (SCHOOLS[1], 1)):
        page = pages[school]
        page.goto(f"{live_server}/events")
        page.get_by_role("link", name=TITLE).click()
        page.get_by_role("link", name="约谈申请", exact=True).first.click()
        received = page.get_by_role("region", name=re.compile("收到的申请")).locator("li.card")
        expect(received).to_have_count(count)
        for _ in range(count):
            page.get_by_role("button", name=re.compile("^接受")).first.click()
            expect(flash(page)).to_contain_text("已接受")
        expect(received.filter(has_text="已接受")).to_have_count(count)

    # The coordinator generates the schedule, reviews the draft and publishes it.
    coordinator.reload()
    coordinator.get_by_role("button", name="生成日程草稿").click()
    expect(flash(coordinator)).to_contain_text("已生成日程草稿：安排 3 场洽谈（最优）")
    report = coordinator.get_by_label("排程结果")
    expect(report).to_contain_text("已证明最优")
    expect(report).to_contain_text("3 场为草稿")
    coordinator.get_by_role("button", name=re.compile("^发布日程")).click()
    expect(flash(coordinator)).to_contain_text("日程已发布：3 场洽谈")
    screenshots(coordinator, "event-manage")
    coordinator.get_by_role("link", name=re.compile("^场地安排")).first.click()
    expect(coordinator.locator("td.meeting")).to_have_count(3)
    screenshots(coordinator, "event-room-plan")

    # The enterprise's agenda shows both meetings with times and tables …
    company.goto(f"{live_server}/events")
    company.get_by_role("link", name=TITLE).click()
    company.get_by_role("link", name="我的日程").first.click()
    meetings = company.locator("ol.agenda > li")
    expect(meetings).to_have_count(2)
    expect(meetings.filter(has_text=SCHOOLS[0])).to_contain_text("洽谈数控专业订单班合作")
    for i in range(2):
        expect(meetings.nth(i).locator(".when")).to_contain_text(re.compile(r"1[45]:\d\d–1[45]:\d\d\s+\d+ 号桌"))
    screenshots(company, "event-agenda")

    # … and so does its calendar file.
    with company.expect_download() as download:
        company.get_by_role("link", name=re.compile(r"\.ics")).click()
    path = tmp_path / "agenda.ics"
    download.value.save_as(path)
    entries = list(icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"))
    assert sorted(str(e["summary"]) for e in entries) == sorted(f"洽谈：{s}" for s in SCHOOLS)
    shown = sorted(t.split("–")[0] for t in meetings.locator(".when strong").all_inner_texts())
    assert sorted(e.decoded("dtstart").astimezone(LOCAL_TZ).strftime("%H:%M") for e in entries) == shown
