"""The demo data set: `demo_rows()` itself, then `matchmaker load-demo` seen through the database and the API."""

from __future__ import annotations

import csv
import json
import re

import pytest
from sqlalchemy import func, select

from matchmaker import demo, demo_activity
from matchmaker.data import data_dir
from matchmaker.extensions import db
from matchmaker.models import (
    Alliance,
    Event,
    Meeting,
    MeetingOutcome,
    MentorPost,
    Organization,
    PilotDesignation,
    Posting,
    PostingSector,
    Project,
    TeacherPlacement,
    local_today,
    utcnow,
)
from matchmaker.schemas.imports import ROW_SCHEMAS
from matchmaker.taxonomy import get_taxonomy
from matchmaker.transitions import PROJECT_STATUS


def real_school_names() -> set[str]:
    with (data_dir("reference") / "guizhou_higher_education_2025.csv").open(encoding="utf-8") as fh:
        return {row["name"] for row in csv.DictReader(fh)}


def rows_of(kind: str) -> list[dict]:
    return [row for _, row in demo.demo_rows() if row["type"] == kind]


# --- demo_rows() ---------------------------------------------------------------------------


def test_demo_rows_are_deterministic_with_unique_refs_and_organizations_first():
    rows = demo.demo_rows()

    assert rows == demo.demo_rows()
    assert [line for line, _ in rows] == list(range(1, len(rows) + 1))
    refs = [row["ref"] for _, row in rows]
    assert len(refs) == len(set(refs))
    kinds = [row["type"] for _, row in rows]
    assert kinds == sorted(kinds)  # every organization before every posting
    org_refs = {row["ref"] for _, row in rows if row["type"] == "organization"}
    assert all(row["org"] in org_refs for _, row in rows if row["type"] == "posting")


def test_every_demo_row_passes_the_import_schema():
    for _, row in demo.demo_rows():
        ROW_SCHEMAS[row["type"]]().load(row)  # raises ValidationError, naming the field, on a bad row


def test_demo_size_and_coverage():
    orgs, postings = rows_of("organization"), rows_of("posting")
    enterprises = [o for o in orgs if o["kind"] == "enterprise"]

    assert 1200 <= len(postings) <= 2000  # the demo data is embedded at ~50 postings/s on 2 cores
    assert 150 <= len(enterprises) <= 200
    assert real_school_names() <= {o["name"] for o in orgs if o["kind"] == "school"}
    for sector in get_taxonomy().sectors:
        assert sum(o["sectors"][0] == sector for o in enterprises) >= 4, sector
    assert {o["region"] for o in orgs} <= set(get_taxonomy().regions)


def test_program_descriptions_leave_out_the_occupations_the_relevance_set_is_labelled_with():
    programs = [p for p in rows_of("posting") if p["category"] == "program" and p["direction"] == "offer"]

    assert programs and all("培养目标" in p["description"] or "主要专业课程" in p["description"] for p in programs)
    # The MOE profiles' 职业面向 reads "面向……等职业，……等岗位（群）。"
    assert not any(re.search(r"等职业，|岗位（群）", p["description"]) for p in programs)


def test_data_tables_name_real_majors_occupations_and_regions():
    regions, occupations = get_taxonomy().regions, demo.occupations()
    known_majors = demo.catalog_names() | {m.name for m in demo.majors().values()}

    assert list(demo.industries()) == list(get_taxonomy().sectors)
    for sector, industry in demo.industries().items():
        assert set(industry.counties) <= set(regions), sector
        assert all(job[0] in occupations for job in industry.jobs), sector
        assert set(industry.majors) <= known_majors, sector
    for _, county, _, majors in demo.GENERATED_SCHOOLS:
        assert county in regions and set(majors) <= known_majors
    assert {m for names in demo.REGION_MAJORS.values() for m in names} <= known_majors
    profiles = json.loads((data_dir("demo") / "schools.json").read_text(encoding="utf-8"))
    assert {m for kind in profiles["types"].values() for m in (*kind["majors"], *kind["core"])} <= known_majors
    assert {m for school in profiles["schools"].values() for m in school.get("majors", ())} <= known_majors
    assert {t for school in profiles["schools"].values() for t in school["types"]} <= set(profiles["types"])
    # Every school of the demo has its own entry: the name alone says too little (铜仁学院, 茅台学院 …).
    assert real_school_names() | {name for name, *_ in demo.GENERATED_SCHOOLS} <= set(profiles["schools"])
    assert {m.category for m in demo.majors().values()} <= set(demo.phrases()["fields"])


