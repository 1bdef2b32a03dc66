"""Speed of the embedded search backend (SQLite FTS5 + sqlite-vec) on generated postings.

    python benchmarks/search_speed.py [--sizes 10000 100000] [--queries 200] [--model PATH]

Builds corpora of generated Chinese postings (sentences recombined from the major
profiles and occupation definitions in matchmaker/data/reference/, random sectors, counties,
categories and directions; seeded), tokenizes them with matchmaker.text.tokenizer and
reports, per corpus size:

- indexing throughput with vectors precomputed, and with embedding included (extrapolated
  from the model's measured encode rate on a sample — encoding 100k texts on a 2-core CPU
  takes hours);
- p50/p95 latency of lexical, semantic and filtered hybrid queries (the product's own
  matching.gather + matching.score path), with the query embedding included when --model
  is given (and alone);
- baselines in the same run: exact brute-force cosine in numpy over the same vectors and
  BM25 over the same tokens with scipy.sparse;
- recall@10 of the backend's semantic search against the exact numpy top 10;
- index file size and the process's peak RSS.

With `--backend elasticsearch` the same corpora, vectors, queries and filters also go into
Elasticsearch (matchmaker.indexing.elastic; a cluster at --elasticsearch-url, else a single
node started from .cache/elasticsearch/ with --elasticsearch-heap, 1 GB by default), in the
same run: bulk indexing throughput, the same hybrid search path, recall@10 of its HNSW kNN
against exact search with and without filters (also at larger num_candidates), the primaries'
store size and the node's resident memory, beside the embedded backend's figures.

Corpus vectors are random unit vectors unless `--corpus-vectors model` (encodes every
posting with the model, cached in benchmarks/.cache/); vec0 search is exact brute force,
so its latency and recall do not depend on what the vectors are. Query vectors come from
the model when given (else random). Prints markdown tables.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import math
import os
import platform
import random
import re
import resource
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

# Single-threaded BLAS for the numpy baseline, like SQLite's single-threaded scan: a web
# worker answers one query per thread, and spinning BLAS threads only add noise here.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import es_server  # noqa: E402

from matchmaker import matching  # noqa: E402
from matchmaker.config import SETTINGS  # noqa: E402
from matchmaker.indexing import elastic  # noqa: E402
from matchmaker.indexing.base import IndexDocument, SearchFilters  # noqa: E402
from matchmaker.indexing.embedded import EmbeddedBackend  # noqa: E402
from matchmaker.indexing.embedder import model_id_of  # noqa: E402
from matchmaker.indexing.service import SearchIndex  # noqa: E402
from matchmaker.ranking import Source  # noqa: E402
from matchmaker.taxonomy import get_taxonomy  # noqa: E402
from matchmaker.text.tokenizer import tokenize  # noqa: E402

REFERENCE = ROOT / "matchmaker" / "data" / "reference"
TAXONOMY = ROOT / "matchmaker" / "data" / "taxonomy"
CACHE = Path(__file__).resolve().parent / ".cache"
CANDIDATES = matching.RankingWeights().candidates  # per channel, as the product asks
BATCH = 1000  # documents per upsert transaction
# Elasticsearch kNN: num_candidates = max(MIN_NUM_CANDIDATES, factor × k); the product's factor first.
NUM_CANDIDATES_FACTORS = (elastic.NUM_CANDIDATES_FACTOR, 5, 10, 20)
EMBEDDED_DESCRIPTION_CHARS = 400  # as in matchmaker.indexing.documents (not imported: it needs the models)

PERKS = [
    "五险一金",
    "包吃住",
    "周末双休",
    "提供实习补贴",
    "接受应届毕业生",
    "订单班培养",
    "提供员工宿舍",
    "转正后月薪4500～7000元",
    "有班车接送",
    "年底有奖金",
    "可签订三方协议",
    "带薪培训",
]
PLACES = ["贵阳", "遵义", "六盘水", "安顺", "毕节", "铜仁", "凯里", "都匀", "兴义", "仁怀", "盘州"]
OFFER_KINDS = [
    "专业毕业生推荐",
    "订单班合作",
    "顶岗实习学生",
    "实训基地开放",
    "教师企业实践",
    "技术服务",
    "现代学徒制合作",
    "职业技能培训",
]
NEED_PREFIXES = ["招聘", "急需", "诚聘", "", "长期招聘", "校企合作招收"]
NEED_SUFFIXES = ["", "若干名", "实习生", "学徒", "（应届生）", "岗位"]


# -- reference material ----------------------------------------------------------------


@dataclass
class Material:
    majors: list[dict]
    occupations: list[dict]
    sectors: list[str]
    categories: list[str]
    counties: dict[str, str]  # county code → prefecture code


def _items(text: str) -> list[str]:
    """'1. 具有…； 2. 具有…' → ['具有…', '具有…']."""
    parts = re.split(r"\s*\d+\s*[.、．]\s*", text or "")
    return [p.strip(" ；;。") for p in parts if len(p.strip()) > 3]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。！？]", text or "") if len(s.strip()) > 5]


def load_material() -> Material:
    majors = []
    for line in (REFERENCE / "moe_major_profiles_2022.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("major_name") and row.get("training_goal"):
            majors.append(
                {
                    "name": row["major_name"],
                    "code": row["major_code"],
                    "goal": _sentences(row["training_goal"]),
                    "courses": _sentences(row.get("courses", "")),
                    "abilities": _items(row.get("abilities", "")),
                    "facing": _sentences(row.get("occupation_facing", "")),
                }
            )
    occupations = []
    with open(REFERENCE / "occupations_csco2022.csv", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["definition"]:
                aliases = [a for a in row["alias"].split(",") if a and a != row["name"]]
                occupations.append(
                    {
                        "name": row["name"],
                        "code": row["code"],
                        "definition": row["definition"].rstrip("。"),
                        "tasks": _items(row["tasks"]),
                        "aliases": aliases,
                    }
                )
    sectors = [
        s["code"]
        for g in json.loads((TAXONOMY / "sectors.json").read_text(encoding="utf-8"))["groups"]
        for s in g["sectors"]
    ]
    categories = [
        c["code"] for c in json.loads((TAXONOMY / "categories.json").read_text(encoding="utf-8"))["categories"]
    ]
    with open(TAXONOMY / "regions.csv", encoding="utf-8") as file:
        counties = {r["code"]: r["parent"] for r in csv.DictReader(file) if r["level"] == "county"}
    return Material(majors, occupations, sectors, categories, counties)


# -- corpus ----------------------------------------------------------------------------


@dataclass
class Posting:
    id: int
    direction: str
    category: str
    kind: str
    organization_id: int
    title: str
    description: str
    sectors: tuple[str, ...]
    region_code: str
    prefecture_code: str
    valid_until: date | None
    tags: tuple[str, ...] = ()


def generate_postings(count: int, material: Material, seed: int) -> list[Posting]:
    rng = random.Random(seed)
    county_codes = sorted(material.counties)
    postings = []
    for i in range(count):
        major = rng.choice(material.majors)
        occupation = rng.choice(material.occupations)
        direction = rng.choice(("need", "offer"))
        if direction == "need":
            name = rng.choice([occupation["name"], *occupation["aliases"][:3]])
            title = f"{rng.choice(NEED_PREFIXES)}{name}{rng.choice(NEED_SUFFIXES)}"
            tasks = rng.sample(occupation["tasks"], min(len(occupation["tasks"]), rng.randint(1, 3)))
            body = (
                f"岗位职责：{occupation['definition']}。{'；'.join(tasks)}。"
                f"任职要求：{major['name']}等相关专业，{rng.choice(major['abilities'] or ['吃苦耐劳'])}。"
                f"工作地点：{rng.choice(PLACES)}。待遇：{'，'.join(rng.sample(PERKS, 3))}。"
            )
            kind = "enterprise" if rng.random() < 0.9 else "school"
            tags = (f"occupation:{occupation['code']}",)
        else:
            title = f"{major['name']}{rng.choice(OFFER_KINDS)}"
            parts = [rng.choice(major["goal"])] + rng.sample(major["courses"], min(2, len(major["courses"])))
            parts += rng.sample(major["abilities"], min(len(major["abilities"]), rng.randint(0, 2)))
            parts += major["facing"][:1]
            body = "。".join(parts) + f"。联系地点：{rng.choice(PLACES)}。"
            kind = "school" if rng.random() < 0.9 else "enterprise"
            tags = (f"major:{major['code']}",)
        county = rng.choice(county_codes)
        postings.append(
            Posting(
                id=i + 1,
                direction=direction,
                category=rng.choice(material.categories),
                kind=kind,
                organization_id=rng.randint(1, max(10, count // 20)),
                title=title,
                description=body,
                sectors=tuple(rng.sample(material.sectors, rng.choice((1, 1, 1, 2, 3)))),
                region_code=county,
                prefecture_code=material.counties[county],
                valid_until=None if rng.random() < 0.5 else date(2025, 1, 1) + timedelta(days=rng.randint(0, 730)),
                tags=tags,
            )
        )
    return postings


def passage_text(posting: Posting) -> str:
    """What the app embeds (indexing.documents.embedding_text): title and the description's start."""
    return f"{posting.title}\n{posting.description[:EMBEDDED_DESCRIPTION_CHARS]}"


