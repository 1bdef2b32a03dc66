"""The postings API through HTTP: create, read, update, publish, close, list, and bad input."""

from __future__ import annotations

from matchmaker.models import Posting


def new_posting(**fields):
    data = {
        "direction": "need",
        "category": "talent",
        "title": "招聘数控车床操作工",
        "description": "熟悉FANUC系统，能独立完成零件加工。",
        "sectors": ["advanced_equipment"],
        "quantity": 5,
    }
    data.update(fields)
    return data


def test_member_posts_a_need_and_everyone_can_read_it(client, make_org, make_user, bearer):
    org = make_org(name="贵阳精密机械有限公司", region="520115")
    _, token = make_user(org=org)

    response = client.post("/api/v1/postings", json=new_posting(sectors=["先进装备制造"]), headers=bearer(token))

    assert response.status_code == 201, response.json
    posting = response.json
    assert posting["organization"]["name"] == "贵阳精密机械有限公司"
    assert posting["status"] == "published" and posting["public"] is True
    assert posting["sectors"] == [{"code": "advanced_equipment", "name": "先进装备制造"}]
    assert posting["region"] == {"code": "520115", "name": "贵阳市观山湖区"}  # the organization's region
    assert posting["valid_until"] is not None
    anonymous = client.get(f"/api/v1/postings/{posting['id']}")
    assert anonymous.status_code == 200 and anonymous.json["title"] == "招聘数控车床操作工"


def test_unknown_sector_is_a_field_error_and_nothing_is_written(client, make_org, make_user, bearer, count):
    _, token = make_user(org=make_org())
    before = count(Posting)

    response = client.post("/api/v1/postings", json=new_posting(sectors=["tea", "火箭"]), headers=bearer(token))

    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json["errors"]}
    assert "sectors.1" in errors
    assert "火箭" in errors["sectors.1"]["message_zh"] and "Unknown sector" in errors["sectors.1"]["message"]
    assert count(Posting) == before


def test_every_bad_field_is_named_in_both_languages(client, make_org, make_user, bearer, count):
    _, token = make_user(org=make_org())
    body = new_posting(
        title="   ",
        region="999999",
        description="长" * 5001,
        quantity="five",
        direction="both",
        category="rocket",
        starts_on="2027-02-30",
    )

    response = client.post("/api/v1/postings", json=body, headers=bearer(token))

    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json["errors"]}
    assert set(errors) == {"title", "region", "description", "quantity", "direction", "category", "starts_on"}
    assert errors["title"]["message_zh"] == "不能为空。"
    assert "5000" in errors["description"]["message"] and "5001" in errors["description"]["message_zh"]
    assert errors["quantity"]["message"] == "Not a valid integer."
    assert errors["quantity"]["message_zh"] == "不是有效的整数。"
    assert "999999" in errors["region"]["message_zh"]
    assert all(e["message_zh"] != e["message"] for e in errors.values())
    assert count(Posting) == 0


def test_malformed_json_and_non_object_bodies_are_rejected(client, make_org, make_user, bearer, count):
    _, token = make_user(org=make_org())
    headers = {**bearer(token), "Content-Type": "application/json"}

    broken = client.post("/api/v1/postings", data='{"title": "招聘', headers=headers)
    listed = client.post("/api/v1/postings", data="[1, 2]", headers=headers)

    assert broken.status_code == 400
    assert broken.json["errors"][0]["field"] == "body" and broken.json["errors"][0]["message_zh"]
    assert listed.status_code == 422
    assert count(Posting) == 0


def test_unknown_fields_and_wrong_types_are_reported(client, make_org, make_user, bearer):
    _, token = make_user(org=make_org())

    response = client.post("/api/v1/postings", json=new_posting(title=123, salary="面议"), headers=bearer(token))

    errors = {e["field"]: e for e in response.json["errors"]}
    assert response.status_code == 422
    assert errors["title"]["message"] == "Not a valid string."
    assert errors["salary"]["message_zh"] == "未知字段。"