# --- what the demo says ------------------------------------------------------------------------


def test_schools_offer_only_majors_that_fit_the_kind_of_school():
    schools = [o for o in demo.build_schools()]
    by_name = {o.name: o for o in schools}
    forced = {name: set(majors) for name, _, _, majors in demo.GENERATED_SCHOOLS}

    for school in schools:
        profile = demo.school_profile(school.name)
        assert all(profile.admits(m) or m.name in forced.get(school.name, ()) for m in school.majors), school.name

    def categories(pattern: str) -> dict[str, set[str]]:
        return {n: {m.category for m in o.majors} for n, o in by_name.items() if re.search(pattern, n)}

    # What each kind of school runs, read from its name alone.
    for name, found in categories(r"幼儿师范").items():
        assert found <= {"教育与体育大类", "医药卫生大类", "文化艺术大类", "公共管理与服务大类"}, name
        assert {m.name for m in by_name[name].majors} >= {"学前教育", "早期教育"}, name
    for name, found in categories(r"医科|医学|医药|护理|中医药").items():
        assert found <= {"医药卫生大类", "食品药品与粮食大类"}, name
    for pattern, allowed in (
        (r"体育", {"教育与体育大类"}),
        (r"警察", {"公安与司法大类"}),
        (r"传媒", {"新闻传播大类", "文化艺术大类"}),
        (r"民用航空", {"交通运输大类", "装备制造大类"}),
    ):
        for name, found in categories(pattern).items():
            assert found <= allowed, name
    for name, found in categories(r"财经|商学院|经贸|工商|经济学院").items():
        assert not found & {"装备制造大类", "医药卫生大类", "农林牧渔大类", "土木建筑大类"}, name
    for name in categories(r"(?<!幼儿)师范"):
        assert any(m.class_name == "教育类" for m in by_name[name].majors), name
    for name in categories(r"理工|工业|装备|机电|技工"):
        assert any(m.category == "装备制造大类" for m in by_name[name].majors), name
    for name in categories(r"农业"):
        majors = by_name[name].majors
        assert sum(m.category == "农林牧渔大类" for m in majors) * 2 > len(majors), name


def vocabulary() -> re.Pattern:
    """The words the generators fill in (names of organizations, majors, courses, jobs, workplaces …)."""
    words = {o["name"] for o in rows_of("organization")} | set(demo.sector_names().values())
    for major in demo.majors().values():
        words |= {major.name, major.level, major.category, major.class_name, *major.certificates}
        words |= set(demo.major_courses(major))
    for industry in demo.industries().values():
        words |= {industry.field, industry.companies, *industry.areas, *industry.training, *industry.majors}
        words |= {*industry.modules, *industry.labs, *industry.services, *industry.equipment}
        words |= {problem for problem, _ in industry.tech}
        for code, *extras in industry.jobs:
            occupation = demo.occupations()[code]
            official = re.sub(r"(L/S|L|S)$", "", occupation.name)
            official = re.sub(r"技术人员$", "技术员", re.sub(r"工程技术人员$", "工程师", official))
            words |= {official, *occupation.aliases, *extras}
    words |= {field for fields in demo.phrases()["fields"].values() for field in (fields["companies"], *fields["labs"])}
    words |= {field for fields in demo.phrases()["fields"].values() for field in fields["services"]}
    words |= set(demo.BRANDS)
    words = sorted((w for w in words if len(w) >= 2), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)))


def shape(text: str, words: re.Pattern) -> str:
    """A title or opening with what was filled in masked: the template it came from."""
    return re.sub(r"\d+", "N", words.sub("X", text))


