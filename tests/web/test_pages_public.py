"""Public pages: home, search results with facets and reasons, postings with matches, organization profiles.

These tests use the fake embedder, so ranking comes from the words; tests/web/test_api_search.py
covers the ranking itself.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers import text

EQUIPMENT = ["advanced_equipment"]


def links(page: str) -> list[tuple[str, str]]:
    """(href, visible text) of the page's links, tags and spaces stripped from the text."""
    return [
        (unescape(href), re.sub(r"<[^>]+>|\s+", "", label))
        for href, label in re.findall(r'<a\b[^>]*?\bhref="([^"]*)"[^>]*>(.*?)</a>', page, re.S)
    ]


def facet_sidebar(page: str) -> str:
    start = page.index('id="facets"')
    return page[start : page.index("</aside>", start)]


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


# --- search --------------------------------------------------------------------------------


@pytest.mark.both_backends
def test_search_shows_highlighted_results_with_their_reasons(client, make_org, make_posting):
    school = make_org(kind="school", name="贵州装备职业学院", region="520115")
    created = make_posting(school, title="数控技术专业（高职专科）", sectors=EQUIPMENT)

    response = client.get("/search?q=数控技术")
    page = text(response)

    assert response.status_code == 200
    assert f'href="/postings/{created.id}"' in page and "数控技术专业（高职专科）" in page
    assert f'href="/organizations/{school.id}"' in page and "贵州装备职业学院" in page
    assert "<mark>数控技术</mark>" in page
    assert "为什么匹配" in page and re.search(r"关键词匹配：[^<]*数控技术", page)
    assert "专业与课程" in page and "贵阳市观山湖区" in page and "先进装备制造" in page
    assert "找到 1 条结果" in page


def test_facets_link_to_filters_with_counts_and_filters_apply(client, make_org, make_posting):
    tea_school = make_org(kind="school", region="520328")
    machine_school = make_org(kind="school", region="520102")
    make_posting(tea_school, title="茶叶加工技术专业", sectors=["tea"])
    make_posting(tea_school, title="茶艺与茶营销技术专业", sectors=["tea"])
    make_posting(machine_school, title="机械加工技术专业", sectors=EQUIPMENT)

    page = text(client.get("/search?q=加工技术 专业"))
    facet_links = dict((label, href) for href, label in links(facet_sidebar(page)))

    assert "茶叶2条" in facet_links and "先进装备制造1条" in facet_links
    assert "遵义市2条" in facet_links and "贵阳市1条" in facet_links
    assert query_of(facet_links["茶叶2条"]) == {"q": ["加工技术 专业"], "sector": ["tea"]}

    filtered = text(client.get(facet_links["茶叶2条"]))
    assert "茶叶加工技术专业" in filtered and "茶艺与茶营销技术专业" in filtered
    assert "机械加工技术专业" not in filtered
    assert "找到 2 条结果" in filtered
    removal = [href for href, label in links(filtered) if label.startswith("产业：茶叶")]
    assert removal and query_of(removal[0]) == {"q": ["加工技术 专业"]}
    by_region = text(client.get("/search?q=加工技术 专业&region=贵阳市"))
    assert "机械加工技术专业" in by_region and "茶叶加工技术专业" not in by_region


@pytest.mark.both_backends
def test_search_pages_through_results(client, make_org, make_posting):
    school = make_org(kind="school")
    for n in range(5):  # distinct titles: near-identical postings of one organization are shown once
        make_posting(school, title=f"数控技术专业{'甲乙丙丁戊'[n]}班")

    first = text(client.get("/search?q=数控技术&limit=2"))
    next_href = [href for href, label in links(first) if label == "下一页"]
    second = text(client.get(next_href[0]))
    previous_href = [href for href, label in links(second) if label == "上一页"]
    last = text(client.get("/search?q=数控技术&limit=2&offset=4"))

    assert "找到 5 条结果，显示第 1–2 条" in first and "上一页" not in first
    assert query_of(next_href[0]) == {"q": ["数控技术"], "limit": ["2"], "offset": ["2"]}
    assert "显示第 3–4 条" in second and query_of(previous_href[0]) == {"q": ["数控技术"], "limit": ["2"]}
    assert "显示第 5–5 条" in last and "下一页" not in last


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("q=" + "茶" * 501, "q", "不能超过 500 个字符"),
        ("q=茶&sector=moon", "产业", "未知的产业「moon」"),
        ("q=茶&region=北京", "地区", "未知的地区「北京」"),
        ("q=茶&limit=500", "每页条数", "须在 1 到 100 之间"),
        ("q=茶&direction=sideways", "需求/供给", "须为以下之一"),
    ],
)
def test_bad_parameters_show_the_schema_message_by_the_search_box(client, query, field, message):
    response = client.get("/search?" + query)
    page = text(response)

    assert response.status_code == 422
    assert message in page and 'role="alert"' in page
    assert field in page
    assert page.index(message) < page.index("</form>") + 800  # beside the search box, not at the bottom


