"""/api/v1/projects: create, read, patch, status, confirm, the library actions and the public library."""

from __future__ import annotations

import pytest

from matchmaker.models import Project, ProjectChange, ProjectPartner
from tests.projects_support import agreed_meeting, make_partners

CRITERIA = {code: {"met": True, "note": "经核实"} for code in ("mechanism", "education", "industry", "replicable")}


@pytest.fixture
def partners(make_org, make_user):
    return make_partners(make_org, make_user)


def body(ids, **fields):
    data = {
        "title": "数控技术订单班",
        "type_code": "order_class",
        "partners": [{"organization_id": ids.enterprise_id}],
        "students_trained": 40,
        "school_investment": "120000.50",
        "documents": [{"title": "合作协议", "url": "https://example.cn/agreement.pdf"}],
        "majors": ["数控技术"],
        "occupations": ["6-18-01-01"],
    }
    data.update(fields)
    return data


def fields_in(response) -> set[str]:
    return {e["field"] for e in response.json["errors"]}


def test_a_member_creates_reads_and_patches_a_project(client, partners, bearer):
    school = bearer(partners.tokens["school"])
    created = client.post("/api/v1/projects", json=body(partners), headers=school)
    assert created.status_code == 201, created.json
    project = created.json
    assert project["school_investment"] == "120000.50"
    assert project["counted"] is False
    assert {p["organization"]["id"]: p["confirmed"] for p in project["partners"]} == {
        partners.school_id: True,
        partners.enterprise_id: False,
    }
    assert [h["kind"] for h in project["history"]] == ["created"]
    url = f"/api/v1/projects/{project['id']}"
    assert client.get(url, headers=bearer(partners.tokens["outsider"])).status_code == 404
    assert client.get(url).status_code == 404

    patched = client.patch(url, json={"mentors": 2, "version": project["version"]}, headers=school)
    assert patched.status_code == 200 and patched.json["mentors"] == 2
    stale = client.patch(url, json={"mentors": 3, "version": project["version"]}, headers=school)
    assert stale.status_code == 409

    outsider = client.patch(url, json={"mentors": 9}, headers=bearer(partners.tokens["outsider"]))
    assert outsider.status_code == 404  # not even visible to a non-partner


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type_code": "picnic"}, "type_code"),
        ({"students_trained": -1}, "students_trained"),
        ({"school_investment": "10.555"}, "school_investment"),
        ({"enterprise_investment": -5}, "enterprise_investment"),
        ({"documents": [{"title": "协议", "url": "javascript:alert(1)"}]}, "documents.0.url"),
        ({"majors": ["烹饪火箭学"]}, "majors.0"),
        ({"occupations": ["9-99-99-99"]}, "occupations.0"),
        ({"starts_on": "2025-09-01", "ends_on": "2025-06-30"}, "ends_on"),
        ({"partners": [{"organization_id": 999_999}]}, "partners.0.organization_id"),
        ({"partners": []}, "partners"),
    ],
)
def test_bad_input_names_the_field_with_nothing_written(client, partners, bearer, count, change, field):
    answer = client.post("/api/v1/projects", json=body(partners, **change), headers=bearer(partners.tokens["school"]))
    assert answer.status_code == 422, answer.json
    assert field in fields_in(answer)
    assert count(Project) == count(ProjectPartner) == count(ProjectChange) == 0


def test_status_steps_confirmation_and_the_library_through_the_api(client, partners, bearer):
    school, enterprise = bearer(partners.tokens["school"]), bearer(partners.tokens["enterprise"])
    coordinator = bearer(partners.tokens["coordinator"])
    project_id = client.post("/api/v1/projects", json=body(partners), headers=school).json["id"]
    url = f"/api/v1/projects/{project_id}"

    refused = client.post(f"{url}/status", json={"status": "closed"}, headers=school)
    assert refused.status_code == 422 and fields_in(refused) == {"status"}
    assert client.post(f"{url}/status", json={"status": "approved"}, headers=enterprise).status_code == 403
    assert client.post(f"{url}/confirm", headers=enterprise).json["counted"] is True
    for status in ("approved", "in_progress"):
        answer = client.post(f"{url}/status", json={"status": status, "occurred_on": "2025-03-01"}, headers=enterprise)
        assert answer.status_code == 200, answer.json
    assert answer.json["history"][-1]["occurred_on"] == "2025-03-01"

    assert client.post(f"{url}/nominate", json={}, headers=school).status_code == 403
    assert client.post(f"{url}/nominate", json={"note": "成效突出"}, headers=coordinator).status_code == 200
    declined = client.post(f"{url}/decline", json={"reason": ""}, headers=coordinator)
    assert declined.status_code == 422 and "reason" in fields_in(declined)
    assert client.get("/api/v1/projects/library").json["total"] == 0
    published = client.post(f"{url}/publish", json={"criteria": CRITERIA}, headers=coordinator)
    assert published.status_code == 200 and published.json["library_status"] == "published"

    library = client.get("/api/v1/projects/library").json
    assert [p["id"] for p in library["items"]] == [project_id]
    assert "version" not in library["items"][0]
    assert client.get(f"/api/v1/projects/library/{project_id}").status_code == 200
    assert client.get("/api/v1/projects/library", query_string={"school_kind": "中职学校"}).json["total"] == 0
    assert client.get("/api/v1/projects/library", query_string={"school_kind": "高职院校"}).json["total"] == 1


def test_a_project_from_an_event_meeting_through_the_api(app, client, partners, bearer, make_event):
    agreed_meeting(app, partners, make_event)
    answer = client.post(
        "/api/v1/projects",
        json={"title": "订单班", "type_code": "order_class", "meeting_id": partners.meeting_id},
        headers=bearer(partners.tokens["enterprise"]),
    )
    assert answer.status_code == 201, answer.json
    assert (answer.json["event_id"], answer.json["meeting_id"]) == (partners.event_id, partners.meeting_id)
    listed = client.get(
        "/api/v1/projects", query_string={"event_id": partners.event_id}, headers=bearer(partners.tokens["coordinator"])
    )
    assert [p["id"] for p in listed.json["items"]] == [answer.json["id"]]
