"""The main journeys through the real UI in Chromium: register, post, match, contact, accept, verify, search.

Each test drives the pages with clicks and typing (accessible locators: labels, roles, names) and asserts
what a person sees. The data the journeys start from (schools, their programs, a coordinator) is made
through the services, not the UI. Screenshots of the key pages, at phone and desktop
widths, land in test-artifacts/screenshots/ (`make screenshots` copies them to docs/screenshots/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from matchmaker.models import Organization, Posting

ENTERPRISE = "贵阳精工数控机械有限公司"
ENTERPRISE_EMAIL = "hr@jinggong-nc.cn"
ENTERPRISE_CONTACT = "li.gong@jinggong-nc.cn"
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct horse battery"
PROGRAM = "数控技术专业（高职专科）"
NEED = "招聘数控车床操作工"


@dataclass
class Catalogue:
    school: Organization
    school_email: str
    coordinator_email: str
    program_id: int


@pytest.fixture
def catalogue(make_org, make_user, make_posting) -> Catalogue:
    """Two verified vocational colleges with programs, an enterprise with needs, and a coordinator."""
    school = make_org(
        kind="school",
        subtype="高职院校",
        name="贵州装备职业学院",
        region="520115",
        sectors=["advanced_equipment"],
        contact_name="张老师",
        contact_phone="0851-8888 6666",
        contact_email="zhaosheng@zbxy.edu.cn",
        description="面向先进装备制造业培养高素质技术技能人才的公办高职院校。",
    )
    member, _ = make_user(org=school)
    tea_school = make_org(
        kind="school",
        subtype="高职院校",
        name="黔南民族职业技术学院",
        region="522701",
        sectors=["tea", "advanced_equipment"],
        contact_name="王老师",
    )
    tea_company = make_org(
        kind="enterprise", subtype="中小微企业", name="都匀毛尖茶业有限公司", region="522701", sectors=["tea"]
    )
    coordinator, _ = make_user(role="coordinator")

    program = make_posting(
        school,
        sectors=["advanced_equipment"],
        title=PROGRAM,
        quantity=45,
        description="培养数控编程与数控加工人才：开设数控车床、数控铣床与加工中心实训，学生掌握 "
        "FANUC、西门子数控系统的编程与操作，可胜任数控车床操作工、数控编程员等岗位。",
    )
    make_posting(
        school,
        sectors=["advanced_equipment"],
        category="training_base",
        title="数控加工实训基地对外开放",
        description="拥有数控车床 40 台、加工中心 12 台，可承接企业员工数控技能培训与生产性实训。",
    )
    make_posting(
        tea_school,
        title="机电一体化技术专业",
        sectors=["advanced_equipment"],
        description="培养机电设备安装调试与维修人才，课程含 PLC、数控机床维修。",
    )
    make_posting(
        tea_school,
        title="茶叶生产与加工技术专业",
        sectors=["tea"],
        description="培养茶叶种植、茶叶加工与茶叶审评人才，与都匀毛尖茶企合作开设订单班。",
    )
    make_posting(
        tea_company,
        direction="need",
        category="talent",
        title="招聘茶叶加工技术员",
        sectors=["tea"],
        quantity=6,
        description="负责都匀毛尖茶叶加工、杀青与揉捻设备操作。",
    )
    make_posting(
        tea_company,
        direction="need",
        category="training",
        title="茶叶加工设备数控化改造培训",
        sectors=["tea", "advanced_equipment"],
        description="为员工开展数控设备操作与维护培训。",
    )
    return Catalogue(
        school=school, school_email=member.email, coordinator_email=coordinator.email, program_id=program.id
    )


def label_of(text: str) -> re.Pattern:
    """A field's label exactly, with or without the required-field star (「密码 *」 but not 「再次输入密码」)."""
    return re.compile(rf"^{re.escape(text)}(\s*\*)?$")


