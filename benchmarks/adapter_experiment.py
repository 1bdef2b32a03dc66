"""Does a small query-side adapter for multilingual-e5-small help? (issue 11, item 5)

    .venv/bin/python benchmarks/adapter_experiment.py [--rank 32] [--epochs 30] [--dev-eval ../shared/dev-eval]

The adapter is a low-rank residual map on query vectors, q' = normalise(q + q·D·U), trained
with in-batch contrastive loss (temperature 0.05) on public pairs from ../shared/data: the
MOHRSS occupation–major guide's occupations ("招聘<occupation>") against the majors'
training goals from the Ministry's profiles (the passage side stays as indexed). A tenth of
the occupations is held out. It reports the held-out recall@10 of majors and, on the
judged sets, nDCG@10 of dense retrieval over the offers with and without the adapter, per
group. The product does not ship the adapter (docs/BENCHMARKS.md says why); this script
keeps the experiment reproducible.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import judged  # noqa: E402

from matchmaker.extensions import db  # noqa: E402
from matchmaker.indexing.base import SearchFilters  # noqa: E402
from matchmaker.indexing.embedder import SentenceTransformerEmbedder  # noqa: E402
from matchmaker.models import Posting  # noqa: E402

TEMPERATURE = 0.05
BATCH = 256


def pairs_from(data: Path) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(occupation, major) pairs of the guide whose major has a profile, and each major's passage text."""
    goals: dict[str, str] = {}
    for line in (data / "moe_major_profiles_2022.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        name = row.get("major_name") or row.get("major_name_in_profile")
        if name and row.get("training_goal"):
            goals.setdefault(name, f"{name}专业\n{row['training_goal'][:200]}")
    with (data / "mohrss_occupation_major_guide_2023.csv").open(encoding="utf-8") as rows:
        pairs = [(r["occupation_name"], r["major_name"]) for r in csv.DictReader(rows) if r["major_name"] in goals]
    return pairs, goals


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rank", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--dev-eval", type=Path, default=ROOT.parent / "shared" / "dev-eval")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", default=str(ROOT / "instance" / "models" / "multilingual-e5-small"))
    args = parser.parse_args()
    torch.manual_seed(0)
    rng = random.Random(0)

    embedder = SentenceTransformerEmbedder(args.model, max_seq_length=128)
    pairs, goals = pairs_from(args.data)
    majors = sorted({m for _, m in pairs})
    occupations = sorted({o for o, _ in pairs})
    print(f"{len(pairs)} pairs, {len(majors)} majors, {len(occupations)} occupations")
    passages = torch.tensor(np.asarray(embedder.encode_documents([goals[m] for m in majors])))
    queries = torch.tensor(np.stack([embedder.encode_query(f"招聘{o}") for o in occupations]))
    major_of, occupation_of = {m: i for i, m in enumerate(majors)}, {o: i for i, o in enumerate(occupations)}
    shuffled = occupations[:]
    rng.shuffle(shuffled)
    held_out = set(shuffled[: len(shuffled) // 10])
    train = [(occupation_of[o], major_of[m]) for o, m in pairs if o not in held_out]
    test = [(occupation_of[o], major_of[m]) for o, m in pairs if o in held_out]

    down = torch.nn.Parameter(torch.randn(queries.shape[1], args.rank) * 0.01)
    up = torch.nn.Parameter(torch.zeros(args.rank, queries.shape[1]))

    def adapt(q):
        moved = q + (q @ down) @ up
        return moved / moved.norm(dim=-1, keepdim=True)

    def recall_at_10(items) -> float:
        with torch.no_grad():
            top = torch.topk(adapt(queries) @ passages.T, 10).indices
        return sum(m in top[o].tolist() for o, m in items) / len(items)

    before = recall_at_10(test)
    optimiser = torch.optim.Adam([down, up], lr=1e-3)
    for _ in range(args.epochs):
        rng.shuffle(train)
        for start in range(0, len(train), BATCH):
            batch = train[start : start + BATCH]
            logits = adapt(queries[[o for o, _ in batch]]) @ passages.T / TEMPERATURE
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor([m for _, m in batch]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    print(f"held-out occupations, recall@10 of their majors: {before:.3f} → {recall_at_10(test):.3f}\n")

    print("| set | retrieval | " + " | ".join(("all", *judged.GROUPS)) + " |")
    print("|---|---|" + "---:|" * (1 + len(judged.GROUPS)))
    for judged_set in judged.available_sets(ROOT, args.dev_eval):
        home = ROOT / "benchmarks" / ".cache" / f"judged-{judged_set.corpus_digest()[:12]}"
        context, index = judged.open_instance(home, judged_set.corpus, args.model)
        refs = dict(db.session.execute(db.select(Posting.id, Posting.ref)).all())
        runs: dict[str, dict[str, list[str]]] = {"dense e5": {}, "dense e5 + adapter": {}}
        for query in judged_set.queries:
            vector = index.embedder.encode_query(query["query"])
            with torch.no_grad():
                adapted = adapt(torch.tensor(vector)[None, :])[0].numpy()
            for name, v in (("dense e5", vector), ("dense e5 + adapter", adapted)):
                hits = index.backend.semantic(v, SearchFilters(direction="offer"), judged.K)
                runs[name][query["id"]] = [refs[hit.id] for hit in hits]
        scores = judged.score_runs(judged_set, runs)
        for name in runs:
            by_group = scores.by_group[name]
            cells = " | ".join(
                f"{by_group[g]['nDCG@10']:.3f}" if g in by_group else "—" for g in ("all", *judged.GROUPS)
            )
            print(f"| {judged_set.name} | {name} | {cells} |")
        db.session.remove()
        context.pop()


if __name__ == "__main__":
    main()
