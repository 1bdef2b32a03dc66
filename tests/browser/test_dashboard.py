"""The supply–demand dashboard in Chromium: every chart is drawn (ECharts, served from the package) and the
page fits a phone. Screenshots: dashboard-phone.png and dashboard-desktop.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from matchmaker.events import operations as ops
from matchmaker.extensions import db, writing
from matchmaker.models import Event, User

CHARTS = ("regions", "categories", "months", "headcount", "events")

# What one chart holds and draws: how many data points (and their total), and how many inked canvas pixels.
DRAWN = """(name) => {
  const el = document.querySelector(`[data-chart="${name}"]`);
  const chart = echarts.getInstanceByDom(el);
  if (!chart) return null;
  const option = chart.getOption();
  let points = 0, total = 0;
  for (const series of option.series) {
    for (const item of series.data) {
      points += 1;
      const value = Array.isArray(item) ? item[item.length - 1] : (item?.value !== undefined ? item.value : item);
      total += Math.abs(Number(value) || 0);
    }
  }
  const canvas = el.querySelector("canvas");
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] > 0 && (pixels[i] < 235 || pixels[i + 1] < 235 || pixels[i + 2] < 235)) inked += 1;
  }
  return {points, total, inked, width: canvas.getBoundingClientRect().width, box: el.clientWidth,
          series: option.series.map((s) => s.name)};
}"""


@pytest.fixture
def small_market(app, make_org, make_user, make_posting, make_event):
    """A few open needs and offers in two prefectures, an event with two registrations, a coordinator."""
    company = make_org(kind="enterprise", name="湄潭茶业有限公司", region="520328", sectors=["tea"])
    factory = make_org(
        kind="enterprise", name="贵阳精工数控机械有限公司", region="520115", sectors=["advanced_equipment"]
    )
    school = make_org(kind="school", subtype="高职院校", name="贵州装备职业学院", region="520115", sectors=["tea"])
    make_posting(company, direction="need", category="talent", title="招聘茶叶加工技术员", sectors=["tea"], quantity=6)
    make_posting(
        factory,
        direction="need",
        category="talent",
        title="招聘数控车床操作工",
        sectors=["advanced_equipment"],
        quantity=10,
    )
    make_posting(
        factory, direction="need", category="technology", title="数控机床故障诊断", sectors=["advanced_equipment"]
    )
    make_posting(school, title="数控技术专业（高职专科）", sectors=["advanced_equipment"], quantity=45)
    make_posting(school, category="talent", title="茶学专业毕业生推荐", sectors=["tea"], quantity=30)
    coordinator, _ = make_user(role="coordinator")
    members = [make_user(org=org)[0] for org in (company, school)]
    event = make_event(opened=True, title="遵义茶产业校企洽谈会", sectors=["tea"])
    with app.app_context(), writing():
        for member in members:
            ops.register(db.session.get(Event, event.id), db.session.get(User, member.id))
        db.session.commit()
    return coordinator


def test_the_dashboard_draws_every_chart_and_fits_a_phone(live_server, new_page, log_in, screenshots, small_market):
    page = new_page("desktop")
    log_in(page, small_market.email)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="供需看板").click()
    expect(page.get_by_role("heading", name="供需看板", level=1)).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every((el) => el.querySelector('canvas'))"
    )
    page.wait_for_timeout(1500)  # the charts' entry animation

    for name in CHARTS:
        drawn = page.evaluate(DRAWN, name)
        assert drawn is not None, f"{name}: no chart"
        assert drawn["points"] > 0 and drawn["total"] > 0, f"{name}: the chart has no data ({drawn})"
        assert drawn["inked"] > 500, f"{name}: the canvas is blank ({drawn})"

    page.get_by_role("button", name="供给", exact=True).click()
    assert page.evaluate(DRAWN, "regions")["series"] == ["在架供给"]
    page.get_by_role("button", name="需求", exact=True).click()

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(500)
    for name in CHARTS:
        drawn = page.evaluate(DRAWN, name)
        assert drawn["width"] <= 390 and abs(drawn["width"] - drawn["box"]) < 2, f"{name} did not resize: {drawn}"
        assert drawn["inked"] > 500, f"{name}: blank at phone width"
    screenshots(page, "dashboard")
