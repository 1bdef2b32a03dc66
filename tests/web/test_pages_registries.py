"""Registry pages: lists with filters and counts, entry by form, import, export, the six-month share,
the targets page and the public pilot-enterprise directory."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from matchmaker.models import Alliance, TeacherPlacement
from tests.helpers import beside, text
from tests.registries_support import recorder


@pytest.fixture
def record(app):
    return recorder(app)


@pytest.fixture
def orgs(make_org):
    return {
        "A": make_org(kind="school", name="贵阳职业技术学院", region="520102"),
        "B": make_org(kind="school", name="遵义职业技术学院", region="520302"),
        "E": make_org(name="湄潭茶业集团", sectors=["tea"], region="520328", subtype="规上企业"),
    }


def placement_form(school, enterprise, **fields):
    data = {
        "teacher_name": "张三",
        "school": str(school.id),
        "enterprise": str(enterprise.id),
        "subject": "茶叶生产与加工技术",
        "starts_on": "2024-01-01",
        "ends_on": "2024-03-31",
        "hours": "",
        "note": "",
    }
    return {**data, **fields}


def test_a_school_member_records_a_placement_and_cannot_record_one_for_another_school(login, orgs, count):
    member_of_a = login(orgs["A"])
    member_of_b = login(orgs["B"])

    form = member_of_a.get("/registries/teacher-practice/new")
    saved = member_of_a.post("/registries/teacher-practice/new", data=placement_form(orgs["A"], orgs["E"]))
    refused = member_of_b.post("/registries/teacher-practice/new", data=placement_form(orgs["A"], orgs["E"]))

    assert form.status_code == 200 and f'<option value="{orgs["A"].id}" selected>' in text(form)
    assert saved.status_code == 302
    assert "张三" in text(member_of_a.get("/registries/teacher-practice"))
    assert refused.status_code == 403
    assert "张三" not in text(member_of_b.get("/registries/teacher-practice"))
    assert count(TeacherPlacement) == 1


def test_a_bad_form_shows_the_message_beside_the_field_and_saves_nothing(login, orgs, count):
    member = login(orgs["A"])
    answer = member.post(
        "/registries/teacher-practice/new", data=placement_form(orgs["A"], orgs["E"], ends_on="2023-12-31")
    )

    assert answer.status_code == 422
    assert beside(answer) == {"ends_on": ["结束日期不能早于开始日期。"]}
    assert 'value="茶叶生产与加工技术"' in text(answer)  # what was typed stays
    assert count(TeacherPlacement) == 0


def test_the_practice_page_states_the_rule_and_the_share_per_school(login, record, orgs):
    for teacher, start, end in (("张三", "2024-01-01", "2024-06-28"), ("李四", "2024-01-01", "2024-06-27")):
        record(
            "teacher-practice",
            teacher_name=teacher,
            school=orgs["A"].id,
            enterprise=orgs["E"].id,
            starts_on=start,
            ends_on=end,
        )
    coordinator = login(role="coordinator")

    page = text(coordinator.get("/registries/teacher-practice?on=2025-01-01"))

    assert "每5年必须累计不少于6个月到企业或生产服务一线实践" in page and "教师〔2016〕3号" in page
    assert "达标比例只统计本台账中登记过实践的教师" in page
    # 1 January–28 June 2024 is 180 days (2024 is a leap year), one day less is 179.
    assert '<td class="num">2</td>\n        <td class="num">1</td>\n        <td class="num">50%</td>' in page
    assert "李四（179 天）" in page


def test_lists_filter_by_region_count_and_export_what_is_shown(login, record, orgs):
    for school, name in ((orgs["A"], "甲"), (orgs["A"], "乙"), (orgs["B"], "丙")):
        record("mentors", person_name=name, enterprise=orgs["E"].id, school=school.id, since="2024-09-01")
    coordinator = login(role="coordinator")

    everything = text(coordinator.get("/registries/mentors"))
    guiyang = text(coordinator.get("/registries/mentors?region=520100"))
    export = coordinator.get("/registries/mentors/export.xlsx?region=520100")
    rows = list(load_workbook(io.BytesIO(export.data)).worksheets[0].iter_rows(values_only=True))

    assert "共 3 条" in everything and '<th scope="row">贵阳职业技术学院</th><td class="num">2</td>' in everything
    assert "共 2 条" in guiyang and "丙" not in guiyang
    assert export.status_code == 200 and sorted(r[1] for r in rows[1:]) == ["乙", "甲"]
    assert 'href="/registries/mentors/export.xlsx?region=520100"' in guiyang


def test_an_alliance_is_entered_with_its_members_one_a_line(login, orgs, app):
    coordinator = login(role="coordinator")
    answer = coordinator.post(
        "/registries/alliances/new",
        data={
            "name": "贵州茶产业产教融合联盟",
            "lead": str(orgs["E"].id),
            "members": "贵阳职业技术学院：理事长单位\n遵义职业技术学院",
            "sectors": ["tea"],
            "guiding_department": "贵州省农业农村厅",
            "level": "province",
            "region": "520300",
            "founded_on": "2021-06-01",
            "note": "",
        },
    )
    assert answer.status_code == 302
    page = text(coordinator.get("/registries/alliances"))
    assert "贵阳职业技术学院：理事长单位、遵义职业技术学院：成员单位" in page

    with app.app_context():
        from matchmaker.extensions import db

        alliance_id = db.session.scalars(db.select(Alliance.id)).one()
    edit = text(coordinator.get(f"/registries/alliances/{alliance_id}/edit"))
    assert "贵阳职业技术学院：理事长单位\n遵义职业技术学院：成员单位" in edit


def test_importing_a_file_with_a_bad_row_names_it_and_writes_nothing(login, orgs, count):
    coordinator = login(role="coordinator")
    content = io.StringIO()
    writer = csv.writer(content)
    writer.writerow(["教师姓名", "所在院校", "实践企业", "开始日期", "结束日期"])
    writer.writerow(["张三", "贵阳职业技术学院", "湄潭茶业集团", "2024-01-01", "2024-02-01"])
    writer.writerow(["李四", "贵阳职业技术学院", "湄潭茶业集团", "2024-01-01", ""])
    upload = io.BytesIO(content.getvalue().encode("utf-8-sig"))

    answer = coordinator.post(
        "/registries/teacher-practice/import",
        data={"file": (upload, "placements.csv")},
        content_type="multipart/form-data",
    )
    page = text(answer)

    assert answer.status_code == 200
    assert "未写入任何数据" in page and "第 3 行" in page and "<code>ends_on</code>：缺少必填字段。" in page
    assert count(TeacherPlacement) == 0


def test_the_public_sees_only_the_pilot_enterprise_directory(client, login, record, orgs):
    record(
        "designations",
        kind="enterprise",
        organization=orgs["E"].id,
        designated_on="2021-03-01",
        level="province",
        issued_by="贵州省发展和改革委员会",
        document_number="黔发改社会〔2021〕88号",
    )
    record("mentors", person_name="王工", enterprise=orgs["E"].id, school=orgs["A"].id, since="2024-09-01")

    directory = client.get("/pilot-enterprises")
    assert directory.status_code == 200
    assert "湄潭茶业集团" in text(directory) and "黔发改社会〔2021〕88号" in text(directory)
    assert "湄潭茶业集团" not in text(client.get("/pilot-enterprises?region=520100"))
    for page in ("/registries", "/registries/mentors", "/registries/mentors/export.xlsx", "/coordinator/targets"):
        assert client.get(page).status_code == 302  # to the login page
    assert login(orgs["B"]).get("/coordinator/targets").status_code == 403
    assert "王工" not in text(login(orgs["B"]).get("/registries/mentors"))


def test_the_targets_page_shows_progress_bars_and_the_large_enterprise_share(login, record, orgs):
    record(
        "designations",
        kind="enterprise",
        organization=orgs["E"].id,
        designated_on="2021-03-01",
        level="province",
        issued_by="贵州省发展和改革委员会",
    )
    record("mentors", person_name="王工", enterprise=orgs["E"].id, school=orgs["A"].id, since="2024-09-01")
    coordinator = login(role="coordinator")

    page = text(coordinator.get("/coordinator/targets"))

    assert '<progress value="1" max="50"' in page and '<progress value="1" max="100"' in page
    assert "黔发改社会〔2020〕472号" in page
    assert '<th scope="row">2024年</th>\n      <td class="num">1</td><td class="num">1</td>' in page
    assert "100.0%" in page


def test_every_registry_page_opens_for_a_coordinator(login, record, orgs):
    ids = {
        "mentors": record(
            "mentors", person_name="王工", enterprise=orgs["E"].id, school=orgs["A"].id, since="2024-09-01"
        ),
        "teacher-practice": record(
            "teacher-practice",
            teacher_name="张三",
            school=orgs["A"].id,
            enterprise=orgs["E"].id,
            starts_on="2024-01-01",
            ends_on="2024-02-01",
        ),
        "alliances": record(
            "alliances",
            name="茶产业联盟",
            lead=orgs["E"].id,
            level="province",
            region="520300",
            members=[{"organization": orgs["A"].id, "role": "chair"}],
        ),
    }
    ids["designations"] = record(
        "designations",
        kind="alliance",
        alliance=ids["alliances"],
        designated_on="2022-01-01",
        level="province",
        issued_by="贵州省发展和改革委员会",
    )
    coordinator = login(role="coordinator")

    index = text(coordinator.get("/registries"))
    assert all(label in index for label in ("产业导师", "教师企业实践", "产教融合集团（联盟）", "试点认定"))
    for name, row_id in ids.items():
        listed = coordinator.get(f"/registries/{name}")
        assert listed.status_code == 200 and f"/registries/{name}/{row_id}/edit" in text(listed)
        for page in (f"/registries/{name}/new", f"/registries/{name}/import", f"/registries/{name}/{row_id}/edit"):
            assert coordinator.get(page).status_code == 200, page
    assert "茶产业联盟" in text(coordinator.get("/registries/designations?kind=alliance"))
    assert coordinator.get("/registries/designations?kind=nonsense").status_code == 422


def test_an_entry_is_changed_and_deleted_from_its_form(login, record, orgs, app):
    post_id = record("mentors", person_name="王工", enterprise=orgs["E"].id, school=orgs["A"].id, since="2024-09-01")
    member_of_e = login(orgs["E"])
    form = {
        "person_name": "王工",
        "enterprise": str(orgs["E"].id),
        "school": str(orgs["A"].id),
        "major": "",
        "post_title": "茶艺产业导师",
        "since": "2024-09-01",
        "until": "2025-06-30",
        "hours_per_year": "48",
        "posting_id": "",
        "note": "",
    }

    changed = member_of_e.post(f"/registries/mentors/{post_id}/edit", data=form)
    page = text(member_of_e.get("/registries/mentors"))
    assert changed.status_code == 302 and "茶艺产业导师" in page and "2025-06-30" in page

    assert login(orgs["B"]).post(f"/registries/mentors/{post_id}/delete").status_code == 404  # not theirs to see
    assert member_of_e.post(f"/registries/mentors/{post_id}/delete").status_code == 302
    assert "王工" not in text(member_of_e.get("/registries/mentors"))
