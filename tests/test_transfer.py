"""Bulk import and export through the `matchmaker` CLI, in JSON Lines, CSV and Excel."""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import Workbook, load_workbook

from matchmaker.models import (
    Notification,
    Organization,
    Posting,
    Project,
    ProjectChange,
    ProjectPartner,
    ProjectSector,
)

ORG = {
    "type": "organization",
    "ref": "ORG-1",
    "name": "贵州湄潭云雾茶业有限公司",
    "kind": "enterprise",
    "subtype": "中小微企业",
    "region": "520328",
    "sectors": ["tea"],
    "description": "绿茶种植、加工与销售。",
}
SCHOOL = {
    "type": "organization",
    "ref": "SCH-1",
    "name": "遵义职业技术学院",
    "kind": "school",
    "subtype": "高职院校",
    "region": "遵义市",
    "sectors": ["茶叶"],
}
NEED = {
    "type": "posting",
    "ref": "P-1",
    "org": "ORG-1",
    "direction": "need",
    "category": "apprenticeship",
    "title": "茶叶加工现代学徒制合作",
    "description": "招收学徒 10 名，学习绿茶加工工艺。",
    "sectors": ["tea"],
    "region": "湄潭县",
    "status": "published",
    "quantity": 10,
}
OFFER = {
    "type": "posting",
    "ref": "P-2",
    "org": "SCH-1",
    "direction": "offer",
    "category": "program",
    "title": "茶叶生产与加工技术专业",
    "description": "培养茶叶栽培与加工技术技能人才。",
    "sectors": ["tea"],
    "status": "published",
}


