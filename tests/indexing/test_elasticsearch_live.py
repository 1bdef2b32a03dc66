"""A live Elasticsearch answers the requests the search backend will make (through the official client).

Runs against every distribution `make test` caches (8.x on Java 17, 9.x on Java 21+) or
against MATCHMAKER_TEST_ELASTICSEARCH_URL. The text is pre-tokenised with the product's
own jieba tokenizer and indexed with the whitespace analyzer, as the backend will do.
"""

from __future__ import annotations

import uuid

import pytest
from elasticsearch import Elasticsearch, helpers

from matchmaker.indexing.embedder import FakeEmbedder
from matchmaker.text.tokenizer import tokenize

DOCUMENTS = [
    ("1", "need", "talent", "equipment", "520102", "招聘数控车床操作工，要求熟悉数控编程"),
    ("2", "offer", "program", "equipment", "520102", "数控技术专业毕业生推荐，欢迎企业订单培养"),
    ("3", "offer", "program", "tea", "520328", "茶叶生产与加工技术专业，面向茶叶企业"),
    ("4", "offer", "technology", "equipment", "520302", "数控机床故障诊断与维修技术服务"),
]


@pytest.fixture
def es(elasticsearch_url):
    client = Elasticsearch(elasticsearch_url, request_timeout=30)
    index = f"matchmaker-test-smoke-{uuid.uuid4().hex[:8]}"
    yield client, index
    client.indices.delete(index=index, ignore_unavailable=True)
    client.close()


def test_bm25_aggregations_highlight_and_knn_on_pretokenised_chinese(es):
    client, index = es
    embedder = FakeEmbedder(dimensions=384)
    client.indices.create(
        index=index,
        settings={"number_of_shards": 1, "number_of_replicas": 0},
        mappings={
            "dynamic": "strict",
            "properties": {
                "text": {"type": "text", "analyzer": "whitespace"},
                "direction": {"type": "keyword"},
                "category": {"type": "keyword"},
                "sector": {"type": "keyword"},
                "region": {"type": "keyword"},
                "vector": {"type": "dense_vector", "dims": 384, "index": True, "similarity": "cosine"},
            },
        },
    )
    vectors = embedder.encode_documents([text for *_, text in DOCUMENTS])
    indexed, errors = helpers.bulk(
        client,
        [
            {
                "_index": index,
                "_id": ref,
                "direction": direction,
                "category": category,
                "sector": sector,
                "region": region,
                "text": " ".join(tokenize(text)),
                "vector": vector.tolist(),
            }
            for (ref, direction, category, sector, region, text), vector in zip(DOCUMENTS, vectors, strict=True)
        ],
        refresh="wait_for",
    )
    assert (indexed, errors) == (4, [])

    offers = {"term": {"direction": "offer"}}
    lexical = client.search(
        index=index,
        query={"bool": {"must": {"match": {"text": " ".join(tokenize("数控 毕业生"))}}, "filter": [offers]}},
        aggs={"sectors": {"terms": {"field": "sector"}}},
        highlight={"fields": {"text": {}}},
    )
    hits = lexical["hits"]["hits"]
    # The need (ref 1) shares 数控 but is filtered out; the graduates' offer ranks first.
    assert [hit["_id"] for hit in hits] == ["2", "4"]
    assert "<em>数控</em>" in hits[0]["highlight"]["text"][0] and "<em>毕业生</em>" in hits[0]["highlight"]["text"][0]
    assert {b["key"]: b["doc_count"] for b in lexical["aggregations"]["sectors"]["buckets"]} == {"equipment": 2}

    semantic = client.search(
        index=index,
        knn={
            "field": "vector",
            "query_vector": embedder.encode_query("茶叶加工专业").tolist(),
            "k": 2,
            "num_candidates": 10,
            "filter": {"bool": {"filter": [offers, {"term": {"sector": "tea"}}]}},
        },
    )
    assert [hit["_id"] for hit in semantic["hits"]["hits"]] == ["3"]

    whitespace = client.indices.analyze(index=index, field="text", text="数控 车床")
    assert [token["token"] for token in whitespace["tokens"]] == ["数控", "车床"]
