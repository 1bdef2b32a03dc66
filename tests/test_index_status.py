"""What operators see of the search index: `matchmaker index-status` and the coordinator's status page."""

from __future__ import annotations

import json

import pytest

from matchmaker.indexing import get_search_index, set_search_index
from matchmaker.indexing.elastic import ClusterSettings, ElasticsearchBackend
from matchmaker.indexing.service import SearchIndex
from tests.servers import free_port

pytestmark = pytest.mark.both_backends


def test_index_status_compares_the_index_with_the_database(app, cli, make_org, make_posting, search_backend):
    org = make_org(kind="school")
    for n in range(3):
        make_posting(org, title=f"数控技术专业{n}")

    report = json.loads(cli("index-status").output)

    assert report["backend"] == search_backend
    assert (report["documents"], report["expected_documents"], report["pending_changes"]) == (3, 3, 0)
    assert report["current"] is True and report["error"] is None
    facts = report["index"]
    if search_backend == "elasticsearch":
        assert facts["alias"].endswith("-postings") and facts["index"].startswith(facts["alias"] + "-v")
        assert facts["health"] in {"green", "yellow"} and int(facts["bytes"]) > 0 and facts["version"]
    else:
        assert facts["path"].endswith("index.sqlite") and int(facts["bytes"]) > 0


def test_a_cluster_that_cannot_be_reached_is_reported_with_the_backlog(
    app, cli, client, login, make_org, make_posting, search_backend, request
):
    if search_backend == "embedded":
        return  # a file cannot be unreachable; the missing-index case is tested in web/test_api_search.py
    with app.app_context():
        index = get_search_index()
    down = ElasticsearchBackend(ClusterSettings(f"http://127.0.0.1:{free_port()}", retries=0, request_timeout=2))
    set_search_index(app, SearchIndex(backend=down, embedder=index.embedder, lock_path=index.lock_path))
    request.addfinalizer(lambda: set_search_index(app, index))  # the fixture deletes the real index
    make_posting(make_org(kind="school"), title="数控技术专业")  # saved; the worker cannot index it
    coordinator = login(role="coordinator")

    report = json.loads(cli("index-status").output)
    page = coordinator.get("/coordinator/status").get_data(as_text=True)
    search = client.get("/api/v1/search?q=数控")

    assert report["error"] and "cannot be reached" in report["error"] and report["current"] is False
    assert report["expected_documents"] == report["pending_changes"] == 1
    assert "无法连接搜索服务" in page
    assert search.status_code == 503 and "search service cannot be reached" in search.json["message"]
    page = client.get("/search?q=数控")
    assert page.status_code == 503 and "搜索服务暂时无法连接" in page.get_data(as_text=True)