def write_jsonl(path, rows):
    path.write_text(
        "".join((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n" for row in rows),
        encoding="utf-8",
    )
    return path


def test_import_creates_organizations_and_postings(cli, client, tmp_path, count):
    result = cli("import", str(write_jsonl(tmp_path / "rows.jsonl", [ORG, SCHOOL, NEED, OFFER])))

    assert result.exit_code == 0, result.output
    assert "organizations 2 created" in result.output and "postings 2 created" in result.output
    assert (count(Organization), count(Posting)) == (2, 2)
    public = client.get("/api/v1/postings").json  # operator imports count as verified
    assert public["total"] == 2
    need = next(p for p in public["items"] if p["ref"] == "P-1")
    assert need["region"]["code"] == "520328" and need["quantity"] == 10


def test_one_bad_row_is_reported_and_nothing_is_written(cli, tmp_path, count):
    bad = {**OFFER, "ref": "P-3", "sectors": ["茶叶", "火星农业"], "title": ""}
    path = write_jsonl(tmp_path / "rows.jsonl", [ORG, SCHOOL, NEED, bad, OFFER])

    result = cli("import", str(path))

    assert result.exit_code == 1
    assert "line 4 (P-3)" in result.output
    assert "sectors.1" in result.output and "火星农业" in result.output and "title" in result.output
    assert "line 3" not in result.output and "line 5" not in result.output
    assert "nothing was written" in result.output
    assert (count(Organization), count(Posting)) == (0, 0)


def test_skip_invalid_imports_the_rest(cli, tmp_path, count):
    bad = {**OFFER, "ref": "P-3", "sectors": ["火星农业"]}
    path = write_jsonl(tmp_path / "rows.jsonl", [ORG, SCHOOL, NEED, bad, OFFER, "{not json"])

    result = cli("import", str(path), "--skip-invalid")

    assert result.exit_code == 0, result.output
    assert "line 4 (P-3)" in result.output and "line 6" in result.output
    assert "2 invalid rows skipped" in result.output
    assert (count(Organization), count(Posting)) == (2, 2)


def test_postings_must_name_a_known_organization(cli, tmp_path, count):
    result = cli("import", str(write_jsonl(tmp_path / "rows.jsonl", [{**NEED, "org": "ORG-404"}])))

    assert result.exit_code == 1 and "ORG-404" in result.output
    assert count(Posting) == 0


def test_reimporting_the_same_refs_updates_instead_of_duplicating(cli, client, tmp_path, count):
    cli("import", str(write_jsonl(tmp_path / "a.jsonl", [ORG, SCHOOL, NEED, OFFER])))
    changed = {**NEED, "title": "茶叶加工学徒制（第二期）", "quantity": 12}

    result = cli("import", str(write_jsonl(tmp_path / "b.jsonl", [ORG, changed])))

    assert result.exit_code == 0 and "postings 0 created, 1 updated" in result.output
    assert (count(Organization), count(Posting)) == (2, 2)
    posting = client.get("/api/v1/postings?direction=need").json["items"][0]
    assert (posting["title"], posting["quantity"]) == ("茶叶加工学徒制（第二期）", 12)


def test_rows_may_leave_organizations_unverified(cli, client, tmp_path):
    cli("import", str(write_jsonl(tmp_path / "rows.jsonl", [{**ORG, "verified": False}, NEED])))

    assert client.get("/api/v1/postings").json["total"] == 0


def test_duplicate_refs_in_one_file_are_reported(cli, tmp_path, count):
    result = cli("import", str(write_jsonl(tmp_path / "rows.jsonl", [ORG, {**ORG, "name": "另一家"}])))

    assert result.exit_code == 1 and "line 2 (ORG-1)" in result.output and "line 1" in result.output
    assert count(Organization) == 0


def test_csv_with_chinese_names_and_separated_sectors(cli, client, tmp_path):
    path = tmp_path / "rows.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "type",
                "ref",
                "org",
                "name",
                "kind",
                "subtype",
                "region",
                "sectors",
                "direction",
                "category",
                "title",
                "description",
                "quantity",
                "status",
            ]
        )
        writer.writerow(
            [
                "organization",
                "ORG-1",
                "",
                "贵州遵义辣椒食品有限公司",
                "enterprise",
                "规上企业",
                "遵义市",
                "辣椒、生态特色食品",
                "",
                "",
                "",
                "辣椒制品加工",
                "",
                "",
            ]
        )
        writer.writerow(
            [
                "posting",
                "P-1",
                "ORG-1",
                "",
                "",
                "",
                "播州区",
                "chili",
                "need",
                "人才",
                "招聘食品检验员",
                "负责原料与成品检验，持食品检验员证书优先。",
                "3",
                "published",
            ]
        )
        writer.writerow(
            [
                "posting",
                "P-2",
                "ORG-1",
                "",
                "",
                "",
                "",
                "chili",
                "need",
                "talent",
                "招聘品控主管",
                "",
                "three",
                "published",
            ]
        )

    result = cli("import", str(path))

    assert result.exit_code == 1 and "line 4 (P-2)" in result.output and "quantity" in result.output
    result = cli("import", str(path), "--skip-invalid")
    assert result.exit_code == 0, result.output
    [posting] = client.get("/api/v1/postings").json["items"]
    assert posting["category"] == "talent" and posting["quantity"] == 3
    assert posting["region"]["code"] == "520304"
    org = client.get("/api/v1/organizations/by-ref/ORG-1").json
    assert [s["code"] for s in org["sectors"]] == ["chili", "eco_food"]


def test_excel_rows_report_their_sheet_row_numbers(cli, client, tmp_path, count):
    path = tmp_path / "rows.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["type", "ref", "org", "name", "kind", "region", "direction", "category", "title", "sectors"])
    sheet.append(
        [
            "organization",
            "ORG-1",
            None,
            "六盘水煤矿机械有限公司",
            "enterprise",
            520201,
            None,
            None,
            None,
            "basic_energy",
        ]
    )
    sheet.append(
        [
            "posting",
            "P-1",
            "ORG-1",
            None,
            None,
            None,
            "need",
            "technology",
            "井下设备远程监测改造",
            "基础能源;先进装备制造",
        ]
    )
    sheet.append(["posting", "P-2", "ORG-1", None, None, None, "sideways", "technology", "无效方向", None])
    workbook.save(path)

    result = cli("import", str(path))

    assert result.exit_code == 1 and "line 4 (P-2)" in result.output and "direction" in result.output
    assert count(Posting) == 0
    assert cli("import", str(path), "--skip-invalid").exit_code == 0
    [posting] = client.get("/api/v1/postings").json["items"]
    assert [s["code"] for s in posting["sectors"]] == ["basic_energy", "advanced_equipment"]