def test_a_bad_filter_keeps_the_query_and_drops_only_that_filter(client):
    page = text(client.get("/search?q=茶叶&sector=moon&kind=school"))

    assert 'value="茶叶"' in page
    assert '<input type="hidden" name="kind" value="school">' in page
    assert 'name="sector" value="moon"' not in page


def test_an_empty_query_shows_the_form_and_the_newest_postings(client, make_org, make_posting):
    school = make_org(kind="school")
    make_posting(school, title="茶叶加工技术专业", sectors=["tea"])
    make_posting(school, title="机械加工技术专业")

    empty = client.get("/search?q=%20%20")
    bare = client.get("/search")
    tea = text(client.get("/search?sector=tea"))

    assert empty.status_code == 200 and bare.status_code == 200
    assert 'role="search"' in text(empty) and "输入想找的" in text(empty)
    assert 'role="alert"' not in text(empty)
    assert "茶叶加工技术专业" in text(bare) and "机械加工技术专业" in text(bare)
    assert "茶叶加工技术专业" in tea and "机械加工技术专业" not in tea
    assert '<input type="hidden" name="sector" value="tea">' in tea  # a query typed here keeps the filter


def test_browsing_without_a_query_has_facets_down_to_counties(client, make_org, make_posting):
    meitan, fenggang = make_org(kind="school", region="520328"), make_org(kind="school", region="520327")
    guiyang = make_org(kind="school", region="520102")
    make_posting(meitan, title="茶叶加工技术专业", sectors=["tea"])
    make_posting(meitan, title="茶艺与茶营销专业", sectors=["tea"])
    make_posting(fenggang, title="茶叶种植技术培训", category="training", sectors=["tea"])
    make_posting(guiyang, title="机械加工技术专业", sectors=EQUIPMENT)

    everything = dict((label, href) for href, label in links(facet_sidebar(text(client.get("/search")))))
    zunyi = text(client.get(everything["遵义市3条"]))
    counties = dict((label, href) for href, label in links(facet_sidebar(zunyi)))
    meitan_only = text(client.get(counties["湄潭县2条"]))

    assert "茶叶3条" in everything and "先进装备制造1条" in everything and "贵阳市1条" in everything
    assert not any(label.startswith("湄潭县") for label in everything)  # counties once a region is chosen
    assert "凤冈县1条" in counties and query_of(counties["湄潭县2条"]) == {"region": ["520328"]}
    assert "茶叶加工技术专业" in meitan_only and "茶叶种植技术培训" not in meitan_only
    back = [href for href, label in links(facet_sidebar(meitan_only)) if label.startswith("✓湄潭县2条")]
    assert query_of(back[0]) == {"region": ["520300"]}  # choosing it again goes back to the prefecture


def test_results_sort_by_newest_or_soonest_closing_and_pages_are_numbered(client, make_org, make_posting):
    school = make_org(kind="school")
    today = date.today()
    for n, days in enumerate((90, 10, None, 40, 200)):
        valid = today + timedelta(days=days) if days else None
        make_posting(school, title=f"数控技术专业{'甲乙丙丁戊'[n]}班", valid_until=valid)

    def titles(query: str) -> list[str]:
        return re.findall(r"数控技术专业(.)班", text(client.get("/search?" + query)))

    assert titles("") == ["戊", "丁", "丙", "乙", "甲"]  # newest first
    assert titles("sort=closing") == ["乙", "丁", "甲", "戊", "丙"]  # open-ended last
    assert titles("q=数控技术&sort=newest") == ["戊", "丁", "丙", "乙", "甲"]
    assert titles("q=数控技术&sort=closing") == ["乙", "丁", "甲", "戊", "丙"]

    third = text(client.get("/search?sort=closing&limit=1&offset=2"))
    pager = third[third.index('class="page-numbers"') : third.index("</ol>", third.index('class="page-numbers"'))]
    numbered = {label: href for href, label in links(pager)}
    assert set(numbered) == {"1", "2", "4", "5"} and 'aria-current="page">第 3 页' in pager
    assert query_of(numbered["5"]) == {"sort": ["closing"], "limit": ["1"], "offset": ["4"]}
    assert '<strong aria-current="true">即将截止</strong>' in third


def test_a_missing_index_gives_a_clear_503_page(app, client, make_org, make_posting):
    make_posting(make_org(kind="school"))
    for leftover in (Path(app.config["MATCHMAKER_HOME"]) / "search").glob("index.sqlite*"):
        leftover.unlink()

    response = client.get("/search?q=数控")

    assert response.status_code == 503
    assert "搜索服务暂时不可用" in text(response) and 'role="search"' in text(response)


@pytest.mark.both_backends
def test_home_has_the_search_box_and_sector_links_with_counts(client, make_org, make_posting):
    make_posting(make_org(kind="school"), title="茶叶加工技术专业", sectors=["tea"])

    page = text(client.get("/"))
    sector_links = dict((label, href) for href, label in links(page))

    assert 'action="/search"' in page and 'name="q"' in page and 'name="direction"' in page
    assert "十大工业产业" in page and "十二个农业特色优势产业" in page and "社会服务" in page
    assert sector_links["茶叶1条"] == "/search?sector=tea" and "辣椒0条" in sector_links
    assert "茶叶加工技术专业" in page


