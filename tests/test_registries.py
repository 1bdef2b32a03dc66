"""The policy registries: the six-month rule, counts, filters, export, import, permissions, targets and
the 规上企业 participation — with hand-counted fixtures."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from matchmaker import accounts, registries
from matchmaker.errors import PermissionDenied
from matchmaker.extensions import db, writing
from matchmaker.models import MentorPost, Project, ProjectPartner, TeacherPlacement, User, local_today, utcnow
from matchmaker.registries.practice import practice_days, window, years_before
from matchmaker.registries.targets import periods_between
from matchmaker.transfer import read_rows
from tests.registries_support import recorder

D = date.fromisoformat


# --- the six-month rule, pure ---------------------------------------------------------------------


def test_overlapping_placements_count_their_shared_days_once():
    # 1–30 April and 16 April–15 May: 45 distinct days, not 30 + 30.
    spans = [(D("2023-04-01"), D("2023-04-30")), (D("2023-04-16"), D("2023-05-15"))]
    assert practice_days(spans, D("2020-01-01"), D("2025-01-01")) == 45
    # A placement inside another adds nothing; a later separate one adds its own days.
    spans += [(D("2023-04-05"), D("2023-04-06")), (D("2024-01-01"), D("2024-01-10"))]
    assert practice_days(spans, D("2020-01-01"), D("2025-01-01")) == 55


def test_the_window_is_the_five_years_up_to_the_day_and_days_to_come_do_not_count():
    first, last = window(D("2025-03-01"))
    assert (first, last) == (D("2020-03-02"), D("2025-03-01"))
    # Ending the day before the window opens counts nothing; the first day of the window counts one.
    assert practice_days([(D("2020-01-01"), D("2020-03-01"))], first, last) == 0
    assert practice_days([(D("2020-01-01"), D("2020-03-02"))], first, last) == 1
    # A placement running on past the day counts only up to it: 15–28 February, 1 March = 15 days.
    assert practice_days([(D("2025-02-15"), D("2025-06-30"))], first, last) == 15
    assert years_before(D("2024-02-29"), 5) == D("2019-02-28")


def test_periods_are_calendar_years_or_quarters_and_the_last_ends_on_the_day():
    assert periods_between(D("2024-05-10"), D("2025-02-03"), "year") == [
        ("2024年", D("2024-01-01"), D("2024-12-31")),
        ("2025年", D("2025-01-01"), D("2025-02-03")),
    ]
    assert [p[0] for p in periods_between(D("2024-11-30"), D("2025-04-01"), "quarter")] == [
        "2024年第4季度",
        "2025年第1季度",
        "2025年第2季度",
    ]


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def record(app):
    return recorder(app)


@pytest.fixture
def orgs(make_org):
    """Two schools (贵阳市南明区, 遵义市红花岗区) and two enterprises (tea and food; equipment)."""
    return {
        "A": make_org(kind="school", name="贵阳职业技术学院", region="520102"),
        "B": make_org(kind="school", name="遵义职业技术学院", region="520302"),
        "E1": make_org(name="湄潭茶业集团", sectors=["tea", "eco_food"], region="520328"),
        "E2": make_org(name="遵义装备制造公司", sectors=["advanced_equipment"], region="520302"),
    }


def mentor(record, enterprise, school, **fields):
    data = {"person_name": "王工", "enterprise": enterprise.id, "school": school.id, "since": "2023-09-01"}
    return record("mentors", **{**data, **fields})


def placement(record, teacher, school, enterprise, starts_on, ends_on, **fields):
    data = {"teacher_name": teacher, "school": school.id, "enterprise": enterprise.id}
    return record("teacher-practice", **data, starts_on=str(starts_on), ends_on=str(ends_on), **fields)


# --- counts and filters --------------------------------------------------------------------------------


def test_counts_by_school_sector_and_region_and_filters(app, record, orgs):
    A, B, E1, E2 = orgs["A"], orgs["B"], orgs["E1"], orgs["E2"]
    mentor(record, E1, A, person_name="甲")
    mentor(record, E1, A, person_name="乙", until="2022-12-31", since="2021-09-01")
    mentor(record, E2, B, person_name="丙")
    mentor(record, E2, A, person_name="丁")
    registry = registries.MENTORS

    with app.app_context():
        everything = registries.count_rows(registry, registries.all_rows(registry, {}, accounts.OPERATOR))
        in_guiyang = registries.all_rows(registry, {"region": "520100"}, accounts.OPERATOR)
        in_zunyi = registries.all_rows(registry, {"region": "520300"}, accounts.OPERATOR)
        tea = registries.all_rows(registry, {"sector": "tea"}, accounts.OPERATOR)
        at_b = registries.all_rows(registry, {"school": B.id}, accounts.OPERATOR)
        held = registries.all_rows(registry, {"active_on": D("2024-01-01")}, accounts.OPERATOR)
        names = lambda rows: sorted(r.person_name for r in rows)  # noqa: E731

        assert everything["total"] == 4
        assert [(c["label"], c["count"]) for c in everything["by_school"]] == [
            ("贵阳职业技术学院", 3),
            ("遵义职业技术学院", 1),
        ]
        assert {c["label"]: c["count"] for c in everything["by_sector"]} == {
            "茶叶": 2,
            "生态特色食品": 2,
            "先进装备制造": 2,
        }
        assert [(c["label"], c["count"]) for c in everything["by_region"]] == [("贵阳市", 3), ("遵义市", 1)]
        assert names(in_guiyang) == ["丁", "乙", "甲"] and names(in_zunyi) == ["丙"]
        assert names(tea) == ["乙", "甲"] and names(at_b) == ["丙"]
        assert names(held) == ["丁", "丙", "甲"]


def test_a_mentor_post_links_only_to_a_mentor_posting_of_its_school_or_enterprise(app, record, orgs, make_posting):
    need = make_posting(orgs["A"], direction="need", category="mentor", title="数控专业产业导师需求")
    other = make_posting(orgs["B"], direction="need", category="mentor", title="另一院校的导师需求")
    from matchmaker.errors import InvalidInput

    post_id = mentor(record, orgs["E1"], orgs["A"], posting_id=need.id)
    with pytest.raises(InvalidInput) as refused:
        mentor(record, orgs["E1"], orgs["A"], posting_id=other.id)

    assert "posting_id" in refused.value.fields
    with app.app_context():
        assert db.session.get(MentorPost, post_id).posting_id == need.id


# --- the six-month share per school -------------------------------------------------------------------


def test_the_share_of_teachers_with_six_months_in_five_years(app, record, orgs):
    A, B, E1, E2 = orgs["A"], orgs["B"], orgs["E1"], orgs["E2"]
    start = D("2023-01-01")
    # 张三: 1 Jan–30 Apr (120 days) and 1 Apr–31 Jul overlap; together 1 Jan–31 Jul = 212 days.
    placement(record, "张三", A, E1, start, D("2023-04-30"))
    placement(record, "张三 ", A, E2, D("2023-04-01"), D("2023-07-31"))
    placement(record, "李四", A, E1, start, start + timedelta(days=178))  # 179 days: just under
    placement(record, "王五", A, E1, start, start + timedelta(days=179))  # 180 days: just enough
    placement(record, "赵六", A, E2, D("2015-01-01"), D("2016-12-31"))  # long ago, outside the window
    placement(record, "张三", B, E2, D("2024-01-01"), D("2024-12-31"))  # another school's 张三

    with app.app_context():
        on_day = {s.school_name: s for s in registries.practice_compliance(D("2025-06-30"))}
        # By mid-2029 the window opens on 1 July 2024: school A's 2023 practice has left it, and school B's
        # 张三 keeps 1 July–31 December 2024 (184 days).
        later = {s.school_name: s for s in registries.practice_compliance(D("2029-06-30"))}

    school_a = on_day["贵阳职业技术学院"]
    assert {t.name: t.days for t in school_a.teachers} == {"张三": 212, "李四": 179, "王五": 180, "赵六": 0}
    assert (len(school_a.teachers), school_a.compliant, school_a.share) == (4, 2, 0.5)
    assert on_day["遵义职业技术学院"].share == 1.0
    assert later["贵阳职业技术学院"].compliant == 0
    assert later["遵义职业技术学院"].teachers[0].days == 184 and later["遵义职业技术学院"].compliant == 1


# --- export and import -------------------------------------------------------------------------------


def test_the_export_reads_back_with_text_kept_as_text(app, record, orgs):
    mentor(record, orgs["E1"], orgs["A"], person_name='=HYPERLINK("http://evil")', major="茶叶加工", hours_per_year=64)
    mentor(record, orgs["E2"], orgs["B"], person_name="李工", until="2024-07-31")

    with app.app_context():
        rows = registries.all_rows(registries.MENTORS, {"region": "520100"}, accounts.OPERATOR)
        content = registries.export_workbook(registries.MENTORS, rows)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = table[0]

    assert len(table) == 2  # the filter holds: only the 贵阳 school's mentor
    line = dict(zip(header, table[1], strict=True))
    assert line["导师姓名"] == '=HYPERLINK("http://evil")' and sheet.cell(2, 2).data_type == "s"
    assert (line["所在企业"], line["聘任院校"], line["专业"], line["年均授课学时"]) == (
        "湄潭茶业集团",
        "贵阳职业技术学院",
        "茶叶加工",
        64,
    )
    assert line["院校所在地区"] == "贵阳市南明区" and line["企业所属产业"] == "茶叶、生态特色食品"


def write_csv(tmp_path, header, rows):
    path = tmp_path / "rows.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_an_import_with_a_bad_row_names_the_row_and_field_and_writes_nothing(app, orgs, tmp_path, count):
    path = write_csv(
        tmp_path,
        ["教师姓名", "所在院校", "实践企业", "开始日期", "结束日期", "学时"],
        [
            ["张三", "贵阳职业技术学院", "湄潭茶业集团", "2024-01-01", "2024-03-31", "240"],
            ["李四", "贵阳职业技术学院", "不存在的公司", "2024-01-01", "2024-02-01", ""],
            ["王五", "遵义职业技术学院", "遵义装备制造公司", "2024-05-01", "2024-04-01", ""],
        ],
    )
    with app.app_context(), writing():
        report = registries.import_rows(registries.TEACHER_PRACTICE, read_rows(path), accounts.OPERATOR)
        db.session.commit()
    assert count(TeacherPlacement) == 0
    assert not report.written and report.rows == 3
    assert [(e.line, [p for p, _ in e.problems]) for e in report.errors] == [(3, ["enterprise"]), (4, ["ends_on"])]
    assert "不存在的公司" in report.errors[0].problems[0][1].zh

    with app.app_context(), writing():
        skipped = registries.import_rows(
            registries.TEACHER_PRACTICE, read_rows(path), accounts.OPERATOR, skip_invalid=True
        )
        db.session.commit()
        saved = db.session.scalars(db.select(TeacherPlacement)).all()
        assert skipped.written and skipped.created == 1
        assert [(p.teacher_name, p.enterprise.name, p.hours, p.days) for p in saved] == [
            ("张三", "湄潭茶业集团", 240, 91)
        ]


def test_alliances_import_their_members_and_roles_from_one_cell(app, orgs, tmp_path):
    path = write_csv(
        tmp_path,
        ["名称", "牵头单位", "成员单位", "产业", "层级", "地区", "成立日期"],
        [
            [
                "贵州茶产业产教融合联盟",
                "湄潭茶业集团",
                "贵阳职业技术学院：副理事长单位；遵义职业技术学院",
                "茶叶；生态特色食品",
                "省级",
                "遵义市",
                "2021-06-01",
            ]
        ],
    )
    with app.app_context(), writing():
        report = registries.import_rows(registries.ALLIANCES, read_rows(path), accounts.OPERATOR)
        db.session.commit()
        alliance = registries.all_rows(registries.ALLIANCES, {}, accounts.OPERATOR)[0]
        assert report.written and not report.errors
        assert [(m.organization.name, m.role) for m in alliance.members] == [
            ("贵阳职业技术学院", "vice_chair"),
            ("遵义职业技术学院", "member"),
        ]
        assert (alliance.lead.name, alliance.sectors, alliance.level, alliance.region_code) == (
            "湄潭茶业集团",
            ["tea", "eco_food"],
            "province",
            "520300",
        )


# --- permissions ----------------------------------------------------------------------------------------


def test_members_record_placements_only_for_their_own_school_or_enterprise(app, record, orgs, make_user):
    A, B, E1 = orgs["A"], orgs["B"], orgs["E1"]
    teacher_of_b, _ = make_user(org=B)
    staff_of_e1, _ = make_user(org=E1)

    with pytest.raises(PermissionDenied):
        placement(record, "张三", A, E1, "2024-01-01", "2024-02-01", by=teacher_of_b)
    placement(record, "李四", B, E1, "2024-01-01", "2024-02-01", by=teacher_of_b)
    placement(record, "王五", A, E1, "2024-01-01", "2024-02-01", by=staff_of_e1)  # the host enterprise may
    with pytest.raises(PermissionDenied):
        record("alliances", by=teacher_of_b, name="某联盟", lead=B.id, level="province", region="520300")

    with app.app_context():
        seen_by_b = registries.all_rows(registries.TEACHER_PRACTICE, {}, db.session.get(User, teacher_of_b.id))
        seen_by_e1 = registries.all_rows(registries.TEACHER_PRACTICE, {}, db.session.get(User, staff_of_e1.id))
        assert [p.teacher_name for p in seen_by_b] == ["李四"]
        assert sorted(p.teacher_name for p in seen_by_e1) == ["李四", "王五"]


def test_a_member_cannot_move_an_entry_to_another_school(app, record, orgs, make_user):
    teacher_of_b, _ = make_user(org=orgs["B"])
    placement_id = placement(record, "李四", orgs["B"], orgs["E1"], "2024-01-01", "2024-02-01", by=teacher_of_b)

    with app.app_context(), writing():
        row = db.session.get(TeacherPlacement, placement_id)
        with pytest.raises(PermissionDenied):
            actor = db.session.get(User, teacher_of_b.id)
            registries.update_row(registries.TEACHER_PRACTICE, row, {"school": orgs["A"].id}, actor)
        db.session.rollback()
        assert db.session.get(TeacherPlacement, placement_id).school_id == orgs["B"].id


# --- targets and 规上企业 ----------------------------------------------------------------------------------


def test_target_progress_counts_province_level_and_above_by_the_deadline(app, record, orgs, make_org):
    enterprises = [make_org(name=f"试点企业{n}") for n in range(5)]
    designate = lambda org, day, level: record(  # noqa: E731
        "designations", kind="enterprise", organization=org.id, designated_on=day, level=level, issued_by="省发展改革委"
    )
    designate(enterprises[0], "2020-11-01", "national")
    designate(enterprises[1], "2021-05-01", "province")
    designate(enterprises[2], "2022-12-31", "province")
    designate(enterprises[3], "2023-01-01", "province")
    designate(enterprises[4], "2021-05-01", "prefecture")  # a prefecture's own: not counted
    record(
        "designations",
        kind="city",
        region="520300",
        designated_on="2021-06-01",
        level="national",
        issued_by="国家发展改革委",
    )

    with app.app_context():
        later = {(p.kind, p.deadline.year): p for p in registries.target_progress(D("2026-01-10"))}
        early = {(p.kind, p.deadline.year): p for p in registries.target_progress(D("2022-06-01"))}

    assert (later["enterprise", 2022].achieved, later["enterprise", 2022].current) == (3, 4)
    assert (
        later["enterprise", 2022].minimum == 50 and not later["enterprise", 2022].met and later["enterprise", 2022].due
    )
    assert later["enterprise", 2025].minimum == 100 and later["enterprise", 2025].achieved == 4
    assert later["city", 2022].met and later["city", 2022].percent == 100
    assert not later["city", 2025].met and later["city", 2025].percent == 50
    assert (later["alliance", 2022].minimum, later["base", 2025].minimum, later["project", 2025].minimum) == (5, 20, 50)
    assert early["enterprise", 2022].achieved == 2 and not early["enterprise", 2022].due


def test_large_enterprise_participation_per_year_and_quarter(app, record, orgs, make_org):
    L1, L2, L3, L4 = (make_org(name=f"规上企业{n}", subtype="规上企业") for n in range(1, 5))
    small = make_org(name="小微企业", subtype="中小微企业")
    school = orgs["A"]
    mentor(record, L1, school, since="2024-03-01", until="2024-06-30")
    mentor(record, small, school, since="2024-03-01")  # not a 规上企业: not counted
    record(
        "alliances",
        name="装备联盟",
        lead=school.id,
        members=[{"organization": L2.id}],
        level="province",
        region="520100",
        founded_on="2025-05-01",
    )
    with app.app_context(), writing():
        project = Project(title="订单班", type_code="order_class", status="in_progress", starts_on=D("2025-02-01"))
        project.partners = [ProjectPartner(organization_id=L4.id, confirmed_at=utcnow())]
        stopped = Project(title="已终止项目", type_code="order_class", status="stopped", starts_on=D("2024-01-01"))
        stopped.partners = [ProjectPartner(organization_id=L3.id, confirmed_at=utcnow())]
        db.session.add_all([project, stopped])
        db.session.commit()

    today = local_today()
    with app.app_context():
        yearly = {p.label: p for p in registries.large_enterprise_participation(today)}
        quarterly = {p.label: p for p in registries.large_enterprise_participation(today, "quarter")}

    assert list(yearly)[0] == "2024年" and list(yearly)[-1] == f"{today.year}年"
    assert (yearly["2024年"].registered, yearly["2024年"].participating, yearly["2024年"].share) == (4, 1, 0.25)
    assert yearly["2025年"].participating == 2  # the alliance member and the project partner; L1's post ended
    assert yearly[f"{today.year}年"].participating == 2 and yearly[f"{today.year}年"].end == today
    assert quarterly["2024年第1季度"].participating == 1 and quarterly["2024年第3季度"].participating == 0
