"""An Elasticsearch for the benchmarks: a running cluster (--elasticsearch-url) or one started from `.cache/`.

A started server is a single node from a cached distribution (tests/servers.py: loopback, a
free port, no security, data in a temporary folder), the newest 8.x by default, and is
stopped when the `cluster()` block ends. Indices a benchmark creates are deleted by
`drop_indices`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests import servers  # noqa: E402

DEFAULT_HEAP_MB = 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=("embedded", "elasticsearch"),
        default="embedded",
        help="elasticsearch: measure Elasticsearch beside the embedded backend in the same run",
    )
    parser.add_argument("--elasticsearch-url", help="a running cluster to use (else one is started from .cache/)")
    parser.add_argument(
        "--elasticsearch-home",
        type=Path,
        help="unpacked distribution to start (default: the newest 8.x under .cache/elasticsearch/)",
    )
    parser.add_argument("--elasticsearch-heap", type=int, default=DEFAULT_HEAP_MB, help="heap of a started node, MB")


def default_home() -> Path:
    homes = [path.parent.parent for path in (ROOT / ".cache" / "elasticsearch").glob("*/bin/elasticsearch")]
    versioned = []
    for home in homes:
        try:
            version = servers.elasticsearch_version(home)
        except servers.ServerUnavailable:
            continue
        versioned.append((tuple(int(part) for part in version.split(".")), home))
    eights = [item for item in versioned if item[0][0] == 8] or versioned
    if not eights:
        raise SystemExit("no Elasticsearch distribution in .cache/elasticsearch/ (`make test` fetches one)")
    return max(eights)[1]


@dataclass
class Cluster:
    url: str
    version: str
    heap_mb: int | None  # None: a cluster we did not start
    server: servers.Server | None

    def memory_mb(self) -> float | None:
        """Resident memory of the node we started (None for an external cluster)."""
        return self.server.resident_memory_mb() if self.server else None

    def describe(self) -> str:
        if self.server is None:
            return f"Elasticsearch {self.version} at {self.url} (external)"
        return f"Elasticsearch {self.version}, single node, heap {self.heap_mb} MB, started from .cache/"


@contextmanager
def cluster(args: argparse.Namespace) -> Iterator[Cluster]:
    from elasticsearch import Elasticsearch

    if args.elasticsearch_url:
        url = args.elasticsearch_url.rstrip("/")
        client = Elasticsearch(url, request_timeout=30)
        version = client.info()["version"]["number"]
        client.close()
        yield Cluster(url, version, None, None)
        return
    home = args.elasticsearch_home or default_home()
    print(f"starting Elasticsearch from {home} (heap {args.elasticsearch_heap} MB) …", file=sys.stderr, flush=True)
    server = servers.start_elasticsearch(home, heap_mb=args.elasticsearch_heap)
    try:
        yield Cluster(server.url, server.info["version"], args.elasticsearch_heap, server)
    finally:
        server.stop()


def drop_indices(backend) -> None:
    """Delete a benchmark's indices and close its client."""
    backend.drop()
    backend.close()


def store_bytes(backend) -> tuple[int, int]:
    """Primaries' store size in bytes and the number of segments of the index behind the alias."""
    client = backend.client
    stats = client.indices.stats(index=backend.settings.alias, metric=["store", "segments"])
    primaries = stats["_all"]["primaries"]
    return int(primaries["store"]["size_in_bytes"]), int(primaries["segments"]["count"])
