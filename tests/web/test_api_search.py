"""Search through the API: fresh writes are found at once, filters hold, errors are clear.

These tests use the fake embedder; tests/test_matching_model.py runs the real model.
"""

from __future__ import annotations

import pytest

from tests.helpers import api_post_posting, drop_search_index

pytestmark = pytest.mark.both_backends


def test_a_new_posting_is_found_right_after_the_request_returns(client, make_org, make_user):
    _, token = make_user(org=make_org(kind="school", name="贵州装备职业学院"))
    created = api_post_posting(client, token, title="数控技术专业（高职专科）")

    found = client.get("/api/v1/search?q=数控技术&direction=offer").json

    assert found["results"][0]["id"] == created["id"]
    first = found["results"][0]
    assert first["organization"]["name"] == "贵州装备职业学院" and first["ref"] is None
    assert "数控技术" in first["explanation"]["lexical"]["matched_terms"]
    assert "<mark>数控技术</mark>" in first["explanation"]["snippet_html"]
    assert found["facets"]["sector"] == {"advanced_equipment": 1}


def test_closed_postings_are_no_longer_found(client, make_org, make_user):
    _, token = make_user(org=make_org())
    created = api_post_posting(client, token)

    client.post(f"/api/v1/postings/{created['id']}/close", headers={"Authorization": f"Bearer {token}"})

    assert client.get("/api/v1/search?q=数控技术").json["results"] == []


def test_unverified_organizations_enter_search_once_verified(client, make_org, make_user):
    org = make_org(kind="school", subtype="高职院校", verified=False)
    _, member = make_user(org=org)
    _, coordinator = make_user(role="coordinator")
    api_post_posting(client, member)
    wanted = "/api/v1/search?q=数控技术专业毕业生"
    assert client.get(wanted).json["total"] == 0

    client.post(f"/api/v1/organizations/{org.id}/verify", headers={"Authorization": f"Bearer {coordinator}"})

    assert client.get(wanted).json["total"] == 1


def test_filters_are_hard(client, make_org, make_posting):
    tea_school = make_org(kind="school", region="520328", sectors=["tea"])
    machine_school = make_org(kind="school", region="520102")
    make_posting(tea_school, title="茶叶生产与加工技术专业", sectors=["tea"])
    make_posting(machine_school, title="数控技术专业", sectors=["advanced_equipment"])
    make_posting(machine_school, direction="need", category="mentor", title="数控技术产业导师")

    def titles(query):
        return sorted(r["title"] for r in client.get("/api/v1/search?" + query).json["results"])

    assert titles("q=专业 技术&sector=茶叶") == ["茶叶生产与加工技术专业"]
    assert titles("q=加工技术专业&region=遵义市") == ["茶叶生产与加工技术专业"]
    assert titles("q=数控技术&direction=need") == ["数控技术产业导师"]
    assert titles("q=数控技术&category=mentor&category=program&region=520102") == ["数控技术专业", "数控技术产业导师"]


def test_bad_queries_get_clear_errors(client):
    empty = client.get("/api/v1/search?q=%20%20")
    long = client.get("/api/v1/search?q=" + "茶" * 501)
    unknown = client.get("/api/v1/search?q=茶&sector=moon&region=北京")

    assert empty.status_code == 422 and empty.json["errors"][0]["field"] == "q"
    assert long.status_code == 422 and "500" in long.json["errors"][0]["message"]
    assert unknown.status_code == 422 and {e["field"] for e in unknown.json["errors"]} == {"sector.0", "region"}