def to_documents(postings: Sequence[Posting]) -> list[IndexDocument]:
    interned: dict[str, str] = {}  # share token strings: 100k postings hold ~15M tokens

    def tokens(text: str) -> tuple[str, ...]:
        return tuple(interned.setdefault(t, t) for t in tokenize(text))

    return [
        IndexDocument(
            id=p.id,
            ref=f"P{p.id:07d}",
            direction=p.direction,
            category=p.category,
            kind=p.kind,
            organization_id=p.organization_id,
            organization_name=f"机构{p.organization_id}",
            title=p.title,
            description=p.description,
            sectors=p.sectors,
            region_code=p.region_code,
            prefecture_code=p.prefecture_code,
            valid_until=p.valid_until,
            published_at="2025-06-01T08:00:00+08:00",
            title_tokens=tokens(p.title),
            body_tokens=tokens(p.description),
            tags=p.tags,
            embedding_text=passage_text(p),
        )
        for p in postings
    ]


def generate_queries(count: int, material: Material, seed: int) -> list[str]:
    rng = random.Random(seed + 1)
    queries = []
    for _ in range(count):
        occupation, major = rng.choice(material.occupations), rng.choice(material.majors)
        queries.append(
            rng.choice(
                [
                    occupation["name"],
                    f"{rng.choice(PLACES)}{occupation['name']}实习",
                    f"招{rng.choice(occupation['aliases'] or [occupation['name']])}",
                    f"{major['name']}专业学生",
                    f"需要{major['name']}方向的{rng.choice(['实习生', '毕业生', '老师', '技术服务'])}",
                    rng.choice(major["courses"] or [major["name"]])[:30],
                ]
            )
        )
    return queries


