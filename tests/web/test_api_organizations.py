"""The organizations API through HTTP."""

from __future__ import annotations

from matchmaker.models import Organization


def school(**fields):
    data = {
        "ref": "GZ-VOC-1",
        "name": "贵州测试职业技术学院",
        "kind": "school",
        "subtype": "高职院校",
        "region": "贵阳市花溪区",
        "sectors": ["先进装备制造", "big_data_electronics"],
        "description": "开设数控技术、机电一体化技术等专业。",
        "contact_email": "zhaosheng@example.cn",
    }
    data.update(fields)
    return data


def test_coordinator_creates_an_organization(client, make_user, bearer):
    _, token = make_user(role="coordinator")

    response = client.post("/api/v1/organizations", json=school(), headers=bearer(token))

    assert response.status_code == 201, response.json
    org = response.json
    assert org["region"] == {"code": "520111", "name": "贵阳市花溪区"}
    assert [s["code"] for s in org["sectors"]] == ["advanced_equipment", "big_data_electronics"]
    assert org["verified"] is False
    assert "contact_email" not in org  # contact details are not public
    assert client.get("/api/v1/organizations/by-ref/GZ-VOC-1", headers=bearer(token)).json["id"] == org["id"]


def test_members_cannot_create_organizations(client, make_org, make_user, bearer, count):
    _, token = make_user(org=make_org())
    before = count(Organization)

    response = client.post("/api/v1/organizations", json=school(), headers=bearer(token))

    assert response.status_code == 403
    assert count(Organization) == before


def test_subtype_must_belong_to_the_kind(client, make_user, bearer, count):
    _, token = make_user(role="coordinator")

    response = client.post("/api/v1/organizations", json=school(kind="enterprise"), headers=bearer(token))

    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error["field"] == "subtype" and "高职院校" in error["message_zh"]
    assert count(Organization) == 0


def test_refs_are_unique(client, make_org, make_user, bearer, count):
    make_org(ref="GZ-VOC-1")
    _, token = make_user(role="coordinator")

    response = client.post("/api/v1/organizations", json=school(), headers=bearer(token))

    assert response.status_code == 422 and response.json["errors"][0]["field"] == "ref"
    assert count(Organization) == 1


def test_members_update_their_organization_and_read_its_contact(client, make_org, make_user, bearer):
    org = make_org(contact_email="hr@example.cn")
    _, member = make_user(org=org)
    _, outsider = make_user(org=make_org())

    updated = client.patch(
        f"/api/v1/organizations/{org.id}",
        headers=bearer(member),
        json={"description": "专注数控加工。", "sectors": ["tea"]},
    )
    refused = client.patch(f"/api/v1/organizations/{org.id}", json={"name": "别人家的公司"}, headers=bearer(outsider))
    contact = client.get(f"/api/v1/organizations/{org.id}/contact", headers=bearer(member))
    hidden = client.get(f"/api/v1/organizations/{org.id}/contact", headers=bearer(outsider))

    assert updated.status_code == 200 and updated.json["description"] == "专注数控加工。"
    assert [s["name"] for s in updated.json["sectors"]] == ["茶叶"]
    assert updated.json["name"] == org.name
    assert refused.status_code == 403
    assert contact.json["contact_email"] == "hr@example.cn"
    assert hidden.status_code == 403


def test_closed_and_unverified_organizations_are_hidden_from_the_public(client, make_org, make_user, bearer):
    shown, pending, closing = make_org(), make_org(verified=False), make_org()
    _, coordinator = make_user(role="coordinator")
    client.post(f"/api/v1/organizations/{closing.id}/close", headers=bearer(coordinator))

    public_ids = {o["id"] for o in client.get("/api/v1/organizations").json["items"]}
    all_ids = {o["id"] for o in client.get("/api/v1/organizations", headers=bearer(coordinator)).json["items"]}

    assert public_ids == {shown.id}
    assert all_ids == {shown.id, pending.id, closing.id}
    assert client.get(f"/api/v1/organizations/{pending.id}").status_code == 404


def test_list_filters(client, make_org):
    make_org(kind="school", subtype="中职学校", region="520328", sectors=["tea"], name="湄潭县中等职业学校")
    make_org(kind="enterprise", region="520382", sectors=["liquor_tobacco"], name="仁怀酱香酒业有限公司")
    make_org(kind="enterprise", region="520102", sectors=["big_data_electronics"], name="贵阳云数科技有限公司")

    def names(query):
        return sorted(o["name"] for o in client.get("/api/v1/organizations" + query).json["items"])

    assert names("?kind=school") == ["湄潭县中等职业学校"]
    assert names("?region=遵义市") == ["仁怀酱香酒业有限公司", "湄潭县中等职业学校"]
    assert names("?sector=优质烟酒&sector=茶叶") == ["仁怀酱香酒业有限公司", "湄潭县中等职业学校"]
    assert names("?q=科技") == ["贵阳云数科技有限公司"]
    assert client.get("/api/v1/organizations?kind=factory").status_code == 422
