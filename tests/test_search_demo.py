"""Search and matching with the real model on the demo data, through the CLI."""

from __future__ import annotations

import json

import pytest

from matchmaker.demo import CNC_TITLE

pytestmark = pytest.mark.model


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
    assert all("数控" in title or "机械" in title for title in titles[:3]), titles
    first = found["results"][0]["explanation"]
    assert any("→" in link["explanation"] for link in first["crosswalk"])
    assert {s["name"] for s in first["signals"]} >= {"category"}


def test_tea_apprenticeship_finds_tea_programs_nearby_first(demo, cli):
    found = search(cli, "茶叶加工学徒", "--direction", "offer", "--region", "遵义市")

    assert found["results"] and "茶" in found["results"][0]["title"]
    assert all(r["region"]["code"].startswith("5203") for r in found["results"])