def flash(page: Page):
    return page.get_by_role("status").filter(has_text=re.compile(r"\S"))


# --- A, B, C: register, post, match, contact; the school accepts; a coordinator verifies -------------------


def test_a_new_enterprise_finds_a_program_contacts_the_school_and_is_verified(
    live_server, new_page, log_in, screenshots, catalogue, count
):
    # A. A new enterprise registers …
    company = new_page("desktop")
    company.goto(f"{live_server}/")
    company.get_by_role("navigation", name="主导航").get_by_role("link", name="注册").click()
    expect(company.get_by_role("heading", name="机构注册")).to_be_visible()
    company.get_by_label("机构名称").fill(ENTERPRISE)
    company.get_by_role("radio", name="企业").check()
    company.get_by_label("机构细分类型").select_option("中小微企业")
    company.get_by_label("所在地区").select_option(label="观山湖区")
    company.get_by_role("checkbox", name="先进装备制造").check()
    company.get_by_label("机构简介").fill("专业从事精密轴类零件数控加工的制造企业。")
    company.get_by_label(label_of("联系人")).fill("李工")
    company.get_by_label("联系电话").fill("0851-8123 4567")
    company.get_by_label("联系邮箱").fill(ENTERPRISE_CONTACT)
    company.get_by_label("登录邮箱").fill(ENTERPRISE_EMAIL)
    company.get_by_label(label_of("密码")).fill(PASSWORD)
    company.get_by_label("再次输入密码").fill(PASSWORD)
    company.get_by_label("您的姓名").fill("李明")
    company.get_by_role("button", name="注册").click()

    expect(company).to_have_url(f"{live_server}/my/organization")
    expect(flash(company)).to_contain_text("注册成功")
    expect(company.get_by_role("heading", name=ENTERPRISE, level=1)).to_be_visible()
    expect(company.locator(".status-panel")).to_contain_text("待认证")

    # … posts a talent need …
    company.get_by_role("link", name="我的发布").click()
    company.get_by_role("link", name="发布需求或供给").first.click()
    expect(company.get_by_role("radio", name="需求（我方需要）")).to_be_checked()
    company.get_by_label("类别").select_option("talent")
    company.get_by_label("标题").fill(NEED)
    company.get_by_label("详细说明").fill("熟悉FANUC系统，能看懂零件图纸，独立完成数控车床编程与操作，两班倒。")
    company.get_by_label("人数或名额").fill("10")
    company.get_by_role("button", name="发布", exact=True).click()

    # … sees the school's program recommended, with the reasons …
    expect(company).to_have_url(re.compile(r"/my/postings/\d+/matches$"))
    expect(flash(company)).to_have_text("已发布。")
    expect(company.get_by_role("heading", name="匹配推荐")).to_be_visible()
    cards = company.locator("li.card.match")
    first = cards.first
    expect(first.get_by_role("heading", level=3)).to_have_text(PROGRAM)
    expect(first).to_contain_text("贵州装备职业学院")
    expect(first.locator(".snippet mark").first).to_be_visible()  # the matched words, highlighted
    reasons = first.locator(".why > p")
    expect(reasons).to_contain_text(re.compile(r"推荐理由：关键词匹配：[^；]*数控"))
    expect(reasons).to_contain_text("企业的人才需求；专业与课程供给可以答复")
    expect(reasons).to_contain_text("共同产业：先进装备制造")
    first.locator(".why summary").click()
    expect(first.get_by_text("综合得分")).to_be_visible()
    screenshots(company, "posting-matches")

    # … and asks the school for contact from the recommendation.
    first.locator("summary", has_text="联系对方").click()
    first.get_by_label("留言").fill("我司急需数控车床操作工，希望与贵校合作开设订单班。")
    first.get_by_role("button", name="发送联系请求").click()
    expect(flash(company)).to_contain_text("已发送联系请求")
    expect(company.locator("li.card.match").first).to_contain_text("已向该机构发送联系请求，等待对方答复。")
    company.get_by_role("link", name="联系请求").click()
    sent = company.get_by_role("region", name=re.compile("发出的请求")).locator("li.card")
    expect(sent).to_have_count(1)
    expect(sent).to_contain_text("发给 贵州装备职业学院")
    expect(sent).to_contain_text("等待答复")
    expect(sent).not_to_contain_text("zhaosheng@zbxy.edu.cn")

    # B. A member of the school logs in and accepts the request …
    school = new_page("desktop")
    log_in(school, catalogue.school_email)
    school.get_by_role("link", name="联系请求").click()
    received = school.get_by_role("region", name=re.compile("收到的请求")).locator("li.card")
    expect(received).to_have_count(1)
    expect(received).to_contain_text(f"来自 {ENTERPRISE}")
    expect(received).to_contain_text("希望与贵校合作开设订单班")
    expect(received).to_contain_text(NEED)
    expect(received).not_to_contain_text(ENTERPRISE_CONTACT)
    received.get_by_role("button", name=re.compile("^接受")).click()
    expect(flash(school)).to_contain_text(f"已接受「{ENTERPRISE}」的联系请求")
    details = school.get_by_label(f"{ENTERPRISE} 的联系方式")
    expect(details).to_contain_text("李工")
    expect(details).to_contain_text(ENTERPRISE_CONTACT)
    expect(details).to_contain_text("0851-8123 4567")
    screenshots(school, "contacts-accepted")

    # … and the enterprise now sees the school's contact details.
    company.reload()
    school_details = company.get_by_label("贵州装备职业学院 的联系方式")
    expect(school_details).to_contain_text("张老师")
    expect(school_details).to_contain_text("zhaosheng@zbxy.edu.cn")
    expect(company.get_by_role("region", name=re.compile("发出的请求"))).to_contain_text("已接受")

    # C. Before verification the need is not public …
    visitor = new_page("desktop")
    visitor.goto(f"{live_server}/search?q={NEED[2:]}")
    expect(visitor.get_by_role("status").first).to_be_visible()
    expect(visitor.get_by_role("link", name=NEED)).to_have_count(0)

    # … a coordinator verifies the enterprise from the queue …
    coordinator = new_page("desktop")
    log_in(coordinator, catalogue.coordinator_email)
    coordinator.get_by_role("link", name="机构审核").click()
    expect(coordinator.get_by_role("heading", name="机构审核", level=1)).to_be_visible()
    expect(coordinator.get_by_role("link", name=re.compile("^待审核"))).to_have_attribute("aria-current", "page")
    pending = coordinator.get_by_role("article", name=ENTERPRISE)
    expect(pending).to_contain_text("待审核")
    expect(pending).to_contain_text("中小微企业")
    expect(pending).to_contain_text("贵阳市观山湖区")
    expect(pending).to_contain_text("共 1 条，其中已发布 1 条")
    expect(pending).to_contain_text(ENTERPRISE_EMAIL)
    expect(coordinator.get_by_role("article", name="贵州装备职业学院")).to_have_count(0)  # already verified
    screenshots(coordinator, "coordinator-verify")
    pending.get_by_role("button", name="认证", exact=True).click()
    expect(flash(coordinator)).to_contain_text(f"已认证「{ENTERPRISE}」")
    expect(coordinator.get_by_text("没有待审核的机构。")).to_be_visible()
    coordinator.get_by_role("link", name=re.compile("^已认证")).click()
    expect(coordinator.get_by_role("article", name=ENTERPRISE)).to_contain_text("已认证")

    # … the enterprise sees it on its own page …
    company.get_by_role("link", name="本机构").click()
    expect(company.locator(".status-panel")).to_contain_text("已认证")

    # … and anyone can now find the need with the site search.
    visitor.goto(f"{live_server}/")
    visitor.get_by_role("search").get_by_label("搜索内容").fill(NEED[2:])
    visitor.get_by_role("search").get_by_role("button", name="搜索").click()
    expect(visitor).to_have_url(re.compile(r"/search\?"))
    found = visitor.get_by_role("link", name=NEED)
    expect(found).to_have_count(1)
    found.click()
    expect(visitor.get_by_role("heading", name=NEED, level=1)).to_be_visible()
    expect(visitor.get_by_role("link", name=ENTERPRISE)).to_be_visible()
    expect(visitor.get_by_text("0851-8123 4567")).to_have_count(0)  # contact details stay private
    assert count(Organization) == 4 and count(Posting) == 7