def assert_reads_back_unchanged(cli, app, exported) -> None:
    """Importing our own export into an emptied database gives the same rows."""
    from matchmaker.extensions import db
    from matchmaker.transfer import export_rows

    with app.app_context():
        before = list(export_rows())
        for model in (ProjectChange, ProjectPartner, ProjectSector, Project, Posting, Organization):
            db.session.query(model).delete()
        db.session.commit()
    assert cli("import", str(exported)).exit_code == 0
    with app.app_context():
        assert list(export_rows()) == before


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exported_spreadsheets_hold_formula_like_text_as_text(cli, tmp_path, suffix, app):
    hostile = '=HYPERLINK("http://evil.example","点击领取")'
    cli("import", str(write_jsonl(tmp_path / "in.jsonl", [ORG, {**NEED, "title": hostile, "description": "@SUM(1)"}])))
    exported = tmp_path / f"out{suffix}"
    assert cli("export", str(exported)).exit_code == 0

    if suffix == ".csv":
        with exported.open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        assert rows[1]["title"] == "'" + hostile and rows[1]["description"] == "'@SUM(1)"
    else:
        cells = [cell for row in load_workbook(exported).active.iter_rows() for cell in row]
        title = next(cell for cell in cells if cell.value == hostile)
        assert title.data_type == "s" and not any(cell.data_type == "f" for cell in cells)
    assert_reads_back_unchanged(cli, app, exported)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx"])
def test_export_then_import_into_an_empty_database_gives_the_same_rows(cli, tmp_path, suffix, app):
    cli("import", str(write_jsonl(tmp_path / "in.jsonl", [ORG, SCHOOL, NEED, {**OFFER, "status": "draft"}])))
    exported = tmp_path / f"out{suffix}"

    result = cli("export", str(exported))

    assert result.exit_code == 0 and "wrote 4 rows" in result.output
    assert_reads_back_unchanged(cli, app, exported)
    if suffix == ".xlsx":
        header = next(load_workbook(exported).active.iter_rows(values_only=True))
        assert header[:3] == ("type", "ref", "org")


def test_unsupported_file_types_are_refused(cli, tmp_path):
    path = tmp_path / "rows.txt"
    path.write_text("x")

    for command in ("import", "export"):
        result = cli(command, str(path))
        assert result.exit_code == 1 and ".jsonl" in result.output


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(app, tmp_path, count):
    from matchmaker.transfer import import_file

    path = write_jsonl(tmp_path / "rows.jsonl", [ORG, SCHOOL, NEED, {**OFFER, "sectors": ["火星农业"]}])
    with app.app_context():
        report = import_file(path, dry_run=True)

    assert not report.written and report.created == {"organization": 2, "posting": 1, "project": 0}
    assert [error.line for error in report.errors] == [4]
    assert (count(Organization), count(Posting)) == (0, 0)


@pytest.mark.parametrize(("content", "name"), [(b"\xff\xfe\x00garbage", "rows.csv"), (b"not a zip", "rows.xlsx")])
def test_unreadable_files_get_a_clear_error(cli, tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)

    result = cli("import", str(path))

    assert result.exit_code == 1 and "无法读取文件" in result.output and "Cannot read" in result.output


# --- cooperation projects --------------------------------------------------------------------

PROJECT = {
    "type": "project",
    "ref": "PRJ-1",
    "partners": [{"organization_ref": "SCH-1", "role": "lead"}, {"organization_ref": "ORG-1", "role": "partner"}],
    "type_code": "apprenticeship_class",
    "title": "茶叶加工现代学徒制班",
    "description": "校企共同招生，企业师傅带徒。",
    "sectors": ["tea"],
    "region": "520328",
    "starts_on": "2023-09-01",
    "ends_on": "2025-07-01",
    "status": "closed",
    "students_trained": 40,
    "apprentices": 20,
    "teachers_placed": 3,
    "mentors": 5,
    "school_investment": "120000.00",
    "enterprise_investment": "300000.50",
    "outcomes": "首届学徒 20 人取得职业技能等级证书。",
    "documents": [
        {"title": "合作协议", "url": "https://example.org/agreement.pdf"},
        {"title": "结题报告", "url": "https://example.org/report;v=2.pdf"},
    ],
    "majors": ["410107"],
    "occupations": ["6-02-06-10"],
}


def stored_project(app, ref="PRJ-1"):
    from sqlalchemy import select

    from matchmaker.extensions import db

    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.ref == ref))
        return (
            project,
            [(p.organization.ref, p.role, p.confirmed_at is not None) for p in project.partners],
            [(e.kind, e.from_status, e.to_status, e.occurred_on, e.note) for e in project.history],
        )


