"""A school–enterprise cooperation project in Chromium, from the form to the public demonstration library.

An enterprise's member enters a 订单班 with a vocational college; the college's member confirms it; the
enterprise moves it through 立项 → 实施中 → 结题 with the dates each step happened; a coordinator
nominates it, reviews it against the four criteria and publishes it; an anonymous visitor filters the
library and opens its page. The organizations, their members and one other library entry (so the
filter has something to leave out) are made through the services; everything about the project is done
in the pages, with clicks and typing.

Screenshots: project-*.png (the member's project page), library-*.png and library-project-*.png.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from matchmaker import projects
from matchmaker.extensions import db, writing
from matchmaker.models import User, local_today

TITLE = "数控技术订单班（2025 级）"
ENTERPRISE = "贵州精工机床有限公司"
SCHOOL = "遵义职业技术学院"
OTHER_TITLE = "湄潭茶产业学院"
ALL_CRITERIA = ("mechanism", "education", "industry", "replicable")
CRITERIA = {  # as the reviewer sees them: name → the note they write
    "合作机制健全": "三方协议、分工与投入明确，每学期召开校企联席会。",
    "育人成效显著": "首届 42 名学生全部取得数控车工中级证书，38 人留企就业。",
    "服务产业明显": "服务先进装备制造业，缓解企业数控岗位缺口。",
    "可复制可推广": "课程标准与考核办法已整理成册，可供同类院校借鉴。",
}


@dataclass
class People:
    enterprise: str
    school: str
    coordinator: str


@pytest.fixture
def people(app, make_org, make_user) -> People:
    """A vocational college and an enterprise in Zunyi with a member each, a coordinator, and one project of
    other partners already in the library (an industry college on tea)."""
    school = make_org(kind="school", subtype="高职院校", name=SCHOOL, region="520302", sectors=["advanced_equipment"])
    enterprise = make_org(kind="enterprise", name=ENTERPRISE, region="520303", sectors=["advanced_equipment"])
    tea_school = make_org(
        kind="school", subtype="中职学校", name="湄潭县中等职业学校", region="520328", sectors=["tea"]
    )
    tea_company = make_org(kind="enterprise", name="湄潭茶业有限公司", region="520328", sectors=["tea"])
    school_member, _ = make_user(org=school)
    enterprise_member, _ = make_user(org=enterprise)
    tea_members = [make_user(org=org)[0] for org in (tea_school, tea_company)]
    coordinator, _ = make_user(role="coordinator")
    today = local_today()
    with app.app_context(), writing():
        actor = db.session.get(User, coordinator.id)
        project = projects.create_project(
            {
                "title": OTHER_TITLE,
                "type_code": "industry_college",
                "partners": [
                    {"organization_id": tea_school.id, "role": "lead"},
                    {"organization_id": tea_company.id, "role": "partner"},
                ],
                "sectors": ["tea"],
            },
            actor,
        )
        for member in tea_members:
            projects.confirm_partnership(project, db.session.get(User, member.id))
        for status, days in (("approved", 400), ("in_progress", 300)):
            projects.set_project_status(project, status, actor, occurred_on=today - timedelta(days=days))
        projects.nominate_project(project, actor)
        projects.publish_project(project, actor, {c: {"met": True, "note": "材料齐全"} for c in ALL_CRITERIA})
        db.session.commit()
    return People(enterprise_member.email, school_member.email, coordinator.email)


def flash(page: Page):
    return page.get_by_role("status").filter(has_text=re.compile(r"\S"))


def partner_item(page: Page, name: str):
    return page.get_by_role("region", name="合作单位").get_by_role("listitem").filter(has_text=name)


def step(page: Page, label: str):
    return page.get_by_role("list", name="项目进程").get_by_role("listitem").filter(has_text=label)


def history(page: Page):
    """The project's history entries, newest first."""
    return page.get_by_role("list", name="变更记录").get_by_role("listitem")


def parts(*texts: str) -> re.Pattern:
    """The texts in this order, whatever white space the layout puts between them."""
    return re.compile(r"\s*".join(map(re.escape, texts)))