def test_missing_index_is_reported_not_hidden_and_reindex_restores_it(app, client, cli, make_org, make_posting):
    org = make_org()
    make_posting(org, title="数控技术专业", sectors=["advanced_equipment"])
    make_posting(org, title="机电一体化技术专业", description="机电设备安装与调试。", sectors=["advanced_equipment"])
    before = client.get("/api/v1/search?q=数控 机电").json
    drop_search_index(app)

    missing = client.get("/api/v1/search?q=数控")
    result = cli("reindex")
    after = client.get("/api/v1/search?q=数控 机电").json

    assert missing.status_code == 503 and "matchmaker reindex" in missing.json["message"]
    assert result.exit_code == 0 and "indexed 2 postings" in result.output
    assert [(r["id"], r["score"]) for r in after["results"]] == [(r["id"], r["score"]) for r in before["results"]]


def test_matches_for_a_posting_come_from_the_other_side(client, make_org, make_posting):
    factory = make_org(kind="enterprise", region="520115", sectors=["advanced_equipment"])
    near_school = make_org(kind="school", region="520115")
    far_school = make_org(kind="school", region="522701")
    equipment = ["advanced_equipment"]
    need = make_posting(
        factory,
        direction="need",
        category="talent",
        title="招聘数控车床操作工",
        description="熟悉数控编程",
        sectors=equipment,
    )
    near = make_posting(near_school, title="数控技术专业", sectors=equipment)
    far = make_posting(far_school, title="数控技术专业")
    make_posting(near_school, category="mentor", title="数控技术导师", sectors=equipment)  # not an answer
    make_posting(factory, title="数控技术培训", sectors=equipment)  # own organization

    found = client.get(f"/api/v1/postings/{need.id}/matches").json

    assert [r["id"] for r in found["results"]] == [near.id, far.id]
    signals = {s["name"]: s for s in found["results"][0]["explanation"]["signals"]}
    assert signals["region"]["detail_zh"].startswith("同一区县")
    assert "先进装备制造" in signals["sector"]["detail_zh"]
    assert signals["category"]["detail_zh"] == "企业的人才需求；专业与课程供给可以答复"


def test_posters_confirm_the_suggested_majors_and_occupations(client, make_org, make_user):
    _, token = make_user(org=make_org())
    auth = {"Authorization": f"Bearer {token}"}
    need = api_post_posting(
        client,
        token,
        direction="need",
        category="talent",
        title="招聘数控车床操作工",
        description="熟悉FANUC系统，能看懂零件图。",
    )

    suggestions = client.get(f"/api/v1/postings/{need['id']}/tag-suggestions").json
    occupations = [t for t in suggestions["suggested"] if t["kind"] == "occupation"]
    confirmed = client.patch(f"/api/v1/postings/{need['id']}", headers=auth, json={"tags": [occupations[0]["tag"]]})
    refused = client.patch(f"/api/v1/postings/{need['id']}", headers=auth, json={"tags": ["major:000000"]})

    assert occupations and suggestions["confirmed"] is None
    assert confirmed.status_code == 200 and [t["tag"] for t in confirmed.json["tags"]] == [occupations[0]["tag"]]
    assert confirmed.json["tags"][0]["name"] == occupations[0]["name"]
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "tags.0"


def test_an_organization_sees_its_best_counterparts_for_each_open_posting(client, make_org, make_user, make_posting):
    _, coordinator = make_user(role="coordinator")
    factory, school = make_org(kind="enterprise"), make_org(kind="school")
    equipment = ["advanced_equipment"]
    need = make_posting(factory, direction="need", category="talent", title="招聘数控车床操作工", sectors=equipment)
    closed = make_posting(factory, direction="need", category="mentor", title="数控技术导师", sectors=equipment)
    closing = client.post(f"/api/v1/postings/{closed.id}/close", headers={"Authorization": f"Bearer {coordinator}"})
    assert closing.status_code == 200, closing.json
    program = make_posting(school, title="数控技术专业", sectors=equipment)

    body = client.get(f"/api/v1/organizations/{factory.id}/matches").json

    assert [entry["posting"]["id"] for entry in body["postings"]] == [need.id]
    assert [r["id"] for r in body["postings"][0]["matches"]["results"]] == [program.id]