def test_each_category_reads_in_many_ways_and_no_two_postings_say_the_same():
    postings = rows_of("posting")
    words = vocabulary()
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for p in postings:
        side = "school" if p["org"].startswith("DEMO-SCH-") else "enterprise"
        groups.setdefault((p["category"], p["direction"], side), []).append(p)

    assert len({p["description"] for p in postings}) == len(postings)
    technology_offers = groups[("technology", "offer", "school")]
    assert len({p["description"] for p in technology_offers}) == len(technology_offers)
    assert {(c, d) for c, d, _ in groups} == {(c, d) for c in get_taxonomy().categories for d in ("need", "offer")}
    for key, items in groups.items():
        if len(items) < 20:
            continue
        titles = {shape(p["title"], words) for p in items}
        openings = {shape(re.split(r"[，。：\n]", p["description"], maxsplit=1)[0], words) for p in items}
        assert len(titles) >= 5, (key, titles)
        assert len(openings) >= 4, (key, openings)
        lengths = sorted(len(p["description"]) for p in items)
        assert lengths[-1] >= 1.8 * lengths[0], key  # short and long texts


def test_postings_name_concrete_services_labs_and_the_words_of_apprenticeship():
    postings = rows_of("posting")
    technology = [p for p in postings if p["category"] == "technology" and p["direction"] == "offer"]
    services = {s for i in demo.industries().values() for s in i.services}
    services |= {s for f in demo.phrases()["fields"].values() for s in f["services"]}
    assert all(any(s in p["title"] + p["description"] for s in services) for p in technology)
    assert sum(bool(re.search(r"近年来|典型案例", p["description"])) for p in technology) * 2 > len(technology)

    apprenticeship = " ".join(
        p["title"] + p["description"]
        for p in postings
        if p["category"] == "apprenticeship" and p["direction"] == "need" and p["org"].startswith("DEMO-ENT-")
    )
    for word in ("订单班", "冠名班", "现代学徒制", "企业新型学徒制", "定向培养"):
        assert word in apprenticeship, word
    training = [p for p in postings if p["category"] == "training" and p["org"].startswith("DEMO-SCH-")]
    assert any("学时" in p["description"] for p in training) and any("证书" in p["description"] for p in training)


# --- load-demo ---------------------------------------------------------------------------


def load_demo(cli) -> str:
    result = cli("load-demo")
    assert result.exit_code == 0, result.output  # a title over 120 characters, say, fails the whole import
    return result.output


def test_load_demo_twice_gives_the_same_demo_data_with_every_sector_school_and_scenario(app, cli, client, count):
    # One test loads twice and then looks around: each load takes seconds (it also fills the index).
    organizations, postings = len(rows_of("organization")), len(rows_of("posting"))

    first = load_demo(cli)
    counts = count(Organization), count(Posting)
    second = load_demo(cli)

    summary = f"demo data: {organizations} organizations, {postings} postings"
    assert summary in first and summary in second
    assert counts == (count(Organization), count(Posting)) == (organizations, postings)
    with app.app_context():
        for model in (Organization, Posting):
            assert db.session.scalar(select(func.count()).select_from(model).where(model.is_demo.is_(False))) == 0
        sectors = set(
            db.session.scalars(
                select(PostingSector.sector_code)
                .join(Posting, Posting.id == PostingSector.posting_id)
                .where(Posting.status == "published", Posting.is_demo.is_(True))
            )
        )
        schools = set(db.session.scalars(select(Organization.name).where(Organization.kind == "school")))
    assert sectors == set(get_taxonomy().sectors)
    assert real_school_names() <= schools
    assert_scenarios(client)
    assert_demo_activity(app, first, second)


def printed_passwords(output: str) -> dict[str, str]:
    """e-mail → password, as `load-demo` prints the demo accounts."""
    return dict(re.findall(r"(\S+@demo\.example\.cn)\s+(\S+)", output))