# -- vectors ---------------------------------------------------------------------------


def random_unit_vectors(count: int, dimensions: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, dimensions), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


class Model:
    def __init__(self, path: str, batch_size: int) -> None:
        from sentence_transformers import SentenceTransformer

        self.path = path
        self.batch_size = batch_size
        self.model = SentenceTransformer(path, device="cpu")
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimensions = dimension()
        info = Path(path) / "matchmaker_model.json"
        # The product's id for this model at its default length, so its shipped intent classifier applies.
        self.model_id = model_id_of(path, SETTINGS["EMBEDDING_MAX_TOKENS"].default)
        self.version = json.loads(info.read_text())["model_version"] if info.exists() else Path(path).name

    def _prompt(self, name: str) -> dict:
        # The converted folder declares the e5 prompts ("passage: ", "query: ") and a default
        # prompt; name one explicitly so the prefix is applied exactly once.
        if name in self.model.prompts:
            return {"prompt_name": name}
        return {"prompt": f"{name}: "}

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            **self._prompt("passage"),
        ).astype(np.float32)

    def query(self, text: str) -> np.ndarray:
        return self.model.encode(
            text, normalize_embeddings=True, convert_to_numpy=True, **self._prompt("query")
        ).astype(np.float32)

    encode_query = query  # the Embedder method matching.gather calls


def corpus_vectors(postings: Sequence[Posting], model: Model, seed: int) -> np.ndarray:
    """Every posting encoded with the model, cached in benchmarks/.cache/ between runs."""
    key = hashlib.sha256(f"{model.version}|{seed}|{len(postings)}".encode()).hexdigest()[:16]
    path = CACHE / f"search_speed-vectors-{len(postings)}-{key}.npy"
    if path.exists():
        return np.load(path)
    print(f"encoding {len(postings)} postings with the model (cached in {path}) …", file=sys.stderr, flush=True)
    vectors = model.passages([passage_text(p) for p in postings])
    CACHE.mkdir(exist_ok=True)
    np.save(path, vectors)
    return vectors


# -- baselines -------------------------------------------------------------------------


class NumpyCosine:
    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def top(self, query: np.ndarray, k: int, mask: np.ndarray | None = None) -> np.ndarray:
        scores = self.vectors @ (query / np.linalg.norm(query))
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        if mask is not None:
            best = best[np.isfinite(scores[best])]
        return best + 1  # row i is document id i + 1


class SparseBM25:
    """Okapi BM25 (k1=1.5, b=0.75, Lucene idf) over title + body tokens, as a scipy CSC matrix."""

    def __init__(self, documents: Sequence[IndexDocument], k1: float = 1.5, b: float = 0.75) -> None:
        from scipy import sparse

        vocabulary: dict[str, int] = {}
        indptr, indices, data = [0], [], []
        for document in documents:
            counts = Counter(
                vocabulary.setdefault(t, len(vocabulary)) for t in (*document.title_tokens, *document.body_tokens)
            )
            indices.extend(counts)
            data.extend(counts.values())
            indptr.append(len(indices))
        tf = sparse.csr_matrix((np.array(data, np.float32), indices, indptr), shape=(len(documents), len(vocabulary)))
        lengths = np.asarray(tf.sum(axis=1)).ravel()
        norm = k1 * (1 - b + b * lengths / lengths.mean())
        df = np.bincount(tf.indices, minlength=len(vocabulary))
        idf = np.log(1 + (len(documents) - df + 0.5) / (df + 0.5)).astype(np.float32)
        rows = np.repeat(np.arange(len(documents)), np.diff(tf.indptr))
        tf.data = tf.data * (k1 + 1) / (tf.data + norm[rows]) * idf[tf.indices]
        self.weights = tf.tocsc()
        self.vocabulary = vocabulary

    def top(self, tokens: Sequence[str], k: int) -> np.ndarray:
        columns = [self.vocabulary[t] for t in dict.fromkeys(tokens) if t in self.vocabulary]
        if not columns:
            return np.empty(0, dtype=np.int64)
        scores = np.asarray(self.weights[:, columns].sum(axis=1)).ravel()
        candidates = np.flatnonzero(scores)
        k = min(k, len(candidates))
        best = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        return best[np.argsort(-scores[best], kind="stable")] + 1