# --- D: a form with bad fields shows each message beside its field --------------------------------


def error_beside(page: Page, label: str, message: str | re.Pattern) -> None:
    """The field is marked invalid, points at its message, and the message is shown right under it."""
    field = page.get_by_label(label_of(label))
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby")
    assert described, f"{label}: no aria-describedby"
    error = page.locator(f"#{described}")
    expect(error).to_have_count(1)
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_have_text(message)
    expect(error).to_be_visible()
    container = field.locator("xpath=ancestor::*[contains(concat(' ', @class, ' '), ' field ')][1]")
    expect(container.get_by_role("alert")).to_have_text(message)
    box, error_box = field.bounding_box(), error.bounding_box()
    assert 0 <= error_box["y"] - (box["y"] + box["height"]) < 60, f"{label}: the message is not right under the field"


def test_the_posting_form_shows_each_message_beside_its_field_and_creates_nothing(
    live_server, new_page, log_in, screenshots, make_org, make_user, count
):
    org = make_org(kind="enterprise", name="贵州黔茶机械有限公司", region="520115", sectors=["advanced_equipment"])
    user, _ = make_user(org=org)
    page = new_page("desktop")
    log_in(page, user.email)
    page.get_by_role("link", name="我的发布").click()
    page.get_by_role("link", name="发布需求或供给").first.click()

    # An empty title and a description over 5,000 characters.
    page.get_by_label("类别").select_option("talent")
    page.get_by_label("详细说明").fill("熟悉数控车床操作。" * 560)  # 5,040 characters
    page.get_by_role("button", name="发布", exact=True).click()

    expect(page.get_by_role("heading", name="发布需求或供给", level=1)).to_be_visible()
    expect(page.locator("#error-summary")).to_contain_text("提交未成功")
    error_beside(page, "标题", "不能为空。")
    error_beside(page, "详细说明", "不能超过 5000 个字符（现为 5040 个）。")
    expect(page.get_by_label("详细说明")).to_have_value("熟悉数控车床操作。" * 560)  # nothing typed is lost
    expect(page.get_by_label("类别")).to_have_value("talent")
    assert count(Posting) == 0
    screenshots(page, "posting-form-error")

    # Fixed, but the dates the wrong way round: the service's message, beside the end date.
    page.get_by_label("标题").fill("招聘茶叶机械装配工")
    page.get_by_label("详细说明").fill("负责茶叶加工机械的装配与调试。")
    page.get_by_label("开始日期").fill("2031-09-01")
    page.get_by_label("结束日期").fill("2031-07-01")
    page.get_by_role("button", name="发布", exact=True).click()
    error_beside(page, "结束日期", "结束日期不能早于开始日期。")
    expect(page.get_by_label("标题").locator("xpath=..").get_by_role("alert")).to_have_count(0)
    expect(page.get_by_label("开始日期")).to_have_value("2031-09-01")
    assert count(Posting) == 0

    # Put right, the posting is published.
    page.get_by_label("结束日期").fill("2031-12-31")
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page).to_have_url(re.compile(r"/my/postings/\d+/matches$"))
    expect(page.get_by_role("heading", name="招聘茶叶机械装配工")).to_be_visible()
    assert count(Posting) == 1