def chinese(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def test_a_project_from_the_form_to_the_demonstration_library(live_server, new_page, log_in, screenshots, people):
    today = local_today()
    signed, approved, started, closed = (today - timedelta(days=d) for d in (200, 180, 150, 10))

    # The enterprise's member enters the project with the college as partner.
    company = new_page("desktop")
    log_in(company, people.enterprise)
    company.get_by_role("navigation", name="主导航").get_by_role("link", name="合作项目").click()
    company.get_by_role("link", name="新建合作项目").click()
    company.get_by_label("项目名称").fill(TITLE)
    company.get_by_label("合作类型").select_option(label="订单班")
    company.get_by_role("button", name="保存").click()  # no partner chosen yet
    expect(company.get_by_role("alert").first).to_contain_text("合作项目至少需要两家合作单位。")
    expect(company.get_by_label("项目名称")).to_have_value(TITLE)
    company.get_by_label("合作单位 1").select_option(label=f"{SCHOOL}（院校）")
    company.get_by_label("项目简介").fill("按企业数控岗位需求联合招生，企业工程师进校授课，第三学年到企业跟岗实习。")
    company.get_by_role("checkbox", name="先进装备制造").check()
    company.get_by_label("开始日期").fill(signed.isoformat())
    company.get_by_label("培养学生（人）").fill("42")
    company.get_by_label("企业投入（元）").fill("360000")
    company.get_by_label("涉及专业").fill("460103")
    company.get_by_label("文件名称 1").fill("订单班合作协议")
    company.get_by_label("链接 1").fill("https://www.zyvtc.cn/files/order-class-agreement.pdf")
    company.get_by_role("button", name="保存").click()
    expect(flash(company)).to_contain_text("已创建合作项目。其他合作单位确认后，项目计入统计。")
    expect(company.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(partner_item(company, ENTERPRISE)).to_contain_text("已确认")
    expect(partner_item(company, SCHOOL)).to_contain_text("待确认")
    expect(company.get_by_text("还有合作单位未确认参与")).to_be_visible()
    expect(step(company, "签订协议")).to_contain_text(chinese(signed))
    project_url = company.url

    # The college's member is told, opens the project and confirms.
    college = new_page("phone")
    log_in(college, people.school)
    college.goto(f"{live_server}/notifications")
    college.get_by_role("link", name=re.compile(f"请确认合作项目「{re.escape(TITLE)}」")).click()
    expect(college.get_by_role("heading", level=1)).to_have_text(TITLE)
    college.get_by_role("button", name="确认参与").click()
    expect(flash(college)).to_contain_text("已确认贵单位参与该项目。全部合作单位均已确认，项目计入统计。")
    expect(partner_item(college, SCHOOL)).to_contain_text(f"已确认 {chinese(today)}")
    expect(college.get_by_role("button", name="确认参与")).to_have_count(0)

    # The enterprise moves it through 立项 → 实施中 → 结题, each with the day it happened.
    company.reload()
    expect(company.get_by_text("还有合作单位未确认参与")).to_have_count(0)
    for previous, label, day, note in (
        ("签订协议", "立项", approved, "遵义市教育局批复立项"),
        ("立项", "实施中", started, "首届 42 名学生开班"),
        ("实施中", "结题", closed, "通过校企联合结题验收"),
    ):
        company.get_by_label("下一步").select_option(label=label)
        company.get_by_label("发生日期").fill(day.isoformat())
        company.get_by_label("说明").fill(note)
        company.get_by_role("button", name="更新状态").click()
        expect(flash(company)).to_contain_text(f"项目状态已改为「{label}」。")
        expect(step(company, label)).to_contain_text(chinese(day))
        expect(history(company).first).to_contain_text(
            parts(f"{previous} → {label}", chinese(day), note, f"{ENTERPRISE} 记录于")
        )
    expect(company.locator("h1 + .meta")).to_contain_text("结题")
    for label, day in (("签订协议", signed), ("立项", approved), ("实施中", started), ("结题", closed)):
        expect(step(company, label)).to_contain_text(chinese(day))
    expect(company.get_by_label("下一步")).to_have_count(0)  # 结题 is the last step
    expect(company.get_by_text(f"实施期：{chinese(signed)} 至 {chinese(closed)}")).to_be_visible()

    # After 结题 it adds what came of it.
    company.get_by_role("link", name="编辑项目").click()
    company.get_by_label("合作成果").fill("首届 42 名学生全部取得数控车工中级证书，38 人留企就业。")
    company.get_by_role("button", name="保存").click()
    expect(flash(company)).to_contain_text("已保存。")
    expect(history(company).first).to_contain_text(parts("修改信息", "合作成果", f"{ENTERPRISE} 记录于"))

    # A coordinator nominates it, reviews it against every criterion and publishes it.
    coordinator = new_page("desktop")
    log_in(coordinator, people.coordinator)
    coordinator.get_by_role("navigation", name="主导航").get_by_role("link", name="合作项目").click()
    coordinator.get_by_label("合作类型").select_option(label="订单班")
    coordinator.get_by_role("button", name="筛选").click()
    coordinator.get_by_role("link", name=TITLE).click()
    coordinator.get_by_label("推荐意见").fill("订单班育人成效突出，建议入库。")
    coordinator.get_by_role("button", name="推荐入库").click()
    expect(flash(coordinator)).to_contain_text("已推荐入库，等待审核。")
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(f"审核：{TITLE}")
    expect(step(coordinator, "结题")).to_contain_text(chinese(closed))
    for name, note in CRITERIA.items():
        coordinator.get_by_role("checkbox", name=name).check()
        coordinator.get_by_label(f"{name}审核意见").fill(note)
    coordinator.get_by_role("button", name="入选并公开").click()
    expect(flash(coordinator)).to_contain_text("已入选示范项目库并公开。")
    expect(coordinator.get_by_text("暂无待审核的项目。")).to_be_visible()

    # The enterprise's page now says so, with the whole lifecycle and its history.
    company.goto(project_url)
    expect(company.locator("h1 + .meta")).to_contain_text("已入库")
    entries = history(company)
    expect(entries).to_have_count(8)
    expect(entries.nth(0)).to_contain_text("入选示范项目库")
    expect(entries.nth(0)).to_contain_text("协调员 记录于")
    expect(entries.nth(1)).to_contain_text(
        parts("推荐入库", chinese(today), "订单班育人成效突出，建议入库。", "协调员 记录于")
    )
    expect(entries.nth(6)).to_contain_text(parts("确认参与", chinese(today), f"{SCHOOL} 记录于"))
    expect(entries.nth(7)).to_contain_text(parts("创建项目", chinese(signed), f"{ENTERPRISE} 记录于"))
    screenshots(company, "project")

    # An anonymous visitor finds it in the library with a filter and opens it.
    visitor = new_page("phone")
    visitor.goto(live_server)
    visitor.get_by_role("navigation", name="主导航").get_by_role("link", name="示范项目库").click()
    entries = visitor.locator("li.project-card")
    expect(entries).to_have_count(2)
    expect(visitor.get_by_text("共 2 个示范项目")).to_be_visible()
    visitor.get_by_label("合作类型").select_option(label="订单班")
    visitor.get_by_role("button", name="筛选").click()
    expect(entries).to_have_count(1)
    expect(visitor.get_by_text("共 1 个示范项目")).to_be_visible()
    expect(entries.first).to_contain_text(TITLE)
    expect(entries.first).to_contain_text(f"{SCHOOL}、{ENTERPRISE}")
    expect(visitor.get_by_text(OTHER_TITLE)).to_have_count(0)
    screenshots(visitor, "library")
    visitor.get_by_role("link", name="清除筛选").click()
    expect(entries).to_have_count(2)
    expect(visitor.get_by_label("合作类型")).to_have_value("")
    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.get_by_role("region", name="合作单位")).to_contain_text(SCHOOL)
    for label, day in (("签订协议", signed), ("立项", approved), ("实施中", started), ("结题", closed)):
        expect(step(visitor, label)).to_contain_text(chinese(day))
    expect(visitor.get_by_text(f"实施期：{chinese(signed)} 至 {chinese(closed)}")).to_be_visible()
    figures = visitor.locator("dl.figures")
    expect(figures).to_contain_text(parts("培养学生（人）", "42"))
    expect(figures).to_contain_text(parts("企业投入（元）", "360,000"))
    expect(figures).not_to_contain_text("学徒")  # nothing reported, nothing shown
    expect(visitor.get_by_text("38 人留企就业").first).to_be_visible()
    for name, note in CRITERIA.items():
        expect(visitor.get_by_role("region", name="入库评价")).to_contain_text(parts(name, note))
    screenshots(visitor, "library-project")