def assert_demo_activity(app, first: str, second: str) -> None:
    """A held event with its schedule and outcomes, an open one, and accounts whose printed passwords work."""
    with app.app_context():
        past, upcoming = (
            db.session.scalar(select(Event).where(Event.title == title))
            for title in (demo_activity.PAST_EVENT, demo_activity.UPCOMING_EVENT)
        )
        assert db.session.scalar(select(func.count()).select_from(Event)) == 2  # the second load added none
        assert past.status == "closed" and past.held_on < local_today()
        assert all(slot.ends_at < utcnow() for slot in past.slots)
        meetings = db.session.scalars(select(Meeting).where(Meeting.event_id == past.id)).all()
        assert meetings and all(m.published for m in meetings)
        recorded = {
            o.outcome
            for m in meetings
            for o in db.session.scalars(select(MeetingOutcome).where(MeetingOutcome.meeting_id == m.id))
        }
        assert {"agreement", "intention"} <= recorded
        assert upcoming.status == "open" and upcoming.registration_deadline > utcnow()
        demo_projects = db.session.scalars(select(Project)).all()
        assert {p.status for p in demo_projects} == set(PROJECT_STATUS.labels)  # every stage
        assert all(p.counted for p in demo_projects)
        from_event = [p for p in demo_projects if p.event_id == past.id]
        assert from_event and all(p.meeting_id for p in from_event)
        assert {p.library_status for p in demo_projects} >= {"published", "nominated", "declined"}
        for model in (MentorPost, TeacherPlacement, Alliance):
            assert db.session.scalar(select(func.count()).select_from(model)) > 0, model
        kinds = set(db.session.scalars(select(PilotDesignation.kind)))
        assert kinds == {"city", "alliance", "enterprise", "base", "project"}
        assert db.session.scalar(select(func.count()).select_from(Project)) == len(demo_projects)
    passwords = printed_passwords(first)
    assert set(passwords) == {account.email for account in demo_activity.ACCOUNTS}
    assert printed_passwords(second).keys() == passwords.keys() and printed_passwords(second) != passwords
    for email, password in printed_passwords(second).items():
        answer = app.test_client().post("/login", data={"email": email, "password": password})
        assert answer.status_code == 302, email
    stale = app.test_client().post(
        "/login", data={"email": "school@demo.example.cn", "password": passwords["school@demo.example.cn"]}
    )
    assert stale.status_code != 302


def assert_scenarios(client) -> None:
    """What the demo shows: CNC operators wanted and trained; tea apprentices wanted near a tea school."""
    cnc_needs = [
        p
        for p in all_pages(client, direction="need", sector="advanced_equipment")
        if p["category"] == "talent" and "数控" in p["title"]
    ]
    assert any(p["title"] == demo.CNC_TITLE and p["organization"]["kind"] == "enterprise" for p in cnc_needs)
    programs = all_pages(client, direction="offer", category="program")
    assert len({p["organization"]["id"] for p in programs if p["title"].startswith("数控技术专业")}) >= 3

    tea_needs = all_pages(client, direction="need", sector="tea", category="apprenticeship")
    prefectures = {get_taxonomy().regions[p["region"]["code"]].prefecture for p in tea_needs}
    tea_programs = [p for p in programs if p["title"].startswith(("茶叶生产与加工", "茶艺与茶"))]
    assert any(get_taxonomy().regions[p["region"]["code"]].prefecture in prefectures for p in tea_programs)


def all_pages(client, **filters) -> list[dict]:
    """Every public posting matching the filters, page by page."""
    items, page = [], 1
    while True:
        response = client.get("/api/v1/postings", query_string={**filters, "page": page, "page_size": 100})
        assert response.status_code == 200, response.json
        items += response.json["items"]
        if page >= response.json["pages"]:
            return items
        page += 1


@pytest.mark.model
def test_shipped_vectors_cover_every_demo_posting(cli, app, real_embedder):
    """`make demo` embeds nothing: matchmaker/data/demo/embeddings.npz must match the demo data, the text and the model.

    If this fails, run `.venv/bin/python scripts/build_demo_embeddings.py`.
    """
    import numpy as np

    from matchmaker.indexing.documents import embedding_text
    from matchmaker.indexing.embedder import EmbeddingCache
    from matchmaker.models import Posting

    assert cli("load-demo").exit_code == 0
    with np.load(demo.DEMO_EMBEDDINGS) as shipped:
        assert str(shipped["model_id"]) == real_embedder.model_id
        keys = set(shipped["keys"].tolist())
    with app.app_context():
        texts = {embedding_text(p) for p in db.session.scalars(select(Posting))}
    missing = [t for t in texts if EmbeddingCache.key(real_embedder.model_id, t) not in keys]
    assert missing == []