# -- measuring -------------------------------------------------------------------------


def timed(call: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def percentiles(times_ms: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(times_ms)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_info() -> str:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except OSError:
        memory = "unknown"
    import apsw
    import sqlite_vec

    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"CPU: {cpu}, {os.cpu_count()} cores; RAM: {memory}; load average {load} (1/5/15 min, at the end); "
        f"Python {platform.python_version()}; "
        f"SQLite {apsw.sqlite_lib_version()} (apsw {apsw.apsw_version()}); sqlite-vec {sqlite_vec.__version__}; "
        f"numpy {np.__version__}"
    )


# -- one corpus size -------------------------------------------------------------------


def product_search(index: SearchIndex, model: Model | None, text: str, vector: np.ndarray | None, filters):
    """The product's own path (matching.gather + matching.score): lexical, semantic and crosswalk
    candidates, documents fetched, fusion and signals; the need read from the query's vector."""
    if vector is None:  # as search_postings does: the query is encoded first, to read the need from it
        vector = model.query(text)
    need = matching.read_need(index, text, vector) if model is not None else None
    found = matching.gather(index, text, filters, vector=vector)
    ranked, _ = matching.score(found, Source(intent=need, sectors=get_taxonomy().sectors_in(text)))
    return ranked[:20], found.semantic


def overlap(found: Sequence[int], exact: set[int]) -> float:
    return len(set(found[:10]) & exact) / len(exact)


def bench_size(
    size: int,
    documents: list[IndexDocument],
    vectors: np.ndarray,
    queries: list[str],
    query_tokens: list[list[str]],
    query_vectors: np.ndarray,
    query_encode_ms: list[float],
    material: Material,
    workdir: Path,
    seed: int,
    model_id: str,
    posting_queries: int,
    model: Model | None = None,
    cluster: es_server.Cluster | None = None,
) -> dict:
    documents, vectors = documents[:size], vectors[:size]
    path = workdir / f"index-{size}.sqlite"
    backend = EmbeddedBackend(path)
    result: dict = {"size": size}

    # Indexing: a first build (linked into place) and a rebuild swapped over the live index.
    def build() -> tuple[float, float]:
        start = time.perf_counter()
        with backend.rebuild(model_id, vectors.shape[1]) as building:
            for first in range(0, size, BATCH):
                building.upsert(documents[first : first + BATCH], vectors[first : first + BATCH])
            filled = time.perf_counter()
        return filled - start, time.perf_counter() - filled

    fill_s, finish_s = build()
    result["fill_s"], result["finish_s"] = fill_s, finish_s
    result["index_rate"] = size / (fill_s + finish_s)
    backend.semantic(vectors[0], SearchFilters(), 1)  # an open connection, as in a worker
    swap_fill_s, swap_finish_s = build()
    result["swap_s"] = swap_finish_s
    result["file_mb"] = path.stat().st_size / 1e6

    # Queries.
    rng = random.Random(seed + size)
    prefectures = sorted(set(material.counties.values()))
    hybrid_filters = []
    for _ in queries:
        prefecture = rng.choice(prefectures)
        hybrid_filters.append(
            SearchFilters(
                direction="offer",
                sectors=(rng.choice(material.sectors),),
                region_codes=tuple(c for c, p in material.counties.items() if p == prefecture),
            )
        )
    for tokens in query_tokens[:5]:  # warm the page cache
        backend.lexical(tokens, SearchFilters(), CANDIDATES)
        backend.semantic(query_vectors[0], SearchFilters(), CANDIDATES)

    times: dict[str, list[float]] = {
        name: [] for name in ("lexical", "semantic", "hybrid", "numpy_cosine", "numpy_bm25")
    }
    recalls, filtered_recalls = [], []
    cosine = NumpyCosine(vectors)
    bm25_start = time.perf_counter()
    bm25 = SparseBM25(documents)
    result["bm25_build_s"] = time.perf_counter() - bm25_start
    direction_offer = np.array([d.direction == "offer" for d in documents])
    sector_sets = [set(d.sectors) for d in documents]
    region = np.array([d.region_code for d in documents])

    # The product's own path (matching.gather + matching.score): lexical, semantic and crosswalk
    # candidates, documents fetched, fusion and signals; only the query encoding is added apart.
    index = SearchIndex(backend=backend, embedder=model, lock_path=workdir / "index.lock")

    def hybrid(text: str, vector: np.ndarray | None, filters: SearchFilters):
        return product_search(index, model, text, vector, filters)

    exact_top, exact_filtered_top = [], []

    for text, tokens, vector, filters in zip(queries, query_tokens, query_vectors, hybrid_filters, strict=True):
        ms, _ = timed(lambda t=tokens: backend.lexical(t, SearchFilters(), CANDIDATES))
        times["lexical"].append(ms)
        ms, hits = timed(lambda v=vector: backend.semantic(v, SearchFilters(), CANDIDATES))
        times["semantic"].append(ms)
        ms, (_, filtered_hits) = timed(lambda q=text, v=vector, f=filters: hybrid(q, v, f))
        times["hybrid"].append(ms)
        if model is not None:  # as a request runs it: the query is encoded inside, beside the lexical lookups
            ms, _ = timed(lambda q=text, f=filters: hybrid(q, None, f))
            times.setdefault("hybrid_encoded", []).append(ms)
        ms, exact = timed(lambda v=vector: cosine.top(v, 10))
        times["numpy_cosine"].append(ms)
        ms, _ = timed(lambda t=tokens: bm25.top(t, CANDIDATES))
        times["numpy_bm25"].append(ms)

        recalls.append(len({h.id for h in hits[:10]} & set(exact.tolist())) / 10)
        mask = (
            direction_offer
            & np.isin(region, filters.region_codes)
            & np.array([filters.sectors[0] in s for s in sector_sets])
        )
        exact_filtered = set(cosine.top(vector, 10, mask).tolist())
        exact_top.append(set(exact.tolist()))
        exact_filtered_top.append(exact_filtered)
        if exact_filtered:
            filtered_recalls.append(len({h.id for h in filtered_hits[:10]} & exact_filtered) / len(exact_filtered))

    # matching.match_posting queries with a whole posting (title + description start): ~60–110
    # distinct tokens, so nearly every document matches some of them.
    times["posting_lexical"], times["posting_bm25"] = [], []
    for posting_id in random.Random(seed + 1).sample(range(size), min(posting_queries, size)):
        tokens = tokenize(documents[posting_id].embedding_text)
        ms, _ = timed(lambda t=tokens: backend.lexical(t, SearchFilters(), CANDIDATES))
        times["posting_lexical"].append(ms)
        ms, _ = timed(lambda t=tokens: bm25.top(t, CANDIDATES))
        times["posting_bm25"].append(ms)
    result["posting_tokens"] = statistics.mean(
        len(set(tokenize(documents[i].embedding_text))) for i in range(min(200, size))
    )

    result["latency"] = {name: percentiles(values) for name, values in times.items()}
    if query_encode_ms:
        with_encode = {
            "semantic": [t + e for t, e in zip(times["semantic"], query_encode_ms, strict=True)],
            "hybrid": times["hybrid_encoded"],
        }
        result["latency_with_encode"] = {name: percentiles(v) for name, v in with_encode.items()}
    result["recall"] = statistics.mean(recalls)
    result["filtered_recall"] = statistics.mean(filtered_recalls) if filtered_recalls else float("nan")
    result["filtered_queries"] = len(filtered_recalls)
    result["rss_mb"] = peak_rss_mb()
    if cluster is not None:
        result["es"] = bench_elasticsearch(
            size,
            documents,
            vectors,
            queries,
            query_tokens,
            query_vectors,
            hybrid_filters,
            exact_top,
            exact_filtered_top,
            cluster,
            model_id,
            model,
            workdir,
        )
    backend.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return result


def bench_elasticsearch(
    size: int,
    documents: list[IndexDocument],
    vectors: np.ndarray,
    queries: list[str],
    query_tokens: list[list[str]],
    query_vectors: np.ndarray,
    hybrid_filters: list[SearchFilters],
    exact_top: list[set[int]],
    exact_filtered_top: list[set[int]],
    cluster: es_server.Cluster,
    model_id: str,
    model: Model | None,
    workdir: Path,
) -> dict:
    """The same corpus, queries and filters on Elasticsearch, through the same product code."""
    backend = elastic.ElasticsearchBackend(
        elastic.ClusterSettings(cluster.url, index_prefix=f"bench-speed-{os.getpid()}-{size}", request_timeout=120)
    )
    result: dict = {}
    try:
        start = time.perf_counter()
        with backend.rebuild(model_id, vectors.shape[1]) as building:
            for first in range(0, size, BATCH):
                building.upsert(documents[first : first + BATCH], vectors[first : first + BATCH])
            filled = time.perf_counter()
        total = time.perf_counter() - start
        result["fill_s"], result["finish_s"] = filled - start, total - (filled - start)
        result["index_rate"] = size / total

        index = SearchIndex(backend=backend, embedder=model, lock_path=workdir / "es-index.lock")
        for tokens, vector in zip(query_tokens[:5], query_vectors[:5], strict=True):  # warm up
            backend.lexical(tokens, SearchFilters(), CANDIDATES)
            backend.semantic(vector, SearchFilters(), CANDIDATES)
        times: dict[str, list[float]] = {name: [] for name in ("lexical", "semantic", "hybrid", "hybrid_encoded")}
        recalls, filtered_recalls = [], []
        for text, tokens, vector, filters, exact, exact_filtered in zip(
            queries, query_tokens, query_vectors, hybrid_filters, exact_top, exact_filtered_top, strict=True
        ):
            ms, _ = timed(lambda t=tokens: backend.lexical(t, SearchFilters(), CANDIDATES))
            times["lexical"].append(ms)
            ms, hits = timed(lambda v=vector: backend.semantic(v, SearchFilters(), CANDIDATES))
            times["semantic"].append(ms)
            ms, (_, filtered_hits) = timed(lambda q=text, v=vector, f=filters: product_search(index, model, q, v, f))
            times["hybrid"].append(ms)
            if model is not None:
                ms, _ = timed(lambda q=text, f=filters: product_search(index, model, q, None, f))
                times["hybrid_encoded"].append(ms)
            recalls.append(overlap([h.id for h in hits], exact))
            if exact_filtered:
                filtered_recalls.append(overlap([h.id for h in filtered_hits], exact_filtered))
        result["latency"] = {name: percentiles(values) for name, values in times.items() if values}
        result["recall"] = statistics.mean(recalls)
        result["filtered_recall"] = statistics.mean(filtered_recalls) if filtered_recalls else float("nan")

        # kNN recall and latency at larger num_candidates (the product asks k = CANDIDATES).
        sweep = []
        default = elastic.NUM_CANDIDATES_FACTOR
        try:
            for factor in NUM_CANDIDATES_FACTORS:
                elastic.NUM_CANDIDATES_FACTOR = factor
                candidates = min(elastic.MAX_RESULTS, max(elastic.MIN_NUM_CANDIDATES, factor * CANDIDATES))
                lat, rec, frec = [], [], []
                for vector, filters, exact, exact_filtered in zip(
                    query_vectors, hybrid_filters, exact_top, exact_filtered_top, strict=True
                ):
                    ms, hits = timed(lambda v=vector: backend.semantic(v, SearchFilters(), CANDIDATES))
                    lat.append(ms)
                    rec.append(overlap([h.id for h in hits], exact))
                    if exact_filtered:
                        filtered = backend.semantic(vector, filters, CANDIDATES)
                        frec.append(overlap([h.id for h in filtered], exact_filtered))
                sweep.append(
                    {
                        "factor": factor,
                        "num_candidates": candidates,
                        "recall": statistics.mean(rec),
                        "filtered_recall": statistics.mean(frec) if frec else float("nan"),
                        "latency": percentiles(lat),
                    }
                )
        finally:
            elastic.NUM_CANDIDATES_FACTOR = default
        result["sweep"] = sweep
        result["store_mb"], result["segments"] = (
            value / 1e6 if n == 0 else value for n, value in enumerate(es_server.store_bytes(backend))
        )
        result["memory_mb"] = cluster.memory_mb()
    finally:
        es_server.drop_indices(backend)
    return result


def print_elasticsearch(results: list[dict], cluster: es_server.Cluster, encoded: bool) -> None:
    def cell(pair: tuple[float, float] | None) -> str:
        return f"{pair[0]:.1f} / {pair[1]:.1f} ms" if pair else "—"

    print(f"#### Elasticsearch beside the embedded backend ({cluster.describe()})")
    print()
    print(
        "| postings | backend | bulk indexing, vectors precomputed | filtered hybrid p50/p95 (incl. query encode) "
        "| filtered hybrid p50/p95 (vector given) | lexical p50/p95 | semantic p50/p95 | recall@10 "
        "| filtered recall@10 | index size | memory |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        es = r["es"]
        lat = r["latency"]
        with_encode = r.get("latency_with_encode", {})
        print(
            f"| {r['size']:,} | embedded | {r['index_rate']:,.0f}/s ({r['fill_s'] + r['finish_s']:.1f} s) | "
            f"{cell(with_encode.get('hybrid'))} | {cell(lat['hybrid'])} | {cell(lat['lexical'])} | "
            f"{cell(lat['semantic'])} | {r['recall']:.3f} | {r['filtered_recall']:.3f} | "
            f"{r['file_mb']:.0f} MB (file) | {r['rss_mb']:,.0f} MB (benchmark process, peak) |"
        )
        memory = f"{es['memory_mb']:,.0f} MB (node RSS)" if es["memory_mb"] is not None else "—"
        print(
            f"| {r['size']:,} | Elasticsearch | {es['index_rate']:,.0f}/s ({es['fill_s'] + es['finish_s']:.1f} s) | "
            f"{cell(es['latency'].get('hybrid_encoded'))} | {cell(es['latency']['hybrid'])} | "
            f"{cell(es['latency']['lexical'])} | {cell(es['latency']['semantic'])} | {es['recall']:.3f} | "
            f"{es['filtered_recall']:.3f} | {es['store_mb']:.0f} MB (primaries, {es['segments']} segments) | "
            f"{memory} |"
        )
    print()
    for r in results:
        es, with_encode = r["es"], r.get("latency_with_encode", {})
        if encoded and "hybrid_encoded" in es["latency"]:
            (e50, e95), (s50, s95) = with_encode["hybrid"], es["latency"]["hybrid_encoded"]
            print(
                f"{r['size']:,}: Elasticsearch / embedded, filtered hybrid incl. encode: p50 ×{s50 / e50:.2f}, "
                f"p95 ×{s95 / e95:.2f}; bulk indexing ×{es['index_rate'] / r['index_rate']:.2f}."
            )
    print()
    print(
        f"Elasticsearch kNN (HNSW, float, cosine) at k = {CANDIDATES}, the product's candidates per channel; "
        f"num_candidates = max({elastic.MIN_NUM_CANDIDATES}, factor × k) (product: factor "
        f"{elastic.NUM_CANDIDATES_FACTOR}):"
    )
    print()
    print("| postings | factor | num_candidates | recall@10 | filtered recall@10 | semantic p50/p95 |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        for s in r["es"]["sweep"]:
            print(
                f"| {r['size']:,} | {s['factor']} | {s['num_candidates']:,} | {s['recall']:.3f} | "
                f"{s['filtered_recall']:.3f} | {cell(s['latency'])} |"
            )
    print()


# -- main ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--model", help="converted model folder (sentence-transformers); else random query vectors")
    parser.add_argument(
        "--corpus-vectors",
        choices=("random", "model"),
        default="random",
        help="corpus vectors: random unit vectors (default) or every posting encoded "
        "with --model (slow; cached in benchmarks/.cache/)",
    )
    parser.add_argument("--encode-sample", type=int, default=200, help="postings encoded to measure throughput")
    parser.add_argument(
        "--posting-queries",
        type=int,
        default=100,
        help="lexical queries made of a whole posting's tokens, as match_posting does",
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--dimensions", type=int, default=384, help="vector size without a model")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", help="folder for the index files (default: a temporary folder)")
    es_server.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.corpus_vectors == "model" and not args.model:
        parser.error("--corpus-vectors model needs --model")
    sizes = sorted(args.sizes)
    started = time.perf_counter()

    material = load_material()
    postings = generate_postings(sizes[-1], material, args.seed)
    tokenize("预热")  # load jieba's dictionary outside the timing
    start = time.perf_counter()
    documents = to_documents(postings)
    tokenize_rate = len(documents) / (time.perf_counter() - start)
    tokens_per_doc = statistics.mean(len(d.title_tokens) + len(d.body_tokens) for d in documents[:5000])
    chars_per_doc = statistics.mean(len(passage_text(p)) for p in postings[:5000])
    queries = generate_queries(args.queries, material, args.seed)
    query_tokens = [tokenize(q) for q in queries]

    model = Model(args.model, args.batch_size) if args.model else None
    dimensions = model.dimensions if model else args.dimensions
    encode_rate = None
    query_encode_ms: list[float] = []
    if model:
        sample = [passage_text(p) for p in random.Random(args.seed).sample(postings, args.encode_sample)]
        model.passages(sample[:8])  # warm-up
        start = time.perf_counter()
        model.passages(sample)
        encode_rate = len(sample) / (time.perf_counter() - start)
        model.query(queries[0])
        query_vectors = np.empty((len(queries), dimensions), np.float32)
        for i, query in enumerate(queries):
            ms, query_vectors[i] = timed(lambda query=query: model.query(query))
            query_encode_ms.append(ms)
    else:
        query_vectors = random_unit_vectors(len(queries), dimensions, args.seed + 2)
    if args.corpus_vectors == "model":
        vectors = corpus_vectors(postings, model, args.seed)
        vector_source = f"real: every posting encoded with {model.version} (cached in benchmarks/.cache/)"
    else:
        vectors = random_unit_vectors(len(postings), dimensions, args.seed + 3)
        vector_source = f"random unit vectors ({dimensions} dimensions), precomputed"
    query_source = f"encoded with {model.version} ('query: ' prefix)" if model else "random unit vectors"
    model_id = model.version if model else "random"

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="search_speed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    stack = contextlib.ExitStack()
    cluster = stack.enter_context(es_server.cluster(args)) if args.backend == "elasticsearch" else None
    try:
        results = [
            bench_size(
                size,
                documents,
                vectors,
                queries,
                query_tokens,
                query_vectors,
                query_encode_ms,
                material,
                workdir,
                args.seed,
                model_id,
                args.posting_queries,
                model,
                cluster,
            )
            for size in sizes
        ]
    finally:
        stack.close()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    command = "python benchmarks/search_speed.py " + shlex.join(sys.argv[1:] if argv is None else list(argv))
    print(f"command: `{command.strip()}`")
    print(machine_info())
    print(
        f"corpus: generated postings, mean {chars_per_doc:.0f} characters and {tokens_per_doc:.0f} tokens; "
        f"corpus vectors: {vector_source}; query vectors: {query_source}; {len(queries)} queries; "
        f"{CANDIDATES} candidates per channel; total run time {time.perf_counter() - started:.0f} s"
    )
    print()
    print(f"Tokenizing (jieba, shared by every backend): {tokenize_rate:.0f} postings/s.", end=" ")
    if encode_rate:
        print(
            f"Model encode rate (passages, batch {args.batch_size}, sample of {args.encode_sample}): "
            f"{encode_rate:.1f} postings/s; single query encode p50/p95 "
            f"{percentiles(query_encode_ms)[0]:.1f}/{percentiles(query_encode_ms)[1]:.1f} ms."
        )
    else:
        print("No model given: embedding not measured.")
    print()
    print(
        "| postings | index build, vectors precomputed | + tokenizing | + embedding (extrapolated) | "
        "finish (optimize, fsync) | rebuild swap into live index | index file | peak RSS |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        with_tokens = 1 / (1 / r["index_rate"] + 1 / tokenize_rate)
        with_embedding = f"{1 / (1 / with_tokens + 1 / encode_rate):.1f}/s" if encode_rate else "—"
        print(
            f"| {r['size']:,} | {r['index_rate']:,.0f}/s ({r['fill_s'] + r['finish_s']:.1f} s) | "
            f"{with_tokens:,.0f}/s | {with_embedding} | {r['finish_s']:.1f} s | {r['swap_s']:.1f} s | "
            f"{r['file_mb']:.0f} MB | {r['rss_mb']:,.0f} MB |"
        )
    print()
    encoded = " (incl. query encode)" if query_encode_ms else ""
    print(
        f"| postings | lexical FTS5 p50/p95 | semantic vec0 p50/p95 | semantic{encoded} | "
        f"filtered hybrid p50/p95 | filtered hybrid{encoded} | numpy cosine (exact) | numpy/scipy BM25 | "
        f"recall@10 | filtered recall@10 |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        lat = r["latency"]
        with_encode = r.get("latency_with_encode", {})

        def cell(pair: tuple[float, float] | None) -> str:
            return f"{pair[0]:.1f} / {pair[1]:.1f} ms" if pair else "—"

        print(
            f"| {r['size']:,} | {cell(lat['lexical'])} | {cell(lat['semantic'])} | "
            f"{cell(with_encode.get('semantic'))} | {cell(lat['hybrid'])} | {cell(with_encode.get('hybrid'))} | "
            f"{cell(lat['numpy_cosine'])} | {cell(lat['numpy_bm25'])} | {r['recall']:.3f} | "
            f"{r['filtered_recall']:.3f} ({r['filtered_queries']} q) |"
        )
    print()
    print("| postings | whole posting as query: distinct tokens | lexical FTS5 p50/p95 | numpy/scipy BM25 p50/p95 |")
    print("| ---: | ---: | ---: | ---: |")
    for r in results:
        (p50, p95), (b50, b95) = r["latency"]["posting_lexical"], r["latency"]["posting_bm25"]
        print(f"| {r['size']:,} | {r['posting_tokens']:.0f} | {p50:.0f} / {p95:.0f} ms | {b50:.1f} / {b95:.1f} ms |")
    print()
    print(
        "Hybrid = the product's search path (the need read from the query by the intent classifier, "
        "matching.gather, matching.score: lexical, semantic and crosswalk channels, "
        f"{CANDIDATES} candidates each, documents fetched, score fusion and signals) with filters "
        "direction=offer, one sector and the counties of one prefecture. The numpy BM25 baseline "
        "builds in "
        + ", ".join(f"{r['bm25_build_s']:.1f} s ({r['size']:,})" for r in results)
        + "; it scores title+body without field weights. Peak RSS is the process's running maximum "
        "(includes the corpus, the baselines and the model)."
    )
    if cluster is not None:
        print()
        print_elasticsearch(results, cluster, bool(query_encode_ms))


if __name__ == "__main__":
    main()
