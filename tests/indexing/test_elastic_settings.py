"""Choosing the Elasticsearch backend by configuration: what is built, when it connects, what it sends."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

from matchmaker import create_app
from matchmaker.indexing import build_backend, get_search_index
from matchmaker.indexing.elastic import ElasticsearchBackend
from matchmaker.indexing.embedded import EmbeddedBackend
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_backend_follows_the_setting_and_connects_only_when_used(tmp_path, caplog):
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: building must not notice
    settings = {
        "HOME": str(tmp_path),
        "SEARCH_BACKEND": "elasticsearch",
        "ELASTICSEARCH_URL": f"{closed}, http://127.0.0.1:{free_port()}",
        "ELASTICSEARCH_INDEX_PREFIX": "province-a",
        "ELASTICSEARCH_API_KEY": "c2VjcmV0",
        "ELASTICSEARCH_REPLICAS": "2",
    }
    app = create_app(settings)
    with caplog.at_level(logging.INFO, logger="matchmaker.indexing"), app.app_context():
        backend = get_search_index(app).backend
    assert isinstance(backend, ElasticsearchBackend)
    assert backend._client_instance is None  # nothing connected yet
    assert backend.settings.alias == "province-a-postings"
    assert backend.settings.replica_settings == {"auto_expand_replicas": False, "number_of_replicas": 2}
    assert any("Elasticsearch at" in r.message and "province-a-postings" in r.message for r in caplog.records)

    client = backend.client
    assert len(client.transport.node_pool.all()) == 2  # both addresses of the comma-separated list
    assert client._headers["authorization"] == "ApiKey c2VjcmV0"

    default = create_app({"HOME": str(tmp_path / "other")})
    assert isinstance(build_backend(default.config), EmbeddedBackend)


def test_only_the_indexing_package_imports_elasticsearch():
    importers = []
    for path in (ROOT / "matchmaker").rglob("*.py"):
        if path.parent.name == "indexing":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(
                name == "elasticsearch" or name.startswith(("elasticsearch.", "elastic_transport")) for name in names
            ):
                importers.append(str(path.relative_to(ROOT)))
    assert importers == []