def test_registration_errors_show_beside_their_fields(live_server, new_page, fits, make_org, make_user, count):
    taken, _ = make_user(org=make_org())
    before = count(Organization)
    page = new_page("phone")
    page.goto(f"{live_server}/register")
    page.get_by_label("机构名称").fill("贵州测试学院")
    page.get_by_role("radio", name="院校").check()
    page.get_by_label("机构细分类型").select_option("中小微企业")  # an enterprise subtype for a school
    page.get_by_label("所在地区").select_option(label="都匀市")
    page.get_by_label("登录邮箱").fill(taken.email)
    page.get_by_label(label_of("密码")).fill("short")
    page.get_by_label("再次输入密码").fill("different")
    page.get_by_role("button", name="注册").click()

    expect(page.locator("#error-summary")).to_be_visible()
    for label in ("机构细分类型", "登录邮箱", "密码"):
        field = page.get_by_label(label_of(label))
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field.get_attribute('aria-describedby')}")).to_be_visible()
    expect(page.get_by_label("机构名称")).to_have_value("贵州测试学院")
    assert fits(page)
    assert count(Organization) == before


# --- public pages at both widths ----------------------------------------------------------------------


def test_home_and_search_with_facets_at_phone_and_desktop_widths(live_server, new_page, screenshots, catalogue):
    page = new_page("phone")
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", name="企业需求与院校资源精准对接")).to_be_visible()
    stats = page.get_by_role("list", name="平台概况")
    expect(stats).to_contain_text("3 家已认证机构")
    expect(stats).to_contain_text("2 条需求")
    expect(stats).to_contain_text("4 条供给")
    expect(page.get_by_role("link", name="茶叶 3 条", exact=True)).to_be_visible()
    screenshots(page, "home")

    page.set_viewport_size(PHONE)
    page.get_by_label("搜索内容").fill("机床")
    page.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"/search\?q="))
    summary = page.locator(".results-summary")
    expect(summary).to_contain_text(re.compile(r"找到 \d+ 条结果"))
    results = page.locator("ol.result-list > li")
    expect(results.first).to_contain_text(PROGRAM)
    expect(results.filter(has_text="贵州装备职业学院").first).to_be_visible()
    expect(results.filter(has_text="黔南民族职业技术学院").first).to_be_visible()
    total = results.count()
    expect(page.locator(".results-summary")).to_contain_text(f"找到 {total} 条结果")
    facets = page.get_by_role("complementary", name="筛选")
    for title in ("产业", "地区", "类别", "机构类型"):
        expect(facets.get_by_role("heading", name=title, exact=True)).to_be_visible()
    screenshots(page, "search")

    # A facet narrows the results to its count and shows as a removable filter.
    qiannan = facets.get_by_role("link", name=re.compile("^黔南布依族苗族自治州"))
    in_qiannan = int(qiannan.locator(".count").inner_text().split()[0])
    assert 0 < in_qiannan < total
    qiannan.click()
    expect(page.get_by_role("list", name="已选筛选条件")).to_contain_text("地区：黔南布依族苗族自治州")
    expect(page.locator(".results-summary")).to_contain_text(f"找到 {in_qiannan} 条结果")
    expect(results).to_have_count(in_qiannan)
    expect(results.filter(has_text="贵州装备职业学院")).to_have_count(0)
    expect(facets.locator("a.active")).to_contain_text("黔南布依族苗族自治州")
    page.get_by_role("link", name=re.compile("^地区：黔南布依族苗族自治州")).click()
    expect(results).to_have_count(total)

    # A posting and the matches offered for it.
    page.goto(f"{live_server}/postings/{catalogue.program_id}")
    expect(page.get_by_role("heading", name=PROGRAM, level=1)).to_be_visible()
    matches = page.get_by_role("region", name="可能需要此供给的需求")
    expect(matches.get_by_role("listitem").first).to_be_visible()
    expect(matches.locator("details.why").first).to_contain_text("为什么匹配")
    screenshots(page, "posting-public")
