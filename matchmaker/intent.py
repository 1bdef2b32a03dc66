"""Who is asking for what: the side of the seeker and the kind of need a query expresses.

A search reads its query as a need: an enterprise's talent need, a school's wish for
industry mentors, … The reading is a probability over (side, need category) pairs, from:

- the query text, by a small classifier (logistic regression over the query's embedding and
  its character n-grams), trained by `train` on the package's labelled examples
  (data/intent/examples.jsonl) and the demo data's needs, and measured on the judged sets
  (docs/BENCHMARKS.md);
- what is known of the seeker: the logged-in member's organization, a 我是企业 / 我是院校 choice
  on the search page, or the posting being matched, which fix the side (or the whole need).

The trained weights for the default embedding model ship in data/intent/<model>.npz; for any
other model they are trained on first use and kept under MATCHMAKER_HOME.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matchmaker.data import data_dir
from matchmaker.text.tokenizer import normalize_text

log = logging.getLogger(__name__)
SIDES = ("enterprise", "school")
HASHED_FEATURES = 2**14
EMBEDDING_SCALE = 2.0  # the embedding's weight against the n-grams' (both vectors have unit length)
REGULARISATION_C = 16.0
_lock = threading.Lock()


@dataclass(frozen=True)
class Intent:
    """A reading of a need: probability of each (side, need category); `source` says where it comes from."""

    probabilities: dict[tuple[str, str], float]
    source: str  # "text", "side" (text with the side known) or "posting"

    def side(self, side: str) -> float:
        return sum(p for (s, _), p in self.probabilities.items() if s == side)

    def best(self) -> tuple[str, str, float]:
        (side, category), p = max(self.probabilities.items(), key=lambda item: (item[1], item[0]))
        return side, category, p

    def with_side(self, side: str) -> Intent:
        """The same reading for a seeker whose side is known."""
        kept = {key: p for key, p in self.probabilities.items() if key[0] == side}
        total = sum(kept.values())
        if total <= 0:
            return self
        return Intent({key: p / total for key, p in kept.items()}, "side")

    @classmethod
    def known(cls, side: str, category: str) -> Intent:
        """A need whose side and category are known (a posting being matched)."""
        return cls({(side, category): 1.0}, "posting")


@dataclass(frozen=True)
class IntentModel:
    model_id: str
    classes: tuple[tuple[str, str], ...]
    weights: np.ndarray  # (classes, embedding dimensions + HASHED_FEATURES)
    bias: np.ndarray

    def read(self, text: str, vector: np.ndarray) -> Intent:
        row = _features([text], np.asarray(vector, dtype=np.float32)[None, :])
        logits = np.asarray(row @ self.weights.T).ravel() + self.bias
        odds = np.exp(logits - logits.max())
        odds /= odds.sum()
        return Intent({cls: float(p) for cls, p in zip(self.classes, odds, strict=True)}, "text")

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            model_id=self.model_id,
            classes=np.array([f"{s}:{c}" for s, c in self.classes]),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
        )

    @classmethod
    def load(cls, file) -> IntentModel:
        with np.load(file) as stored:
            return cls(
                str(stored["model_id"]),
                tuple(tuple(name.split(":", 1)) for name in stored["classes"].tolist()),
                stored["weights"].astype(np.float32),
                stored["bias"],
            )


def _hashed(texts: Sequence[str]):
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(
        analyzer="char", ngram_range=(1, 3), n_features=HASHED_FEATURES, alternate_sign=False, norm="l2"
    )
    return vectorizer.transform([normalize_text(t) for t in texts])


def _features(texts: Sequence[str], vectors: np.ndarray):
    """Sparse rows: the scaled embedding, then the hashed character n-grams."""
    from scipy.sparse import csr_matrix, hstack

    return hstack([csr_matrix(vectors * EMBEDDING_SCALE), _hashed(texts)]).tocsr().astype(np.float32)


def training_examples() -> list[tuple[str, str, str]]:
    """(text, side, category): the hand-written examples (data/intent/examples.jsonl) and the demo data's needs
    (data/intent/demo_needs.jsonl, written by scripts/train_intent.py)."""
    examples = []
    for name in ("examples.jsonl", "demo_needs.jsonl"):
        with (data_dir("intent") / name).open(encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                examples.append((row["text"], row["side"], row["category"]))
    return examples


def demo_need_examples(rows: Iterable[dict]) -> list[dict[str, str]]:
    """Examples from the needs among import rows: each need's title, and its title with the start of its
    description, labelled with its organization's side and its category."""
    rows = list(rows)
    sides = {row["ref"]: row["kind"] for row in rows if row["type"] == "organization"}
    examples = []
    for row in rows:
        if row["type"] == "posting" and row["direction"] == "need":
            label = {"side": sides[row["org"]], "category": row["category"]}
            examples.append({"text": row["title"], **label})
            examples.append({"text": f"{row['title']}。{row.get('description', '')[:60]}", **label})
    return examples


def train(embedder, examples: Iterable[tuple[str, str, str]] | None = None) -> IntentModel:
    """Fit the classifier on the examples (default: `training_examples()`) with this embedder's vectors."""
    from sklearn.linear_model import LogisticRegression

    examples = list(examples if examples is not None else training_examples())
    texts = [text for text, _, _ in examples]
    labels = [f"{side}:{category}" for _, side, category in examples]
    vectors = np.stack([embedder.encode_query(text) for text in texts])
    classifier = LogisticRegression(C=REGULARISATION_C, max_iter=5000, class_weight="balanced")
    classifier.fit(_features(texts, vectors), labels)
    classes = tuple(tuple(name.split(":", 1)) for name in classifier.classes_)
    return IntentModel(embedder.model_id, classes, classifier.coef_.astype(np.float32), classifier.intercept_)


def shipped_path(model_id: str) -> str:
    """The file name a model's trained weights have (the model id made safe for a file name)."""
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in model_id) + ".npz"


_models: dict[str, IntentModel] = {}


def model_for(embedder, home: Path | None) -> IntentModel:
    """The trained classifier for this embedder: shipped, kept under `home`, or trained now (once per process)."""
    with _lock:
        model = _models.get(embedder.model_id)
        if model is None:
            model = _models[embedder.model_id] = _load_or_train(embedder, home)
        return model


def _load_or_train(embedder, home: Path | None) -> IntentModel:
    shipped = data_dir("intent") / shipped_path(embedder.model_id)
    if shipped.is_file():
        with shipped.open("rb") as file:
            return IntentModel.load(file)
    kept = home / "models" / f"intent-{shipped_path(embedder.model_id)}" if home else None
    if kept is not None and kept.is_file():
        return IntentModel.load(kept)
    log.info("training the intent classifier for %s (once; kept under MATCHMAKER_HOME)", embedder.model_id)
    model = train(embedder)
    if kept is not None:
        model.save(kept)
    return model