def test_project_rows_import_with_partners_confirmed_by_the_file(cli, app, tmp_path, count, make_user):
    cli("import", str(write_jsonl(tmp_path / "orgs.jsonl", [ORG, SCHOOL])))
    with app.app_context():
        school = Organization.query.filter_by(ref="SCH-1").one()
    make_user(org=school)  # a member who would otherwise be asked to confirm

    result = cli("import", str(write_jsonl(tmp_path / "projects.jsonl", [PROJECT])))

    assert result.exit_code == 0, result.output
    assert "projects 1 created, 0 updated" in result.output
    project, partners, history = stored_project(app)
    assert partners == [("SCH-1", "lead", True), ("ORG-1", "partner", True)] and project.counted
    assert (project.status, project.students_trained, str(project.enterprise_investment)) == ("closed", 40, "300000.50")
    assert project.documents[1] == {"title": "结题报告", "url": "https://example.org/report;v=2.pdf"}
    assert project.majors == ["410107"] and project.sectors == ["tea"]
    kinds = [(kind, to_status) for kind, _, to_status, _, _ in history]
    assert kinds == [("created", "agreement"), ("confirmed", None), ("confirmed", None), ("status", "closed")]
    assert history[1][4] == "遵义职业技术学院（批量导入，由协调员确认）"
    # One imported step straight to 结题, with no invented date, instead of 立项 and 实施中 steps.
    assert history[3][1:4] == ("agreement", "closed", None) and "批量导入" in history[3][4]
    assert count(Notification) == 0  # nobody is asked to confirm what the coordinator vouched for


def test_project_cells_in_a_csv_with_chinese_headers_and_names(cli, app, tmp_path):
    cli("import", str(write_jsonl(tmp_path / "orgs.jsonl", [ORG, SCHOOL])))
    path = tmp_path / "projects.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["类型", "编号", "合作单位", "合作类型", "项目名称", "状态", "相关文件", "涉及专业", "院校投入（元）"]
        )
        writer.writerow(
            [
                "合作项目",
                "PRJ-1",
                "SCH-1:牵头单位；ORG-1",
                "现代学徒制班",
                "茶叶加工现代学徒制班",
                "实施中",
                "合作协议|https://example.org/a.pdf;结题报告 | https://example.org/b.pdf",
                "茶叶生产与加工技术;政治学、经济学与哲学",
                "120000.5",
            ]
        )
    # 项目名称 is not a column label: the title column is 标题.
    result = cli("import", str(path))
    assert result.exit_code == 1 and "「项目名称」列：未知的列" in result.output
    text = path.read_text(encoding="utf-8-sig").replace("项目名称", "标题（title）")
    path.write_text(text, encoding="utf-8-sig")

    result = cli("import", str(path))

    assert result.exit_code == 0, result.output
    project, partners, _ = stored_project(app)
    assert partners == [("SCH-1", "lead", True), ("ORG-1", "partner", True)]
    assert (project.type_code, project.status, project.region_code) == ("apprenticeship_class", "in_progress", "520300")
    assert project.documents == [
        {"title": "合作协议", "url": "https://example.org/a.pdf"},
        {"title": "结题报告", "url": "https://example.org/b.pdf"},
    ]
    assert project.majors == ["茶叶生产与加工技术", "政治学、经济学与哲学"]
    assert str(project.school_investment) == "120000.50"


def test_reimporting_a_project_updates_it_and_an_unchanged_file_changes_nothing(cli, app, tmp_path, count):
    cli("import", str(write_jsonl(tmp_path / "a.jsonl", [ORG, SCHOOL, {**PROJECT, "status": "approved"}])))
    _, _, first = stored_project(app)

    again = cli("import", str(write_jsonl(tmp_path / "b.jsonl", [{**PROJECT, "status": "approved"}])))
    _, _, unchanged = stored_project(app)
    changed = {**PROJECT, "title": "茶叶加工现代学徒制班（二期）", "status": "in_progress", "apprentices": 25}
    result = cli("import", str(write_jsonl(tmp_path / "c.jsonl", [changed])))

    assert again.exit_code == 0 and "projects 0 created, 1 updated" in again.output
    assert unchanged == first
    assert result.exit_code == 0 and "projects 0 created, 1 updated" in result.output
    project, _, history = stored_project(app)
    assert count(Project) == 1
    assert (project.title, project.status, project.apprentices) == ("茶叶加工现代学徒制班（二期）", "in_progress", 25)
    assert [(kind, from_status, to_status) for kind, from_status, to_status, _, _ in history[len(first) :]] == [
        ("edited", None, None),
        ("status", "approved", "in_progress"),
    ]