# --- postings and organizations ----------------------------------------------------------


def test_a_posting_page_shows_the_posting_and_its_matches_with_reasons(client, make_org, make_posting):
    factory = make_org(kind="enterprise", name="贵阳精工机械有限公司", region="520115")
    school = make_org(kind="school", name="贵州装备职业学院", region="520115")
    need = make_posting(
        factory,
        direction="need",
        category="talent",
        title="招聘数控车床操作工",
        quantity=12,
        description="熟悉数控编程。\n能看懂零件图。",
        sectors=EQUIPMENT,
    )
    offer = make_posting(school, title="数控技术专业", sectors=EQUIPMENT)

    page = text(client.get(f"/postings/{need.id}"))

    assert "招聘数控车床操作工" in page and "贵阳精工机械有限公司" in page and "12" in page
    assert "熟悉数控编程。\n能看懂零件图。" in page  # line breaks kept (CSS pre-line)
    assert "可能满足此需求的供给" in page and f'href="/postings/{offer.id}"' in page
    assert "企业的人才需求；专业与课程供给可以答复" in page and "同一区县" in page


def test_non_public_postings_are_hidden_except_from_their_managers(client, make_org, make_user, make_posting):
    org = make_org()
    draft = make_posting(org, status="draft", title="草稿需求", direction="need", category="talent")
    member_user, _ = make_user(org=org)

    assert client.get(f"/postings/{draft.id}").status_code == 404
    assert client.get("/postings/999999").status_code == 404
    with client.session_transaction() as session:
        session["_user_id"] = str(member_user.id)
    own = client.get(f"/postings/{draft.id}")
    assert own.status_code == 200 and "此发布目前不公开（草稿）" in text(own)


def login(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def test_members_of_other_organizations_get_a_contact_form(client, make_org, make_user, make_posting):
    factory, school = make_org(), make_org(kind="school")
    offer = make_posting(school)
    outsider, _ = make_user(org=factory)
    insider, _ = make_user(org=school)

    anonymous = text(client.get(f"/postings/{offer.id}"))
    login(client, outsider)
    other = text(client.get(f"/postings/{offer.id}"))
    login(client, insider)
    own = text(client.get(f"/postings/{offer.id}"))

    assert 'action="/contacts/new"' not in anonymous and "登录" in anonymous
    assert 'action="/contacts/new"' in other
    assert f'name="to_organization_id" value="{school.id}"' in other
    assert f'name="to_posting_id" value="{offer.id}"' in other and 'name="message"' in other
    assert 'action="/contacts/new"' not in own


def test_organization_contact_details_show_only_to_those_allowed(client, make_org, make_user, make_posting):
    school = make_org(
        kind="school",
        subtype="高职院校",
        name="贵州茶叶职业学院",
        region="520328",
        sectors=["tea"],
        description="以茶学为特色。",
        website="https://tea.example.cn",
        contact_name="王老师",
        contact_phone="0851-12345678",
        contact_email="wang@tea.example.cn",
    )
    make_posting(school, title="茶叶加工技术专业", sectors=["tea"])
    member, _ = make_user(org=school)
    stranger, _ = make_user(org=make_org())

    anonymous = text(client.get(f"/organizations/{school.id}"))
    login(client, stranger)
    other = text(client.get(f"/organizations/{school.id}"))
    login(client, member)
    own = text(client.get(f"/organizations/{school.id}"))

    assert "贵州茶叶职业学院" in anonymous and "已认证" in anonymous and "院校 · 高职院校" in anonymous
    assert "遵义市湄潭县" in anonymous and "茶叶" in anonymous and "茶叶加工技术专业" in anonymous
    assert 'href="https://tea.example.cn"' in anonymous
    for page in (anonymous, other):
        assert "王老师" not in page and "0851-12345678" not in page and "wang@tea.example.cn" not in page
        assert "联系方式在该机构接受您的联系请求后显示" in page
    assert 'action="/contacts/new"' in other
    assert "王老师" in own and "0851-12345678" in own and "wang@tea.example.cn" in own


def test_unverified_organizations_are_not_shown(client, make_org):
    pending = make_org(verified=False)

    assert client.get(f"/organizations/{pending.id}").status_code == 404


def test_user_text_is_escaped_everywhere(client, make_org, make_posting):
    evil = "<script>alert(1)</script>"
    org = make_org(kind="school", name=f"学院{evil}", description=evil, website="javascript:alert(1)")
    created = make_posting(org, title=f"数控技术{evil}", description=f"数控 {evil} <b>粗体</b>")

    pages = [
        text(client.get(path))
        for path in (
            "/",
            "/search?q=数控技术",
            f"/search?q={evil}",
            f"/postings/{created.id}",
            f"/organizations/{org.id}",
        )
    ]

    for page in pages:
        assert evil not in page and "<b>粗体</b>" not in page
        assert 'href="javascript:' not in page
    assert "&lt;script&gt;" in pages[1] and "<mark>数控技术</mark>" in pages[1]
