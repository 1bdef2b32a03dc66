"""Search backends behind one interface, the embedder, and keeping the index in step with the database.

Only this package imports the search libraries and sentence-transformers. An app gets its
`SearchIndex` (backend + embedder) lazily on first use: building it opens no files and
loads no model.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app

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
    from matchmaker.indexing.embedded import EmbeddedBackend
    from matchmaker.indexing.embedder import EmbeddingCache, SentenceTransformerEmbedder

    folder = Path(config["MATCHMAKER_HOME"]) / "search"
    embedder = SentenceTransformerEmbedder(
        config["MATCHMAKER_EMBEDDING_MODEL"],
        cache=EmbeddingCache(folder / "embeddings.sqlite"),
        max_seq_length=config["MATCHMAKER_EMBEDDING_MAX_TOKENS"],
    )
    log.info("search backend: embedded index in %s; embedding model %s", folder, embedder.model_name)
    return SearchIndex(
        backend=EmbeddedBackend(folder / "index.sqlite"), embedder=embedder, lock_path=folder / "index.lock"
    )


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
