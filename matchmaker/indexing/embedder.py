"""Sentence embeddings: the configured sentence-transformers model, a persistent cache, a fake for tests.

The model loads once per process, on first use, with the model hub switched off (these
machines cannot reach it; a model is a local folder or an already cached name). Document
vectors are cached on disk by model and text, so re-indexing unchanged text costs nothing;
query vectors are also kept in a small in-process cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Protocol

import numpy as np

from matchmaker.indexing.base import SearchError

log = logging.getLogger(__name__)


class ModelUnavailable(SearchError):
    """The configured embedding model cannot be loaded (not prepared, or not available offline)."""


class Embedder(Protocol):
    model_id: str  # identifies the weights and settings; stored with the index and the cache keys
    dimensions: int

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""

    def encode_query(self, text: str) -> np.ndarray:
        """The L2-normalised float32 vector of a search query."""


class EmbeddingCache:
    """Document vectors on disk (SQLite) keyed by model id and text; shared by processes."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
            self._local.connection = connection
        return connection

    @staticmethod
    def key(model_id: str, text: str) -> str:
        return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        connection = self._connection()
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            rows = connection.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk
            )
            found.update((key, np.frombuffer(blob, dtype=np.float32)) for key, blob in rows)
        return found

    def put_many(self, items: dict[str, np.ndarray], *, replace: bool = True) -> None:
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        with self._connection() as connection:
            connection.executemany(
                f"{verb} INTO vectors (key, vector) VALUES (?, ?)",
                [(key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in items.items()],
            )


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder (or a name already in the local cache)."""

    def __init__(
        self,
        model: str,
        *,
        cache: EmbeddingCache | None = None,
        max_seq_length: int | None = None,
        batch_size: int = 32,
    ):
        self.model_name = model
        self.cache = cache
        self.max_seq_length = max_seq_length
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self.model_id = model_id_of(model, max_seq_length)

    @property
    def dimensions(self) -> int:
        return self.model.get_embedding_dimension()

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _load(self.model_name, self.max_seq_length)
        return self._model

    def _encode(self, texts: Sequence[str], prompt_names: tuple[str, ...]) -> np.ndarray:
        model = self.model
        prompt_name = next((name for name in prompt_names if name in model.prompts), None)
        vectors = model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        if self.cache is None:
            return self._encode(texts, ("document", "passage"))
        keys = [EmbeddingCache.key(self.model_id, text) for text in texts]
        cached = self.cache.get_many(keys)
        missing = list(dict.fromkeys(text for key, text in zip(keys, texts, strict=True) if key not in cached))
        if missing:
            fresh = self._encode(missing, ("document", "passage"))
            new = {EmbeddingCache.key(self.model_id, text): vector for text, vector in zip(missing, fresh, strict=True)}
            self.cache.put_many(new)
            cached.update(new)
        return np.stack([cached[key] for key in keys])

    def encode_query(self, text: str) -> np.ndarray:
        return self._encode_query_cached(text).copy()

    @functools.lru_cache(maxsize=2048)  # noqa: B019 - one embedder per process; the cache lives as long
    def _encode_query_cached(self, text: str) -> np.ndarray:
        return self._encode([text], ("query",))[0]


def _load(model: str, max_seq_length: int | None):
    os.environ["HF_HUB_OFFLINE"] = "1"  # never reach for a model hub at run time
    from sentence_transformers import SentenceTransformer

    log.info("loading embedding model %s", model)
    # The prepared e5 folder sets "passage" as its default prompt on purpose (un-prefixed e5 text
    # embeds worse); sentence-transformers warns about that on every load. We name prompts anyway.
    loader_log = logging.getLogger("sentence_transformers.base.model")
    level = loader_log.level
    loader_log.setLevel(logging.ERROR)
    try:
        loaded = SentenceTransformer(model, device="cpu", local_files_only=True)
    except OSError as exc:
        raise ModelUnavailable(
            f"cannot load the embedding model {model!r} ({exc}): run `matchmaker models prepare` "
            "or set MATCHMAKER_EMBEDDING_MODEL to a local model folder"
        ) from exc
    finally:
        loader_log.setLevel(level)
    if max_seq_length:
        loaded.max_seq_length = max_seq_length
    return loaded


def model_id_of(model: str, max_seq_length: int | None) -> str:
    """Name plus a fingerprint of the weights, so a changed model never reuses old vectors."""
    folder = Path(model)
    fingerprint = "name"
    marker = folder / "matchmaker_model.json"
    if marker.exists():
        fingerprint = json.loads(marker.read_text())["model_version"]
    elif folder.is_dir():
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in {".json", ".safetensors", ".bin"})
        fingerprint = hashlib.sha256("".join(f"{p.name}:{p.stat().st_size}" for p in files).encode()).hexdigest()[:16]
    return f"{folder.name or model}@{fingerprint}/seq{max_seq_length or 'default'}"


class FakeEmbedder:
    """Deterministic embeddings from hashed tokens, for tests that are not about the model.

    Texts sharing tokens get similar vectors, so ranking tests still mean something.
    """

    model_id = "fake-hashed-tokens@1"

    def __init__(self, dimensions: int = 64):
        self.dimensions = dimensions

    def _vector(self, text: str) -> np.ndarray:
        from matchmaker.text.tokenizer import tokenize

        vector = np.zeros(self.dimensions, dtype=np.float32)
        for token in tokenize(text) or [text]:
            digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
            vector[int.from_bytes(digest[:4], "little") % self.dimensions] += 1.0
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimensions), np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self._vector(text)


def write_vectors_file(path: Path, model_id: str, keys: Sequence[str], vectors: np.ndarray) -> None:
    """Save cache entries (keys as made by EmbeddingCache.key) to ship with the product, in float16."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path, model_id=np.array(model_id), keys=np.array(keys), vectors=np.asarray(vectors, dtype=np.float16)
    )


def seed_cache(cache: EmbeddingCache, path: Path | Traversable, model_id: str) -> int:
    """Load shipped vectors into the cache if they were made with this model; return how many."""
    if not path.exists():
        return 0
    with path.open("rb") as file, np.load(file) as shipped:
        if str(shipped["model_id"]) != model_id:
            log.info("shipped vectors in %s are for %s, not %s: not used", path, shipped["model_id"], model_id)
            return 0
        entries = dict(zip(shipped["keys"].tolist(), shipped["vectors"].astype(np.float32), strict=True))
    cache.put_many(entries, replace=False)  # vectors computed here (float32) win over shipped float16 ones
    return len(entries)