def test_bad_project_rows_are_reported_by_line_and_column_label_and_nothing_is_written(cli, tmp_path, count):
    unknown_partner = {**PROJECT, "ref": "PRJ-2", "partners": "SCH-1:lead;ORG-404"}
    bad_cells = {**PROJECT, "ref": "PRJ-3", "title": "", "school_investment": "12万", "sectors": ["tea", "火星农业"]}
    one_side = {**PROJECT, "ref": "PRJ-4", "partners": "SCH-1:lead;SCH-1:boss"}
    path = write_jsonl(tmp_path / "rows.jsonl", [ORG, SCHOOL, PROJECT, unknown_partner, bad_cells, one_side])

    result = cli("import", str(path))

    assert result.exit_code == 1 and "nothing was written" in result.output
    assert "line 3" not in result.output
    assert "第 4 行（PRJ-2）：「合作单位」（partners）第 2 项 · 机构编号：机构不存在：ORG-404" in result.output
    assert "第 5 行（PRJ-3）" in result.output and "「标题」（title）：不能为空。" in result.output
    assert "「院校投入（元）」（school_investment）：请填写金额" in result.output
    assert "「产业」（sectors）第 2 项：未知的产业「火星农业」" in result.output
    assert (
        "第 6 行（PRJ-4）：「合作单位」（partners）第 2 项 · 角色：须为以下之一：牵头单位、合作单位。" in result.output
    )
    assert (count(Organization), count(Project), count(ProjectChange)) == (0, 0, 0)


def test_projects_come_back_unchanged_from_their_export(cli, app, tmp_path):
    second = {
        **PROJECT,
        "ref": "PRJ-2",
        "type_code": "joint_rnd",
        "status": "agreement",
        "partners": [{"organization_ref": "ORG-1", "role": "lead"}, {"organization_ref": "SCH-1", "role": "partner"}],
        "documents": [],
        "majors": [],
        "description": '=HYPERLINK("http://evil.example","x")',
    }
    cli("import", str(write_jsonl(tmp_path / "in.jsonl", [ORG, SCHOOL, NEED, PROJECT, second])))

    for suffix in (".jsonl", ".csv", ".xlsx"):
        exported = tmp_path / f"out{suffix}"
        assert cli("export", str(exported)).exit_code == 0
        assert_reads_back_unchanged(cli, app, exported)
    with app.app_context():
        from matchmaker.transfer import export_rows

        rows = [row for row in export_rows() if row["type"] == "project"]
    assert [row["ref"] for row in rows] == ["PRJ-1", "PRJ-2"] and rows[0]["documents"] == PROJECT["documents"]


# --- files users really have -----------------------------------------------------------------

CSV_HEADER = ["类型", "编号", "机构名称", "机构类别", "机构子类", "地区", "产业", "简介"]
CSV_ROWS = [
    [
        "机构",
        "ORG-1",
        "贵州遵义辣椒食品有限公司",
        "企业",
        "规上企业",
        "遵义市",
        "辣椒、生态特色食品",
        "辣椒制品加工，年产“虾子辣椒”酱 3 万吨。",
    ],
    ["机构", "SCH-1", "遵义职业技术学院", "院校", "高职院校", "遵义市", "辣椒", ""],
]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_saved_by_excel_in_gbk_or_utf8_imports(cli, client, tmp_path, encoding):
    path = tmp_path / "机构.csv"
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_HEADER)
        writer.writerows(CSV_ROWS)

    result = cli("import", str(path))

    assert result.exit_code == 0, result.output
    org = client.get("/api/v1/organizations/by-ref/ORG-1").json
    assert org["name"] == "贵州遵义辣椒食品有限公司" and org["kind"] == "enterprise"
    assert org["description"] == "辣椒制品加工，年产“虾子辣椒”酱 3 万吨。"
    assert [s["code"] for s in org["sectors"]] == ["chili", "eco_food"]


