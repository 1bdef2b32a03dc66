"""Search and matching with the real model on the demo data, through the CLI."""

from __future__ import annotations

import json

import pytest

from matchmaker.demo import CNC_TITLE

pytestmark = [pytest.mark.model, pytest.mark.both_backends]


@pytest.fixture
def demo(cli, use_embedder, real_embedder):
    use_embedder(real_embedder)
    result = cli("load-demo")
    assert result.exit_code == 0, result.output


def search(cli, *args):
    result = cli("search", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_cnc_operator_query_finds_numerical_control_programs_first(demo, cli):
    found = search(cli, "数控车床操作工", "--direction", "offer")

    top = found["results"][:3]
    assert all(r["organization"]["kind"] == "school" and r["category"] == "program" for r in top)
    assert all("数控" in r["title"] or "机械加工" in r["title"] for r in top), [r["title"] for r in top]
    assert found["query"]["read_as"]["category"] == "talent"
    for result in top:
        explanation = result["explanation"]
        assert explanation["summary_zh"] and explanation["contributions"]
        assert explanation["crosswalk"] or explanation["lexical"]
    assert found["facets"]["kind"].get("school", 0) >= 5


def test_sector_filter_keeps_only_that_sector(demo, cli):
    found = search(cli, "数控车床操作工", "--direction", "offer", "--sector", "tea", "--limit", "50")

    assert found["results"]
    assert all("tea" in [s["code"] for s in r["sectors"]] for r in found["results"])
    assert set(found["facets"]["sector"]) >= {"tea"}


def test_cnc_need_is_matched_with_programs_and_the_crosswalk_says_why(demo, cli, app):
    from matchmaker.extensions import db
    from matchmaker.models import Posting

    with app.app_context():
        ref = db.session.scalar(db.select(Posting.ref).where(Posting.title == CNC_TITLE))

    result = cli("match", ref, "--json")

    found = json.loads(result.output)
    titles = [r["title"] for r in found["results"][:5]]
    cnc_majors = ("数控", "机械", "数字化设计与制造")
    assert all(any(major in title for major in cnc_majors) for title in titles[:3]), titles
    first = found["results"][0]["explanation"]
    assert any("→" in link["explanation"] for link in first["crosswalk"])
    assert {s["name"] for s in first["signals"]} >= {"category"}


def test_tea_apprenticeship_finds_tea_programs_nearby_first(demo, cli):
    found = search(cli, "茶叶加工学徒", "--direction", "offer", "--region", "遵义市")

    assert found["results"] and "茶" in found["results"][0]["title"]
    assert all(r["region"]["code"].startswith("5203") for r in found["results"])


def school_member_token(app, make_user, subtype="高职院校"):
    from matchmaker.extensions import db
    from matchmaker.models import Organization

    with app.app_context():
        school = db.session.scalar(
            db.select(Organization).where(Organization.kind == "school", Organization.subtype == subtype).limit(1)
        )
        _, token = make_user(role="member", org=school)
    return token


def test_a_schools_mentor_need_gets_enterprises_mentor_offers_first(demo, app, client, make_user):
    token = school_member_token(app, make_user)

    found = client.get(
        "/api/v1/search",
        query_string={"q": "护理专业聘请医院护士长担任产业导师", "direction": "offer"},
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()

    assert found["query"]["read_as"]["side"] == "school"
    assert found["query"]["read_as"]["category"] == "mentor"
    first = found["results"][0]
    assert (first["organization"]["kind"], first["category"]) == ("enterprise", "mentor"), first["title"]
    assert "母婴护理" in first["title"] or "护理" in first["description"]
    # The asker's own side does not fill the list: other schools' programs stay off the first page.
    assert all(r["organization"]["kind"] != "school" for r in found["results"][:10])


def test_nonsense_finds_nothing_and_says_so(demo, client):
    for query in ("asdkjhasd", "*"):
        found = client.get("/api/v1/search", query_string={"q": query}).get_json()
        assert (found["results"], found["total"]) == ([], 0), query


def test_the_crosswalk_link_shows_the_words_that_named_the_occupation(demo, cli):
    found = search(cli, "招聘数控车工3名，要求会编程", "--direction", "offer")

    first = found["results"][0]
    links = [link["explanation"] for link in first["explanation"]["crosswalk"]]
    assert links and "数控车工" in links[0], links
    assert first["organization"]["kind"] == "school"


def test_filler_words_are_neither_matched_nor_highlighted(demo, cli):
    found = search(cli, "招聘技术人员 欢迎联系", "--direction", "offer", "--limit", "20")

    assert found["results"]
    for result in found["results"]:
        lexical = result["explanation"]["lexical"] or {"matched_terms": []}
        assert not {"招聘", "欢迎"} & set(lexical["matched_terms"])
        assert "<mark>招聘</mark>" not in result["explanation"]["snippet_html"]
