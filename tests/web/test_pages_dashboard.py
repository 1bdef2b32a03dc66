"""The coordinators' dashboard page (/coordinator/dashboard): who may see it, what it shows, its Excel exports."""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from matchmaker import reports
from matchmaker.models import Job
from matchmaker.reports import ReportFilters
from tests.helpers import beside, text

URL = "/coordinator/dashboard"
REPORTS = {
    "regions": reports.sector_region_grid,
    "categories": reports.by_category,
    "months": reports.by_month,
    "headcount": reports.headcount_by_sector,
    "events": reports.event_funnel,
}
CHARTS = tuple(REPORTS)


@pytest.fixture
def postings(make_org, make_posting, make_event):
    """Two open talent needs (tea; tea+chili, 3 people) in Guiyang, a tea talent offer (40 places) in Zunyi,
    a draft need, and an open event."""
    enterprise = make_org(kind="enterprise", region="520102", name="贵阳茶业有限公司")
    school = make_org(kind="school", subtype="高职院校", region="520302", name="遵义职业技术学院")
    make_posting(enterprise, direction="need", category="talent", title="招聘茶叶加工技术员", sectors=["tea"])
    make_posting(
        enterprise, direction="need", category="talent", title="招聘辣椒种植员", sectors=["tea", "chili"], quantity=3
    )
    make_posting(school, direction="offer", category="talent", title="茶学毕业生推荐", sectors=["tea"], quantity=40)
    make_posting(enterprise, direction="need", category="talent", title="草稿需求", sectors=["tea"], status="draft")
    make_event(opened=True, title="遵义茶产业校企洽谈会", sectors=["tea"])


def test_anonymous_visitors_are_sent_to_log_in_and_members_are_refused(client, login, make_org):
    assert client.get(URL).status_code == 302 and "/login" in client.get(URL).headers["Location"]
    assert client.get(f"{URL}/regions.xlsx").status_code == 302
    member = login(make_org())
    assert member.get(URL).status_code == 403
    assert member.get(f"{URL}/categories.xlsx").status_code == 403
    assert member.post(f"{URL}/unmatched").status_code == 403


def chart_json(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_coordinators_see_the_counts_in_tables_and_chart_data(login, postings):
    coordinator = login(role="coordinator")
    response = coordinator.get(URL)
    html = text(response)
    data = chart_json(html)

    assert response.status_code == 200
    assert "供需看板" in html and 'href="/coordinator/dashboard"' in html  # the nav link
    columns, sectors = data["regions"]["columns"], data["regions"]["sectors"]
    cells = {(sectors[y], columns[x]): (needs, offers) for x, y, needs, offers in data["regions"]["cells"]}
    assert (
        cells[("茶叶", "贵阳市")] == (2, 0)
        and cells[("辣椒", "贵阳市")] == (1, 0)
        and cells[("茶叶", "遵义市")] == (0, 1)
    )
    assert "全省" in columns
    categories = dict(zip(data["categories"]["labels"], data["categories"]["needs"], strict=True))
    assert categories["人才"] == 2
    assert data["headcount"] == {"labels": ["茶叶", "辣椒"], "headcount": [3, 3], "places": [40, 0]}
    assert sum(data["months"]["needs"]) == 2 and sum(data["months"]["offers"]) == 1
    assert data["events"]["events"][0]["title"] == "遵义茶产业校企洽谈会"
    assert '<th scope="row">茶叶</th><td>贵阳市</td><td>2</td><td>0</td><td>2</td>' in html  # the heat map's table
    assert '<th scope="row">茶叶</th><td>2</td><td>3</td><td>1</td><td>40</td><td>-37</td>' in html
    assert "尚未计算" in html and "重新计算" in html
    for name in CHARTS:
        assert f'data-chart="{name}"' in html and f"{URL}/{name}.xlsx" in html
    assert 'src="/static/vendor/echarts/echarts.min.js"' in html and "/static/dashboard.js" in html
    assert "cdn" not in html.lower()


def test_filters_narrow_the_figures_and_a_bad_one_is_named_beside_its_input(login, postings):
    coordinator = login(role="coordinator")
    data = chart_json(text(coordinator.get(f"{URL}?sector=chili&prefecture=520100")))
    bad = coordinator.get(f"{URL}?prefecture=520102")  # a county, not a prefecture

    assert data["regions"]["sectors"] == ["辣椒"] and data["regions"]["columns"] == ["贵阳市"]
    assert data["regions"]["cells"] == [[0, 0, 1, 0]]
    assert bad.status_code == 422 and beside(bad) == {"prefecture": ["请选择一个市（州）。"]}


@pytest.mark.parametrize("name", CHARTS)
def test_each_export_holds_exactly_its_charts_table(app, login, postings, name):
    coordinator = login(role="coordinator")
    response = coordinator.get(f"{URL}/{name}.xlsx?sector=tea")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = [list(row) for row in load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True)]
    with app.app_context():
        table = REPORTS[name](ReportFilters(sector="tea")).table()
    assert rows == [table.columns, *table.rows]
    assert len(rows) > 1


def test_recompute_queues_the_job_and_the_page_shows_the_snapshot_with_its_time(app, login, postings, count):
    coordinator = login(role="coordinator")
    coordinator.worker_runs = False
    queued = coordinator.post(URL + "/unmatched")
    waiting = text(coordinator.get(URL))
    coordinator.worker_runs = True
    coordinator.get("/")  # the worker catches up after this request
    shown = text(coordinator.get(URL))
    export = coordinator.get(f"{URL}/unmatched.xlsx")

    assert queued.status_code == 302 and queued.headers["Location"].endswith("#unmatched")
    assert "已排队" in waiting and "共 2 条在架需求" in waiting and "disabled" in waiting
    assert count(Job) == 1
    assert "计算于" in shown and "共检查 2 条在架需求" in shown
    with app.app_context():
        snapshot = reports.latest_unmatched_snapshot()
    listed = [need.title for need in snapshot.needs]
    assert f"{len(listed)} 条未对接" in shown and all(title in shown for title in listed)
    rows = [list(r) for r in load_workbook(BytesIO(export.data)).active.iter_rows(values_only=True)]
    with app.app_context():
        assert rows == [snapshot.table().columns, *snapshot.table().rows]


def test_the_dashboard_shows_each_pilot_target_with_its_progress(app, login, make_org):
    from datetime import date

    from tests.registries_support import recorder

    record = recorder(app)
    for n in range(3):
        enterprise = make_org(kind="enterprise", subtype="规上企业", name=f"试点企业{n}")
        record(
            "designations",
            kind="enterprise",
            organization=enterprise.id,
            designated_on=date(2021, 6, 1).isoformat(),
            level="province",
            issued_by="省发展改革委",
        )

    page = text(login(role="coordinator").get("/coordinator/dashboard"))
    start = page.index('id="targets-title"')
    targets = page[start : page.index("</section>", start)]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>.*?</tr>", targets, re.S)

    assert len(rows) == 10  # five kinds of designation, by 2022 and by 2025
    enterprise_2022 = re.search(
        r"产教融合型企业</th>\s*<td>[^<]*2022[^<]*</td>\s*<td class=\"num\">≥ 50[^<]*</td>\s*<td class=\"num\">3 ",
        targets,
    )
    assert enterprise_2022, targets[:2000]
    assert 'value="3" max="50"' in targets
