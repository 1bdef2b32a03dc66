"""Train the intent classifier (matchmaker.intent) for the default embedding model and ship it.

    .venv/bin/python scripts/train_intent.py [--model PATH] [--dev-eval ../shared/dev-eval]

Writes matchmaker/data/intent/demo_needs.jsonl (examples from the demo data's needs) and the
trained weights, matchmaker/data/intent/<model id>.npz, then prints the classifier's accuracy
on the judged sets' queries (who asks, for what), which it was not trained on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matchmaker import demo, intent  # noqa: E402
from matchmaker.indexing.embedder import SentenceTransformerEmbedder  # noqa: E402

TARGET = ROOT / "matchmaker" / "data" / "intent"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(ROOT / "instance" / "models" / "multilingual-e5-small"))
    parser.add_argument("--dev-eval", type=Path, default=ROOT.parent / "shared" / "dev-eval")
    args = parser.parse_args()

    needs = intent.demo_need_examples(row for _, row in demo.demo_rows())
    with (TARGET / "demo_needs.jsonl").open("w", encoding="utf-8") as out:
        for example in needs:
            out.write(json.dumps(example, ensure_ascii=False) + "\n")
    embedder = SentenceTransformerEmbedder(args.model, max_seq_length=128)
    examples = intent.training_examples()
    print(f"{len(examples)} examples:", dict(Counter(f"{s}:{c}" for _, s, c in examples)))
    model = intent.train(embedder, examples)
    path = TARGET / intent.shipped_path(embedder.model_id)
    model.save(path)
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")

    for folder in (ROOT / "benchmarks" / "judged", args.dev_eval / "judged"):
        if not (folder / "queries.jsonl").exists():
            continue
        queries = [json.loads(line) for line in (folder / "queries.jsonl").open(encoding="utf-8")]
        right = Counter()
        sides = 0
        for query in queries:
            side, category, _ = model.read(query["query"], embedder.encode_query(query["query"])).best()
            right[query["group"]] += (side, category) == (query["seeker"], query["seeker_category"])
            sides += side == query["seeker"]
        groups = Counter(q["group"] for q in queries)
        print(
            f"{folder}: side and kind right for {sum(right.values())}/{len(queries)}, side for {sides}/{len(queries)}; "
            + ", ".join(f"{g} {right[g]}/{n}" for g, n in groups.items())
        )


if __name__ == "__main__":
    main()
