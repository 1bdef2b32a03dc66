"""The demo data set: `demo_rows()` itself, then `matchmaker load-demo` seen through the database and the API."""

from __future__ import annotations

import csv
import re

import pytest
from sqlalchemy import func, select

from matchmaker import demo
from matchmaker.data import data_dir
from matchmaker.extensions import db
from matchmaker.models import Organization, Posting, PostingSector
from matchmaker.schemas.imports import ROW_SCHEMAS
from matchmaker.taxonomy import get_taxonomy


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
    assert {m for focus in demo.SCHOOL_FOCUS for m in focus.majors} <= known_majors


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
