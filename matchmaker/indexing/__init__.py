"""Search backends behind one interface, the embedder, and keeping the index in step with the database.

Only this package imports the search libraries and sentence-transformers. An app gets its
`SearchIndex` (backend + embedder) lazily on first use: building it opens no files and
loads no model.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app

from matchmaker.indexing.base import SearchBackend
from matchmaker.indexing.service import SearchIndex

log = logging.getLogger(__name__)
EXTENSION = "matchmaker.search"


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = None


def get_search_index(app: Flask | None = None) -> SearchIndex:
    """The app's search index, built on first use from the settings."""
    app = app or current_app._get_current_object()
    index = app.extensions.get(EXTENSION)
    if index is None:
        index = app.extensions[EXTENSION] = build_search_index(app.config)
    return index


def set_search_index(app: Flask, index: SearchIndex) -> None:
    """Use this index instead of the configured one (tests pass a fake embedder this way)."""
    app.extensions[EXTENSION] = index


def build_search_index(config) -> SearchIndex:
    from matchmaker.indexing.embedder import EmbeddingCache, SentenceTransformerEmbedder

    folder = Path(config["MATCHMAKER_HOME"]) / "search"
    embedder = SentenceTransformerEmbedder(
        config["MATCHMAKER_EMBEDDING_MODEL"],
        cache=EmbeddingCache(folder / "embeddings.sqlite"),
        max_seq_length=config["MATCHMAKER_EMBEDDING_MAX_TOKENS"],
    )
    backend = build_backend(config)
    log.info("search backend: %s; embedding model %s", backend, embedder.model_name)
    return SearchIndex(backend=backend, embedder=embedder, lock_path=folder / "index.lock")


def build_backend(config) -> SearchBackend:
    """The configured backend (MATCHMAKER_SEARCH_BACKEND); it connects or opens its file on first use."""
    if config["MATCHMAKER_SEARCH_BACKEND"] == "elasticsearch":
        from matchmaker.indexing.elastic import ClusterSettings, ElasticsearchBackend

        return ElasticsearchBackend(
            ClusterSettings(
                url=config["MATCHMAKER_ELASTICSEARCH_URL"],
                index_prefix=config["MATCHMAKER_ELASTICSEARCH_INDEX_PREFIX"],
                api_key=config["MATCHMAKER_ELASTICSEARCH_API_KEY"],
                username=config["MATCHMAKER_ELASTICSEARCH_USERNAME"],
                password=config["MATCHMAKER_ELASTICSEARCH_PASSWORD"],
                ca_certs=config["MATCHMAKER_ELASTICSEARCH_CA_CERTS"],
                request_timeout=config["MATCHMAKER_ELASTICSEARCH_TIMEOUT"],
                shards=config["MATCHMAKER_ELASTICSEARCH_SHARDS"],
                replicas=config["MATCHMAKER_ELASTICSEARCH_REPLICAS"],
            )
        )
    from matchmaker.indexing.embedded import EmbeddedBackend

    return EmbeddedBackend(Path(config["MATCHMAKER_HOME"]) / "search" / "index.sqlite")


def warm_up(app: Flask) -> None:
    """Load what the first search needs (model, intent classifier, crosswalk, tokenizer) so no user waits for it.

    For an embedding model without a shipped intent classifier this is where it is trained
    (minutes on a CPU; kept under MATCHMAKER_HOME for the next start).

    Meant for a background thread right after a server process starts; failures are only logged
    (the first search will then report them).
    """
    from matchmaker import intent
    from matchmaker.text import crosswalk
    from matchmaker.text.tokenizer import tokenize

    try:
        with app.app_context():
            tokenize("预热")
            crosswalk.load()
            embedder = get_search_index(app).embedder
            embedder.encode_query("预热")
            intent.model_for(embedder, Path(app.config["MATCHMAKER_HOME"]))
        log.info("search warmed up")
    except Exception:  # noqa: BLE001 - a warm-up must never take the server down
        log.exception("warming up search failed")


def warm_up_in_background(app: Flask) -> None:
    import threading

    threading.Thread(target=warm_up, args=(app,), name="warm-up", daemon=True).start()
