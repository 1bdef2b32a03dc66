"""/api/v1/registries/<registry>: entry, reading, counts, export, import, permissions and the OpenAPI document."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from matchmaker.models import MentorPost, PilotDesignation, TeacherPlacement

BASE = "/api/v1/registries"


@pytest.fixture
def orgs(make_org):
    return {
        "A": make_org(kind="school", name="贵阳职业技术学院", region="520102", ref="GZ-A"),
        "B": make_org(kind="school", name="遵义职业技术学院", region="520302"),
        "E": make_org(name="湄潭茶业集团", sectors=["tea"], region="520328", ref="MT-TEA"),
    }


@pytest.fixture
def coordinator(make_user, bearer):
    _, token = make_user(role="coordinator")
    return bearer(token)


def test_a_coordinator_records_reads_changes_and_deletes_a_mentor_post(client, orgs, coordinator, count):
    body = {
        "person_name": "王建国",
        "enterprise": "MT-TEA",  # by ref
        "school": "贵阳职业技术学院",  # by name
        "major": "茶叶生产与加工技术",
        "post_title": "产业导师",
        "since": "2024-09-01",
        "hours_per_year": "64",
    }
    created = client.post(f"{BASE}/mentors", json=body, headers=coordinator)
    assert created.status_code == 201, created.json
    post = created.json
    assert (post["enterprise"]["name"], post["school"]["id"], post["until"], post["hours_per_year"]) == (
        "湄潭茶业集团",
        orgs["A"].id,
        None,
        64,
    )

    changed = client.patch(f"{BASE}/mentors/{post['id']}", json={"until": "2025-07-31"}, headers=coordinator)
    listed = client.get(f"{BASE}/mentors?region=520100&active_on=2025-06-01", headers=coordinator).json
    after_end = client.get(f"{BASE}/mentors?active_on=2025-08-01", headers=coordinator).json
    assert changed.status_code == 200 and changed.json["until"] == "2025-07-31"
    assert listed["total"] == 1 and listed["items"][0]["person_name"] == "王建国"
    assert after_end["total"] == 0

    assert client.delete(f"{BASE}/mentors/{post['id']}", headers=coordinator).status_code == 204
    assert client.get(f"{BASE}/mentors/{post['id']}", headers=coordinator).status_code == 404
    assert count(MentorPost) == 0


def test_bad_input_names_the_field_and_writes_nothing(client, orgs, coordinator, count):
    wrong_kind = {"teacher_name": "张三", "school": orgs["E"].id, "enterprise": orgs["E"].id}
    answer = client.post(
        f"{BASE}/teacher-practice",
        json={**wrong_kind, "starts_on": "2024-05-01", "ends_on": "2024-04-01"},
        headers=coordinator,
    )
    fields = {e["field"]: e["message_zh"] for e in answer.json["errors"]}

    assert answer.status_code == 422
    assert fields["school"] == "「湄潭茶业集团」不是院校。"
    assert fields["ends_on"] == "结束日期不能早于开始日期。"
    missing = client.post(f"{BASE}/teacher-practice", json={"teacher_name": "张三"}, headers=coordinator)
    assert {e["field"] for e in missing.json["errors"]} == {"school", "enterprise", "starts_on", "ends_on"}
    assert count(TeacherPlacement) == 0


def test_members_write_only_for_their_own_organization_and_the_public_reads_nothing(
    client, orgs, make_user, bearer, count
):
    _, b_token = make_user(org=orgs["B"])
    _, a_token = make_user(org=orgs["A"])
    body = {
        "teacher_name": "张三",
        "school": orgs["A"].id,
        "enterprise": orgs["E"].id,
        "starts_on": "2024-01-01",
        "ends_on": "2024-03-31",
    }

    refused = client.post(f"{BASE}/teacher-practice", json=body, headers=bearer(b_token))
    accepted = client.post(f"{BASE}/teacher-practice", json=body, headers=bearer(a_token))
    alliance = client.post(
        f"{BASE}/alliances",
        json={"name": "某联盟", "lead": orgs["A"].id, "level": "province", "region": "520100"},
        headers=bearer(a_token),
    )

    assert refused.status_code == 403 and accepted.status_code == 201 and alliance.status_code == 403
    assert client.get(f"{BASE}/teacher-practice/{accepted.json['id']}", headers=bearer(b_token)).status_code == 404
    assert client.get(f"{BASE}/teacher-practice", headers=bearer(b_token)).json["total"] == 0
    assert client.get(f"{BASE}/teacher-practice").status_code == 401
    assert client.get(f"{BASE}/targets", headers=bearer(a_token)).status_code == 403
    assert count(TeacherPlacement) == 1


def test_counts_export_and_designations(client, orgs, coordinator, make_org):
    second = make_org(name="贵州茶叶进出口公司", sectors=["tea", "eco_food"], region="520102")
    for enterprise, level, day in ((orgs["E"], "province", "2021-03-01"), (second, "national", "2022-03-01")):
        answer = client.post(
            f"{BASE}/designations",
            json={
                "kind": "产教融合型企业",  # the label works as well as the code
                "organization": enterprise.id,
                "designated_on": day,
                "level": level,
                "issued_by": "贵州省发展和改革委员会",
                "document_number": "黔发改社会〔2021〕1号",
            },
            headers=coordinator,
        )
        assert answer.status_code == 201, answer.json
    assert answer.json["name"] == "贵州茶叶进出口公司" and answer.json["region"]["name"] == "贵阳市南明区"

    counts = client.get(f"{BASE}/designations/counts", headers=coordinator).json
    export = client.get(f"{BASE}/designations/export.xlsx?level=province", headers=coordinator)
    sheet = load_workbook(io.BytesIO(export.data)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    progress = client.get(f"{BASE}/targets?on=2026-01-01", headers=coordinator).json

    assert counts["total"] == 2
    assert {c["label"]: c["count"] for c in counts["by_sector"]} == {"茶叶": 2, "生态特色食品": 1}
    assert [(c["label"], c["count"]) for c in counts["by_region"]] == [("贵阳市", 1), ("遵义市", 1)]  # ties by code
    assert len(rows) == 2 and dict(zip(rows[0], rows[1], strict=True))["名称"] == "湄潭茶业集团"
    enterprise_2022 = next(
        t for t in progress["targets"] if t["kind"] == "enterprise" and t["deadline"] == "2022-12-31"
    )
    assert (enterprise_2022["achieved"], enterprise_2022["minimum"], enterprise_2022["met"]) == (2, 50, False)


def test_a_city_designation_needs_its_region(client, coordinator, count):
    answer = client.post(
        f"{BASE}/designations",
        json={"kind": "city", "designated_on": "2021-06-01", "level": "national", "issued_by": "国家发展改革委"},
        headers=coordinator,
    )
    assert answer.status_code == 422 and [e["field"] for e in answer.json["errors"]] == ["region"]
    assert count(PilotDesignation) == 0


def xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_an_import_with_a_bad_row_reports_it_and_writes_nothing_unless_told_to_skip(client, orgs, coordinator, count):
    rows = [
        ["person_name", "enterprise", "school", "since", "hours_per_year"],
        ["王工", "MT-TEA", "GZ-A", "2024-09-01", 32],
        ["李工", "MT-TEA", "GZ-A", "2024-13-01", 32],
    ]
    refused = client.post(
        f"{BASE}/mentors/import", data={"file": (xlsx(rows), "mentors.xlsx")}, headers=coordinator
    ).json
    skipped = client.post(
        f"{BASE}/mentors/import?skip_invalid=true",
        data={"file": (xlsx(rows), "mentors.xlsx")},
        headers=coordinator,
    ).json

    assert refused["written"] is False and refused["created"] == 1
    assert refused["errors"] == [
        {
            "line": 3,
            "problems": [
                {"field": "since", "message": "Not a valid date.", "message_zh": "不是有效的日期（应为 YYYY-MM-DD）。"}
            ],
        }
    ]
    assert skipped["written"] is True and count(MentorPost) == 1


def test_the_openapi_document_describes_each_registry_with_its_own_schema(client):
    spec = client.get("/api/openapi.json").json
    schemas = spec["components"]["schemas"]

    for path in ("mentors", "teacher-practice", "alliances", "designations"):
        assert {"get", "post"} <= set(spec["paths"][f"{BASE}/{path}"])
        assert {"get", "patch", "delete"} <= set(spec["paths"][f"{BASE}/{path}/{{row_id}}"])
        assert "post" in spec["paths"][f"{BASE}/{path}/import"]
    assert set(schemas["MentorPostIn"]["required"]) == {"person_name", "enterprise", "school", "since"}
    assert set(schemas["TeacherPlacementIn"]["required"]) == {
        "teacher_name",
        "school",
        "enterprise",
        "starts_on",
        "ends_on",
    }
    assert "members" in schemas["AllianceIn"]["properties"]
    assert schemas["PilotDesignationIn"]["properties"]["level"]["enum"] == ["national", "province", "prefecture"]
    create = spec["paths"][f"{BASE}/alliances"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AllianceIn")