def test_excel_unicode_text_is_read_through_the_detector(cli, client, tmp_path):
    path = tmp_path / "机构.csv"
    lines = ["\t".join(CSV_HEADER)] + ["\t".join(row) for row in CSV_ROWS]
    path.write_bytes("\r\n".join(lines).encode("utf-16"))  # Excel's "Unicode 文本": UTF-16 with BOM, tabs

    result = cli("import", str(path))

    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/organizations/by-ref/SCH-1").json["name"] == "遵义职业技术学院"


def test_a_file_in_no_known_encoding_is_named_in_a_chinese_message(cli, tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(b"type,ref,name\n" + bytes(range(0x80, 0x100)) * 4)

    result = cli("import", str(path))

    assert result.exit_code == 1
    assert "无法读取文件「名单.csv」：无法识别文件的编码" in result.output
    assert "codec" not in result.output and "0x" not in result.output


def test_a_broken_quote_is_reported_with_its_line(cli, tmp_path, count):
    path = tmp_path / "rows.csv"
    path.write_text(
        "type,ref,name,kind,region\n"
        "organization,ORG-1,贵州湄潭云雾茶业有限公司,enterprise,520328\n"
        'organization,ORG-2,"遵义职业技术学院,school,遵义市\n'
        "organization,ORG-3,贵州装备职业学院,school,贵阳市\n",
        encoding="utf-8",
    )

    result = cli("import", str(path))

    assert result.exit_code == 1
    assert "无法读取文件「rows.csv」：第 3 行的英文双引号没有配对" in result.output
    assert "type" not in result.output.split("Cannot read")[0]  # not taken for a row with a wrong type
    assert count(Organization) == 0


def test_a_row_with_more_cells_than_the_header_is_a_bad_row(cli, tmp_path, count):
    path = tmp_path / "rows.csv"
    path.write_text(
        "type,ref,name,kind,region\n"
        "organization,ORG-1,贵州湄潭云雾茶业有限公司,enterprise,520328\n"
        "organization,ORG-2,遵义职业技术学院,高职,school,遵义市\n"
        "organization,ORG-3,贵州装备职业学院,school,贵阳市,,\n",
        encoding="utf-8",
    )

    result = cli("import", str(path), "--skip-invalid")

    assert result.exit_code == 0, result.output
    assert "第 3 行：这一行有 6 个单元格，比表头的 5 列多" in result.output and "第 4 行" not in result.output
    assert count(Organization) == 2


def test_a_csv_without_a_type_column_says_so(cli, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("编号,名称\nORG-1,贵州湄潭云雾茶业有限公司\n", encoding="utf-8")

    result = cli("import", str(path))

    assert result.exit_code == 1 and "须有「类型」（type）列" in result.output


# --- the import template ---------------------------------------------------------------------


def test_the_template_explains_every_column_and_its_example_rows_are_not_imported(cli, app, tmp_path, count):
    from matchmaker.schemas.imports import COLUMNS
    from matchmaker.transfer import template_bytes

    path = tmp_path / "模板.xlsx"
    with app.app_context():
        path.write_bytes(template_bytes("xlsx"))
    workbook = load_workbook(path)
    data, guide = workbook.worksheets
    rows = list(data.iter_rows(values_only=True))
    explained = {row[0]: row for row in guide.iter_rows(min_row=2, values_only=True) if row and row[0] in COLUMNS}

    assert rows[0][:3] == ("类型（type）", "编号（ref）", "所属机构编号（org）")
    assert [row[0] for row in rows[1:]] == ["机构", "机构", "发布", "合作项目"]
    assert set(explained) == set(COLUMNS)
    assert explained["partners"][2:4] == ("合作项目", "合作项目：必填")
    assert explained["region"][3] == "机构：必填；发布：选填；合作项目：选填"
    assert "现代学徒制班（apprenticeship_class）" in explained["type_code"][5]
    assert "合作项目：实施中（in_progress）" in explained["status"][5]
    assert "院校：高职院校、" in explained["subtype"][5]
    assert "茶叶（tea）" in explained["sectors"][5]

    result = cli("import", str(path))
    assert result.exit_code == 1 and result.output.count("这是导入模板中的示例行") == 4
    assert count(Organization) == 0

    for row in data.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = cell.value.replace("示例-", "")
    workbook.save(path)
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "organizations 2 created" in result.output and "postings 1 created" in result.output
    assert "projects 1 created" in result.output