def test_writes_need_a_token_and_membership(client, make_org, make_user, bearer, count):
    org, other = make_org(), make_org()
    _, outsider_token = make_user(org=other)

    anonymous = client.post("/api/v1/postings", json=new_posting(organization_id=org.id))
    outsider = client.post("/api/v1/postings", json=new_posting(organization_id=org.id), headers=bearer(outsider_token))
    bad_token = client.post("/api/v1/postings", json=new_posting(), headers=bearer("mm_not-a-token"))

    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert outsider.status_code == 403 and outsider.json["message_zh"]
    assert bad_token.status_code == 401
    assert count(Posting) == 0


def test_coordinator_posts_for_an_organization_named_by_ref(client, make_org, make_user, bearer):
    make_org(ref="QIANNAN-TEA", name="都匀毛尖茶业", sectors=["tea"], region="522701")
    _, token = make_user(role="coordinator")

    created = client.post(
        "/api/v1/postings",
        headers=bearer(token),
        json=new_posting(organization_ref="QIANNAN-TEA", category="技术", title="茶叶机械化采摘技术攻关"),
    )
    missing = client.post("/api/v1/postings", headers=bearer(token), json=new_posting(organization_ref="NOPE"))

    assert created.status_code == 201 and created.json["category"] == "technology"
    assert created.json["organization"]["ref"] == "QIANNAN-TEA"
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "organization_ref"


def test_postings_of_unverified_organizations_are_not_public(client, make_org, make_user, bearer):
    org = make_org(verified=False)
    _, member = make_user(org=org)
    _, coordinator = make_user(role="coordinator")
    posting = client.post("/api/v1/postings", json=new_posting(), headers=bearer(member)).json

    assert posting["public"] is False
    assert client.get(f"/api/v1/postings/{posting['id']}").status_code == 404
    assert client.get("/api/v1/postings").json["total"] == 0
    assert client.get("/api/v1/postings", headers=bearer(member)).json["total"] == 1

    verified = client.post(f"/api/v1/organizations/{org.id}/verify", headers=bearer(coordinator))
    assert verified.status_code == 200 and verified.json["verified"] is True
    assert client.get(f"/api/v1/postings/{posting['id']}").json["public"] is True


def test_members_cannot_verify_their_own_organization(client, make_org, make_user, bearer):
    org = make_org(verified=False)
    _, member = make_user(org=org)

    response = client.post(f"/api/v1/organizations/{org.id}/verify", headers=bearer(member))

    assert response.status_code == 403
    assert client.get(f"/api/v1/organizations/{org.id}", headers=bearer(member)).json["verified"] is False


def test_update_close_and_reopen(client, make_org, make_user, bearer):
    _, token = make_user(org=make_org())
    posting = client.post("/api/v1/postings", json=new_posting(), headers=bearer(token)).json
    url = f"/api/v1/postings/{posting['id']}"

    updated = client.patch(url, json={"title": "招聘数控铣工", "quantity": 2}, headers=bearer(token))
    closed = client.post(url + "/close", headers=bearer(token))
    hidden = client.get(url)
    reopened = client.post(url + "/publish", headers=bearer(token))

    assert updated.status_code == 200 and updated.json["title"] == "招聘数控铣工" and updated.json["quantity"] == 2
    assert updated.json["description"] == posting["description"]  # untouched fields stay
    assert closed.json["status"] == "closed" and closed.json["public"] is False
    assert hidden.status_code == 404
    assert reopened.json["status"] == "published" and reopened.json["public"] is True


def test_valid_until_is_at_most_a_year_ahead(client, make_org, make_user, bearer, count):
    _, token = make_user(org=make_org())

    too_far = client.post("/api/v1/postings", json=new_posting(valid_until="2099-01-01"), headers=bearer(token))
    ends_first = client.post(
        "/api/v1/postings", json=new_posting(starts_on="2027-03-01", ends_on="2027-02-01"), headers=bearer(token)
    )

    assert too_far.status_code == 422 and too_far.json["errors"][0]["field"] == "valid_until"
    assert ends_first.status_code == 422 and ends_first.json["errors"][0]["field"] == "ends_on"
    assert count(Posting) == 0


