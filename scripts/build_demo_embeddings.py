"""Write matchmaker/data/demo/embeddings.npz: the demo postings' vectors, so `make demo` need not embed them.

Usage: .venv/bin/python scripts/build_demo_embeddings.py [--model FOLDER]

Loads the demo data into a scratch instance with the real model (slow: every posting is
embedded once), then saves the vectors of the demo postings' embedding texts with the
model's id. `matchmaker load-demo` seeds the embedding cache from this file when the
configured model has the same id. Run it again whenever the demo data, the embedded text
(indexing/documents.py) or the model changes; tests/test_demo.py checks that it is current.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from matchmaker import create_app, demo  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.indexing import get_search_index  # noqa: E402
from matchmaker.indexing.documents import embedding_text  # noqa: E402
from matchmaker.indexing.embedder import EmbeddingCache, write_vectors_file  # noqa: E402
from matchmaker.indexing.sync import reindex  # noqa: E402
from matchmaker.models import Posting  # noqa: E402
from matchmaker.transfer import import_rows  # noqa: E402

TARGET = ROOT / "matchmaker" / "data" / "demo" / "embeddings.npz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "instance" / "models" / "multilingual-e5-small"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        app = create_app({"HOME": home, "EMBEDDING_MODEL": args.model, "LOG_LEVEL": "WARNING"})
        with app.app_context():
            upgrade()
            report = import_rows(demo.demo_rows(), is_demo=True)
            assert report.written, report.errors[:3]
            db.session.commit()
            index = get_search_index()
            reindex(index)
            model_id = index.embedder.model_id
            texts = sorted({embedding_text(p) for p in db.session.scalars(db.select(Posting))})
            keys = [EmbeddingCache.key(model_id, text) for text in texts]
            vectors = index.embedder.encode_documents(texts)  # all cached by now
    write_vectors_file(TARGET, model_id, keys, vectors)
    print(f"wrote {len(keys)} vectors for {model_id} to {TARGET}")


if __name__ == "__main__":
    main()
