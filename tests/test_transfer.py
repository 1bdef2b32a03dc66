"""Bulk import and export through the `matchmaker` CLI, in JSON Lines, CSV and Excel."""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import Workbook, load_workbook

from matchmaker.models import Organization, Posting

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
        db.session.query(Posting).delete()
        db.session.query(Organization).delete()
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

    assert not report.written and report.created == {"organization": 2, "posting": 1}
    assert [error.line for error in report.errors] == [4]
    assert (count(Organization), count(Posting)) == (0, 0)


@pytest.mark.parametrize(("content", "name"), [(b"\xff\xfe\x00garbage", "rows.csv"), (b"not a zip", "rows.xlsx")])
def test_unreadable_files_get_a_clear_error(cli, tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)

    result = cli("import", str(path))

    assert result.exit_code == 1 and "无法读取文件" in result.output and "Cannot read" in result.output