def test_expired_postings_leave_public_lists_until_renewed(app, client, make_org, make_user, bearer):
    from datetime import date

    from matchmaker.extensions import db

    _, token = make_user(org=make_org())
    posting = client.post("/api/v1/postings", json=new_posting(), headers=bearer(token)).json
    with app.app_context():
        db.session.get(Posting, posting["id"]).valid_until = date(2020, 1, 1)
        db.session.commit()

    assert client.get("/api/v1/postings").json["total"] == 0
    mine = client.get("/api/v1/postings?status=expired", headers=bearer(token)).json
    assert mine["total"] == 1 and mine["items"][0]["expired"] is True

    renewed = client.post(f"/api/v1/postings/{posting['id']}/publish", headers=bearer(token))
    assert renewed.json["expired"] is False and renewed.json["valid_until"] > date.today().isoformat()
    assert client.get("/api/v1/postings").json["total"] == 1


def test_list_filters_and_pagination(client, make_org, make_user, bearer):
    tea = make_org(kind="enterprise", region="520328", sectors=["tea"])
    school = make_org(kind="school", subtype="高职院校", region="520102")
    _, coordinator = make_user(role="coordinator")
    for org, direction, category, sectors in [
        (tea, "need", "talent", ["tea"]),
        (tea, "offer", "internship", ["tea"]),
        (school, "offer", "program", ["tea", "chili"]),
        (school, "need", "mentor", []),
    ]:
        client.post(
            "/api/v1/postings",
            headers=bearer(coordinator),
            json=new_posting(organization_id=org.id, direction=direction, category=category, sectors=sectors),
        )

    def titles(query):
        body = client.get("/api/v1/postings" + query).json
        return sorted((p["organization"]["id"], p["direction"], p["category"]) for p in body["items"])

    assert titles("?direction=offer") == [(tea.id, "offer", "internship"), (school.id, "offer", "program")]
    assert titles("?sector=辣椒") == [(school.id, "offer", "program")]
    assert titles("?region=遵义市") == [(tea.id, "need", "talent"), (tea.id, "offer", "internship")]  # county in it
    assert titles("?kind=school&category=mentor") == [(school.id, "need", "mentor")]
    page = client.get("/api/v1/postings?page=2&page_size=3").json
    assert (page["total"], page["page"], page["pages"], len(page["items"])) == (4, 2, 2, 1)
    bad = client.get("/api/v1/postings?sector=moon&page_size=0")
    assert bad.status_code == 422 and {e["field"] for e in bad.json["errors"]} == {"sector.0", "page_size"}


def test_choices_are_named_in_chinese_and_an_empty_choice_asks_for_one(client, make_org, make_user, bearer, count):
    _, token = make_user(org=make_org())
    before = count(Posting)

    def refused(**fields) -> dict[str, str]:
        response = client.post("/api/v1/postings", json=new_posting(**fields), headers=bearer(token))
        assert response.status_code == 422, response.json
        return {error["field"]: error["message_zh"] for error in response.json["errors"]}

    assert refused(direction="sideways") == {"direction": "须为以下之一：需求、供给。"}
    assert refused(direction="") == {"direction": "请选择：需求、供给。"}
    assert refused(status="gone") == {"status": "须为以下之一：草稿、已发布。"}
    assert refused(region="") == {"region": "请选择地区。"}
    unknown, empty = refused(category="x")["category"], refused(category="")["category"]
    assert unknown.startswith("未知的类别「x」，可选：人才") and empty.startswith("请选择类别：人才")
    assert "talent" not in unknown + empty  # codes are for developers: the English message has them
    assert count(Posting) == before
