"""The contract every search backend must honour (matchmaker.indexing.base.SearchBackend).

One suite, run against every backend (in the spirit of haystack's testing/document_store.py):
the embedded one and Elasticsearch on each server the session has (8.x and 9.x). Documents
are small and hand-made, vectors deterministic; no model.

Tests that need a second process start `python -c` that loads this file by path and calls
`child_main` with a JSON command, so a factory only has to be rebuildable from its name, the
server's URL and a folder (Factory(name, url).make(folder)).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from matchmaker.indexing.base import (
    FACET_FIELDS,
    IndexDocument,
    IndexMissing,
    SearchBackend,
    SearchError,
    SearchFilters,
)
from tests.servers import elasticsearch_targets

MODEL = "test-model"
DIM = 16


# -- factories -------------------------------------------------------------------------


@dataclass(frozen=True)
class Factory:
    """How to get a backend (with no index yet) whose state lives under `folder`.

    `make` must be deterministic in the folder (and the server's URL) so another process can
    reach the same index.
    """

    name: str
    url: str | None = None  # the Elasticsearch server

    def make(self, folder: Path) -> SearchBackend:
        if self.url is None:
            return _embedded(folder)
        from matchmaker.indexing.elastic import ClusterSettings, ElasticsearchBackend

        return ElasticsearchBackend(ClusterSettings(self.url, index_prefix=index_prefix(folder), backoff=0.05))


def _embedded(folder: Path) -> SearchBackend:
    from matchmaker.indexing.embedded import EmbeddedBackend

    return EmbeddedBackend(folder / "search" / "index.sqlite")


def index_prefix(folder: Path) -> str:
    return "matchmaker-test-" + hashlib.sha1(str(folder).encode()).hexdigest()[:12]


# Each backend once; Elasticsearch on every server the session has (8.x and 9.x).
BACKENDS = ["embedded", *elasticsearch_targets()]


def _close(backend: SearchBackend) -> None:
    close = getattr(backend, "close", None)
    if close is not None:
        close()


@pytest.fixture(params=BACKENDS)
def factory(request: pytest.FixtureRequest, folder: Path, elasticsearch_for) -> Iterator[Factory]:
    if request.param == "embedded":
        yield Factory("embedded")
        return
    made = Factory(request.param, elasticsearch_for(request.param))
    yield made
    cleaner = made.make(folder)
    cleaner.drop()
    _close(cleaner)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def missing(factory: Factory, folder: Path) -> Iterator[SearchBackend]:
    """A backend with no index built yet."""
    backend = factory.make(folder)
    yield backend
    _close(backend)


@pytest.fixture
def backend(missing: SearchBackend) -> SearchBackend:
    """A backend with an empty index (model MODEL, DIM dimensions)."""
    with missing.rebuild(MODEL, DIM):
        pass
    return missing


# -- documents -------------------------------------------------------------------------

COUNTIES = {"520102": "520100", "520103": "520100", "520302": "520300", "520402": "520400"}


def make_doc(
    doc_id: int, title: tuple[str, ...] = ("岗位",), body: tuple[str, ...] = ("通用",), **fields
) -> IndexDocument:
    values = dict(
        id=doc_id,
        ref=f"P-{doc_id:05d}",
        direction="offer",
        category="talent",
        kind="enterprise",
        organization_id=1,
        organization_name="贵阳精工机械有限公司",
        title="".join(title),
        description="".join(body),
        sectors=("advanced_equipment",),
        region_code="520102",
        prefecture_code="520100",
        valid_until=None,
        published_at="2025-05-01T08:00:00+08:00",
        title_tokens=tuple(title),
        body_tokens=tuple(body),
        tags=(),
        embedding_text="passage: " + "".join(title),
    )
    values.update(fields)
    return IndexDocument(**values)


def unit_vectors(count: int, seed: int, dim: int = DIM) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def filter_corpus() -> list[IndexDocument]:
    """45 documents covering every value each filter distinguishes; all carry 通用 and tag:all."""
    sectors = [("tea",), ("chili",), ("tea", "big_data_electronics"), ("big_data_electronics",), ()]
    regions = [
        ("520102", "520100"),
        ("520103", "520100"),
        ("520302", "520300"),
        ("520300", "520300"),
        ("520402", "520400"),
        (None, None),
        ("520000", None),
    ]
    valid = [None, date(2025, 5, 31), date(2025, 6, 1), date(2026, 1, 1)]
    categories = ["talent", "training", "technology"]
    docs = []
    for i in range(36):
        region, prefecture = regions[i % len(regions)]
        docs.append(
            make_doc(
                i + 1,
                title=("岗位", f"t{i}"),
                body=("通用", f"b{i}"),
                direction=("need", "offer")[i % 2],
                category=categories[i % 3],
                kind=("enterprise", "school")[(i // 2) % 2],
                organization_id=1 + i % 4,
                sectors=sectors[i % len(sectors)],
                region_code=region,
                prefecture_code=prefecture,
                valid_until=valid[i % len(valid)],
                tags=("all", f"tag:{i % 3}"),
            )
        )
    # Two documents that pass the "combined" filter case, and near misses failing one condition each.
    hit = dict(
        direction="offer",
        category="talent",
        kind="enterprise",
        organization_id=3,
        sectors=("chili", "eco_food"),
        region_code="520302",
        prefecture_code="520300",
        valid_until=date(2025, 6, 1),
    )
    misses = [
        dict(direction="need"),
        dict(category="technology"),
        dict(sectors=("eco_food",)),
        dict(region_code="520402", prefecture_code="520400"),
        dict(kind="school"),
        dict(organization_id=4),
        dict(valid_until=date(2025, 5, 31)),
    ]
    variants = [{}, dict(sectors=("tea",), region_code="520102", prefecture_code="520100", valid_until=None), *misses]
    for n, variant in enumerate(variants):
        docs.append(
            make_doc(
                101 + n, title=("岗位", f"c{n}"), body=("通用",), tags=("all", f"tag:{n % 3}"), **{**hit, **variant}
            )
        )
    return docs


def passes(doc: IndexDocument, f: SearchFilters) -> bool:
    """The filter semantics of SearchFilters, spelled out in Python."""
    return (
        (f.direction is None or doc.direction == f.direction)
        and (not f.categories or doc.category in f.categories)
        and (not f.sectors or bool(set(doc.sectors) & set(f.sectors)))
        and (not f.region_codes or doc.region_code in f.region_codes)
        and (not f.kinds or doc.kind in f.kinds)
        and (f.exclude_organization_id is None or doc.organization_id != f.exclude_organization_id)
        and (not f.organization_ids or doc.organization_id in f.organization_ids)
        and (f.valid_on is None or doc.valid_until is None or doc.valid_until >= f.valid_on)
    )


FILTER_CASES = {
    "none": SearchFilters(),
    "direction": SearchFilters(direction="need"),
    "categories": SearchFilters(categories=("talent", "technology")),
    "sectors-any-of": SearchFilters(sectors=("tea", "chili")),
    "one-sector": SearchFilters(sectors=("big_data_electronics",)),
    "region-list": SearchFilters(region_codes=("520102", "520103")),  # 贵阳's counties, not 520100 itself
    "prefecture-code": SearchFilters(region_codes=("520300",)),  # only docs stored at prefecture level
    "kinds": SearchFilters(kinds=("school",)),
    "exclude-organization": SearchFilters(exclude_organization_id=2),
    "organizations": SearchFilters(organization_ids=(1, 3)),
    "valid-on": SearchFilters(valid_on=date(2025, 6, 1)),  # the day itself is still valid
    "combined": SearchFilters(
        direction="offer",
        categories=("talent", "training"),
        sectors=("tea", "chili"),
        region_codes=("520102", "520103", "520302", "520300"),
        kinds=("enterprise",),
        exclude_organization_id=4,
        valid_on=date(2025, 6, 1),
    ),
    "nothing-passes": SearchFilters(direction="need", region_codes=("999999",)),
}


@pytest.fixture
def corpus(backend: SearchBackend) -> tuple[SearchBackend, list[IndexDocument], np.ndarray]:
    docs = filter_corpus()
    vectors = unit_vectors(len(docs), seed=7)
    backend.upsert(docs, vectors)
    return backend, docs, vectors


# -- status, missing index -------------------------------------------------------------


def test_missing_index_raises(missing: SearchBackend) -> None:
    assert missing.status().exists is False
    calls = {
        "lexical": lambda: missing.lexical(["数控"], SearchFilters(), 10),
        "semantic": lambda: missing.semantic(unit_vectors(1, 0)[0], SearchFilters(), 10),
        "tagged": lambda: missing.tagged(["all"], SearchFilters(), 10),
        "documents": lambda: missing.documents([1]),
        "facets": lambda: missing.facets([1]),
        "count": lambda: missing.count(SearchFilters()),
        "ids": lambda: missing.ids(),
    }
    for name, call in calls.items():
        with pytest.raises(IndexMissing):
            call()
            pytest.fail(f"{name} did not raise IndexMissing")


def test_empty_index_status(backend: SearchBackend) -> None:
    status = backend.status()
    assert (status.exists, status.documents, status.model, status.dimensions) == (True, 0, MODEL, DIM)
    assert backend.ids() == set()
    assert backend.count(SearchFilters()) == 0
    assert backend.lexical(["数控"], SearchFilters(), 10) == []
    assert backend.semantic(unit_vectors(1, 0)[0], SearchFilters(), 10) == []
    assert backend.tagged(["all"], SearchFilters(), 10) == []


def test_status_counts_documents(corpus) -> None:
    backend, docs, _ = corpus
    assert backend.status().documents == len(docs)


# -- writes ----------------------------------------------------------------------------


def test_documents_round_trip(corpus) -> None:
    backend, docs, _ = corpus
    stored = backend.documents([d.id for d in docs] + [9999])
    assert stored == {d.id: d for d in docs}
    assert backend.documents([]) == {}


def test_upsert_replaces_everything_about_a_document(backend: SearchBackend) -> None:
    old = make_doc(1, title=("焊工",), body=("旧词",), sectors=("tea",), tags=("major:1",), direction="need")
    other = make_doc(2, title=("会计",), body=("出纳",))
    vectors = unit_vectors(3, seed=1)
    backend.upsert([old, other], vectors[:2])
    new = replace(
        old,
        title="电工",
        title_tokens=("电工",),
        body_tokens=("新词",),
        sectors=("chili",),
        tags=("major:2",),
        direction="offer",
    )
    backend.upsert([new], vectors[2:3])

    assert backend.ids() == {1, 2}
    assert backend.documents([1]) == {1: new}
    assert backend.lexical(["旧词"], SearchFilters(), 10) == []
    assert backend.lexical(["焊工"], SearchFilters(), 10) == []
    assert [h.id for h in backend.lexical(["新词", "电工"], SearchFilters(), 10)] == [1]
    assert backend.tagged(["major:1"], SearchFilters(), 10) == []
    assert [h.id for h in backend.tagged(["major:2"], SearchFilters(), 10)] == [1]
    assert backend.count(SearchFilters(sectors=("tea",))) == 0
    assert backend.count(SearchFilters(sectors=("chili",))) == 1
    assert backend.count(SearchFilters(direction="need")) == 0
    nearest = backend.semantic(vectors[2], SearchFilters(), 1)[0]
    assert nearest.id == 1 and nearest.similarity == pytest.approx(1.0, abs=1e-5)


def test_delete(corpus) -> None:
    backend, docs, vectors = corpus
    backend.delete([docs[0].id, docs[1].id, 424242])
    backend.delete([])
    gone = {docs[0].id, docs[1].id}
    assert backend.ids() == {d.id for d in docs} - gone
    assert backend.count(SearchFilters()) == len(docs) - 2
    assert backend.documents(list(gone)) == {}
    assert not gone & {h.id for h in backend.lexical(["通用", "t0", "b1"], SearchFilters(), 100)}
    assert not gone & {h.id for h in backend.semantic(vectors[0], SearchFilters(), 100)}
    assert not gone & {h.id for h in backend.tagged(["all"], SearchFilters(), 100)}
    assert sum(backend.facets([d.id for d in docs])["category"].values()) == len(docs) - 2


def test_vector_size_mismatch_is_a_search_error(backend: SearchBackend) -> None:
    with pytest.raises(SearchError):
        backend.upsert([make_doc(1)], unit_vectors(1, 0, dim=DIM + 1))
    with pytest.raises(SearchError):
        backend.upsert([make_doc(1), make_doc(2)], unit_vectors(1, 0))
    with pytest.raises(SearchError):
        backend.upsert([make_doc(1)], np.full((1, DIM), np.nan, dtype=np.float32))
    assert backend.ids() == set()  # nothing half-written
    backend.upsert([make_doc(1)], unit_vectors(1, 0))
    with pytest.raises(SearchError):
        backend.semantic(unit_vectors(1, 0, dim=DIM - 4)[0], SearchFilters(), 5)


# -- lexical ---------------------------------------------------------------------------


@pytest.fixture
def lexical_corpus(backend: SearchBackend) -> SearchBackend:
    filler = [make_doc(100 + i, title=("岗位", f"填充{i}"), body=("通用", "会计", f"词{i}")) for i in range(10)]
    docs = [
        make_doc(1, title=("数控", "岗位"), body=("通用", "说明", "要求")),  # term in the title
        make_doc(2, title=("岗位", "说明"), body=("通用", "数控", "要求")),  # same term, body only
        make_doc(3, title=("岗位", "招聘"), body=("焊工", "电工", "维修", "要求")),  # two query terms
        make_doc(4, title=("岗位", "招聘"), body=("焊工", "会计", "出纳", "要求")),  # one query term
        make_doc(5, title=("数控技术", "专业"), body=("课程", "实训")),  # compound token only
        make_doc(6, title=("软件", "开发"), body=("c++", "or", 'a"b', "not", "要求")),
        make_doc(7, title=("茶叶", "加工"), body=("都匀毛尖", "湄潭翠芽", "要求")),
    ]
    backend.upsert(filler + docs, unit_vectors(len(filler) + len(docs), seed=3))
    return backend


def test_title_match_beats_body_match(lexical_corpus: SearchBackend) -> None:
    hits = lexical_corpus.lexical(["数控"], SearchFilters(), 10)
    assert [h.id for h in hits] == [1, 2]
    assert hits[0].score > hits[1].score > 0


def test_more_matched_terms_rank_higher(lexical_corpus: SearchBackend) -> None:
    hits = lexical_corpus.lexical(["焊工", "电工"], SearchFilters(), 10)
    assert [h.id for h in hits] == [3, 4]
    assert hits[0].matched_terms == ("焊工", "电工")
    assert hits[1].matched_terms == ("焊工",)


def test_matched_terms_and_whole_tokens(lexical_corpus: SearchBackend) -> None:
    hits = {h.id: h for h in lexical_corpus.lexical(["电工", "数控", "不存在"], SearchFilters(), 10)}
    assert set(hits) == {1, 2, 3}  # 5 has 数控技术 only: no partial-token match
    assert hits[1].matched_terms == ("数控",) and hits[3].matched_terms == ("电工",)
    assert [h.id for h in lexical_corpus.lexical(["数控技术"], SearchFilters(), 10)] == [5]
    assert lexical_corpus.lexical(["技术"], SearchFilters(), 10) == []


def test_chinese_tokens(lexical_corpus: SearchBackend) -> None:
    hits = lexical_corpus.lexical(["都匀毛尖", "茶叶"], SearchFilters(), 10)
    assert [h.id for h in hits] == [7]
    assert hits[0].matched_terms == ("都匀毛尖", "茶叶")


def test_query_tokens_are_literal_and_deduplicated(lexical_corpus: SearchBackend) -> None:
    for token in ("c++", "or", 'a"b', "not"):
        hits = lexical_corpus.lexical([token], SearchFilters(), 10)
        assert [h.id for h in hits] == [6], token
        assert hits[0].matched_terms == (token,)
    for token in ('"', "*", "AND", "(", "-", "NEAR", ""):
        assert lexical_corpus.lexical([token], SearchFilters(), 10) == [], token
    once = lexical_corpus.lexical(["焊工", "电工"], SearchFilters(), 10)
    twice = lexical_corpus.lexical(["焊工", "电工", "焊工", "焊工"], SearchFilters(), 10)
    assert once == twice
    assert lexical_corpus.lexical([], SearchFilters(), 10) == []


def test_lexical_limit(lexical_corpus: SearchBackend) -> None:
    all_hits = lexical_corpus.lexical(["要求"], SearchFilters(), 100)
    assert len(all_hits) == 6
    assert lexical_corpus.lexical(["要求"], SearchFilters(), 2) == all_hits[:2]
    assert [h.score for h in all_hits] == sorted((h.score for h in all_hits), reverse=True)


# -- semantic --------------------------------------------------------------------------


def _exact_top(vectors: np.ndarray, ids: list[int], query: np.ndarray, k: int) -> list[tuple[int, float]]:
    normalised = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = normalised @ (query / np.linalg.norm(query))
    order = np.argsort(-scores, kind="stable")[:k]
    return [(ids[i], float(scores[i])) for i in order]


def test_semantic_is_exact_nearest_neighbours(backend: SearchBackend) -> None:
    rng = np.random.default_rng(11)
    count = 400
    vectors = rng.standard_normal((count, DIM)).astype(np.float32) * rng.uniform(0.5, 3, (count, 1)).astype(np.float32)
    docs = [make_doc(i + 1, direction=("need", "offer")[i % 3 == 0]) for i in range(count)]
    backend.upsert(docs, vectors)
    ids = [d.id for d in docs]
    offers = [i for i, d in enumerate(docs) if d.direction == "offer"]
    for query in rng.standard_normal((20, DIM)).astype(np.float32):
        expected = _exact_top(vectors, ids, query, 10)
        hits = backend.semantic(query, SearchFilters(), 10)
        assert [h.id for h in hits] == [i for i, _ in expected]
        assert [h.similarity for h in hits] == pytest.approx([s for _, s in expected], abs=1e-5)
        filtered = _exact_top(vectors[offers], [ids[i] for i in offers], query, 10)
        hits = backend.semantic(query, SearchFilters(direction="offer"), 10)
        assert [h.id for h in hits] == [i for i, _ in filtered]


def test_semantic_limit_and_order(corpus) -> None:
    backend, docs, vectors = corpus
    hits = backend.semantic(vectors[5], SearchFilters(), len(docs) + 10)
    assert len(hits) == len(docs)
    assert hits[0].id == docs[5].id and hits[0].similarity == pytest.approx(1.0, abs=1e-5)
    assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)
    assert backend.semantic(vectors[5], SearchFilters(), 3) == hits[:3]


# -- filters ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(FILTER_CASES))
def test_filters_on_every_query_kind(corpus, case: str) -> None:
    backend, docs, vectors = corpus
    filters = FILTER_CASES[case]
    expected = {d.id for d in docs if passes(d, filters)}
    if case not in ("none", "nothing-passes"):
        assert 0 < len(expected) < len(docs), "the corpus should make this filter matter"
    if case == "nothing-passes":
        assert expected == set()
    many = len(docs) + 5
    assert {h.id for h in backend.lexical(["通用"], filters, many)} == expected
    assert {h.id for h in backend.semantic(vectors[0], filters, many)} == expected
    assert {h.id for h in backend.tagged(["all"], filters, many)} == expected
    assert backend.count(filters) == len(expected)


def test_filtered_semantic_keeps_the_nearest_that_pass(corpus) -> None:
    backend, docs, vectors = corpus
    filters = FILTER_CASES["combined"]
    passing = [i for i, d in enumerate(docs) if passes(d, filters)]
    expected = _exact_top(vectors[passing], [docs[i].id for i in passing], vectors[0], 2)
    assert [h.id for h in backend.semantic(vectors[0], filters, 2)] == [i for i, _ in expected]


# -- tagged, facets, count, ids --------------------------------------------------------


def test_tagged_any_of(corpus) -> None:
    backend, docs, _ = corpus
    hits = backend.tagged(["tag:1", "tag:2", "tag:none"], SearchFilters(), 100)
    assert {h.id for h in hits} == {d.id for d in docs if {"tag:1", "tag:2"} & set(d.tags)}
    by_id = {d.id: d for d in docs}
    for hit in hits:
        assert hit.tags == tuple(t for t in ("tag:1", "tag:2") if t in by_id[hit.id].tags)
    assert len(backend.tagged(["all"], SearchFilters(), 5)) == 5
    assert backend.tagged([], SearchFilters(), 5) == []


def test_facets(corpus) -> None:
    backend, docs, _ = corpus
    subset = [d for d in docs if d.id % 2 == 1] + [docs[0]]  # a repeated id counts once
    facets = backend.facets([d.id for d in subset] + [9999])
    unique = {d.id: d for d in subset}.values()

    def tally(values) -> dict[str, int]:
        counts: dict[str, int] = {}
        for value in values:
            if value is not None:
                counts[value] = counts.get(value, 0) + 1
        return counts

    assert set(facets) == set(FACET_FIELDS)
    assert facets["sector"] == tally(s for d in unique for s in d.sectors)
    assert facets["region"] == tally(d.prefecture_code for d in unique)
    assert facets["category"] == tally(d.category for d in unique)
    assert facets["kind"] == tally(d.kind for d in unique)
    assert backend.facets([]) == {name: {} for name in FACET_FIELDS}


def test_count_and_ids(corpus) -> None:
    backend, docs, _ = corpus
    assert backend.ids() == {d.id for d in docs}
    assert backend.count(SearchFilters()) == len(docs)


# -- rebuild ---------------------------------------------------------------------------


def test_rebuild_swaps_atomically(corpus) -> None:
    backend, docs, _ = corpus
    fresh = [make_doc(1000 + i, title=("新", f"n{i}"), body=("通用",)) for i in range(3)]
    with backend.rebuild("model-2", DIM + 8) as building:
        building.upsert(fresh, unit_vectors(3, seed=5, dim=DIM + 8))
        # The live index is untouched until the block ends.
        assert backend.ids() == {d.id for d in docs}
        assert backend.status().model == MODEL
        assert building.ids() == {d.id for d in fresh}
    status = backend.status()
    assert (status.model, status.dimensions, status.documents) == ("model-2", DIM + 8, 3)
    assert backend.ids() == {d.id for d in fresh}
    assert backend.semantic(unit_vectors(1, seed=5, dim=DIM + 8)[0], SearchFilters(), 1)[0].id == 1000
    assert [h.id for h in backend.lexical(["n1"], SearchFilters(), 5)] == [1001]
    assert backend.documents([1001]) == {1001: fresh[1]}


def test_failed_rebuild_keeps_the_old_index(corpus) -> None:
    backend, docs, _ = corpus

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with backend.rebuild("model-2", DIM) as building:
            building.upsert([make_doc(5000)], unit_vectors(1, 0))
            raise Boom
    assert backend.status().model == MODEL
    assert backend.ids() == {d.id for d in docs}
    assert len(backend.lexical(["通用"], SearchFilters(), 100)) == len(docs)


def test_first_rebuild_creates_the_index(missing: SearchBackend) -> None:
    with missing.rebuild(MODEL, DIM) as building:
        building.upsert([make_doc(1)], unit_vectors(1, 0))
        assert missing.status().exists is False
    assert missing.ids() == {1}


# -- several threads and processes -----------------------------------------------------


def test_threads_share_one_backend(backend: SearchBackend) -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for batch in range(5):
                ids = [worker * 1000 + batch * 10 + i for i in range(10)]
                docs = [make_doc(i, body=("通用", f"w{worker}")) for i in ids]
                backend.upsert(docs, unit_vectors(len(docs), seed=worker * 100 + batch))
                backend.lexical(["通用"], SearchFilters(), 20)
                backend.semantic(unit_vectors(1, seed=batch)[0], SearchFilters(direction="offer"), 5)
                backend.count(SearchFilters())
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert backend.count(SearchFilters()) == 4 * 5 * 10
    assert len(backend.lexical(["w3"], SearchFilters(), 100)) == 50


def _run_child(factory: Factory, folder: Path, command: dict, *, wait: bool = True):
    script = (
        "import importlib.util, json, sys\n"
        "spec = importlib.util.spec_from_file_location('backend_contract', sys.argv[1])\n"
        "module = sys.modules['backend_contract'] = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "module.child_main(json.loads(sys.argv[2]))\n"
    )
    payload = json.dumps({"factory": factory.name, "url": factory.url, "folder": str(folder), **command})
    args = [sys.executable, "-c", script, __file__, payload]
    if not wait:
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def child_main(command: dict) -> None:
    """Entry point of the helper process (see _run_child)."""
    backend = Factory(command["factory"], command["url"]).make(Path(command["folder"]))
    action = command["action"]
    if action == "upsert":
        docs = [make_doc(i, body=("通用", command["token"])) for i in command["ids"]]
        backend.upsert(docs, unit_vectors(len(docs), seed=command["ids"][0]))
    elif action == "delete":
        backend.delete(command["ids"])
    elif action == "rebuild":
        _rebuild_generation(backend, command["generation"], command["model"], command["dimensions"])
    elif action == "rebuild_loop":
        for round_ in range(command["rounds"]):
            _rebuild_generation(backend, round_ % 2, MODEL, DIM)
    _close(backend)


def _rebuild_generation(backend: SearchBackend, generation: int, model: str, dimensions: int) -> None:
    ids = generation_ids(generation)
    docs = [make_doc(i, body=("通用", f"gen{generation}")) for i in ids]
    with backend.rebuild(model, dimensions) as building:
        building.upsert(docs, unit_vectors(len(docs), seed=generation, dim=dimensions))


def generation_ids(generation: int) -> set[int]:
    return set(range(10_000 * (generation + 1), 10_000 * (generation + 1) + 40))


def test_another_process_writes_are_seen(corpus, factory: Factory, folder: Path) -> None:
    backend, docs, _ = corpus
    assert backend.lexical(["从别处"], SearchFilters(), 10) == []  # connection open, state cached
    _run_child(factory, folder, {"action": "upsert", "ids": [501, 502], "token": "从别处"})
    assert {h.id for h in backend.lexical(["从别处"], SearchFilters(), 10)} == {501, 502}
    assert backend.ids() == {d.id for d in docs} | {501, 502}
    _run_child(factory, folder, {"action": "delete", "ids": [501]})
    assert backend.ids() == {d.id for d in docs} | {502}
    assert backend.documents([502])[502].body_tokens == ("通用", "从别处")


def test_another_process_rebuild_is_seen(corpus, factory: Factory, folder: Path) -> None:
    backend, _, vectors = corpus
    assert backend.semantic(vectors[0], SearchFilters(), 3)  # open and used
    _run_child(factory, folder, {"action": "rebuild", "generation": 1, "model": "other-model", "dimensions": DIM * 2})
    status = backend.status()
    assert (status.model, status.dimensions) == ("other-model", DIM * 2)
    assert backend.ids() == generation_ids(1)
    assert len(backend.semantic(unit_vectors(1, 0, dim=DIM * 2)[0], SearchFilters(), 5)) == 5
    with pytest.raises(SearchError):
        backend.semantic(vectors[0], SearchFilters(), 3)  # old dimensions now refused


def test_reads_during_rebuilds_by_another_process_see_whole_generations(backend, factory, folder) -> None:
    _rebuild_generation(backend, 0, MODEL, DIM)
    child = _run_child(factory, folder, {"action": "rebuild_loop", "rounds": 8}, wait=False)
    seen: set[frozenset[int]] = set()
    deadline = time.monotonic() + 120
    try:
        while child.poll() is None and time.monotonic() < deadline:
            ids = frozenset(h.id for h in backend.lexical(["通用"], SearchFilters(), 100))
            assert ids in (frozenset(generation_ids(0)), frozenset(generation_ids(1))), sorted(ids)[:5]
            seen.add(ids)
            semantic = {h.id for h in backend.semantic(unit_vectors(1, 3)[0], SearchFilters(), 100)}
            assert semantic in (generation_ids(0), generation_ids(1))
    finally:
        if child.poll() is None:
            child.kill()
        _, stderr = child.communicate()
    assert child.returncode == 0, stderr
    assert backend.ids() == generation_ids(1)  # 8 rounds: the last one built generation 1
    assert len(seen) == 2, "the reads should have overlapped the swaps"


# -- embedded specifics ----------------------------------------------------------------


def test_embedded_rebuild_leaves_no_staging_files(folder: Path) -> None:
    backend = _embedded(folder)
    try:
        with backend.rebuild(MODEL, DIM) as building:
            building.upsert([make_doc(1)], unit_vectors(1, 0))
        with pytest.raises(RuntimeError), backend.rebuild(MODEL, DIM):
            raise RuntimeError
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
        ).stdout.strip()
        for suffix in ("", "-wal"):  # left by a rebuild whose process was killed
            (folder / "search" / f"index.sqlite.rebuild-{dead}-0badf00d{suffix}").write_bytes(b"x")
        with backend.rebuild(MODEL, DIM) as building:
            building.upsert([make_doc(2)], unit_vectors(1, 0))
        names = set(os.listdir(folder / "search"))
        assert names <= {"index.sqlite", "index.sqlite-wal", "index.sqlite-shm"}
        assert backend.ids() == {2}
    finally:
        _close(backend)


def test_embedded_not_an_index(folder: Path) -> None:
    (folder / "search").mkdir()
    (folder / "search" / "index.sqlite").write_bytes(b"")
    backend = _embedded(folder)
    with pytest.raises(IndexMissing):
        backend.ids()
    assert backend.status().exists is False


def test_embedded_index_deleted_under_open_connections(folder: Path) -> None:
    """An operator deletes the file while workers hold it open, then reindexes."""
    import apsw

    worker_a, worker_b = _embedded(folder), _embedded(folder)
    try:
        with worker_a.rebuild(MODEL, DIM):
            pass
        worker_a.upsert([make_doc(1, body=("旧",)), make_doc(2, body=("旧",))], unit_vectors(2, 0))  # frames in the WAL
        assert worker_b.ids() == {1, 2}
        (folder / "search" / "index.sqlite").unlink()  # -wal and -shm stay behind
        with pytest.raises(IndexMissing):
            worker_a.ids()
        with worker_a.rebuild(MODEL, DIM) as building:
            building.upsert([make_doc(3, body=("新",))], unit_vectors(1, 1))
        for worker in (worker_a, worker_b):  # worker_b never noticed the deletion
            assert worker.ids() == {3}
            assert worker.lexical(["旧"], SearchFilters(), 5) == []
        worker_b.upsert([make_doc(4, body=("新",))], unit_vectors(1, 2))
        assert worker_a.ids() == {3, 4}
        check = apsw.Connection(str(folder / "search" / "index.sqlite"))
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        check.close()
    finally:
        _close(worker_a)
        _close(worker_b)
