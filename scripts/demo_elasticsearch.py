"""Serve the demo on a local single-node Elasticsearch: `make demo-elasticsearch`.

Starts the cached minimal distribution (the one `make test` fetches) on a free loopback
port, as tests/servers.py starts it for the suite, points matchmaker at it with the
MATCHMAKER_SEARCH_BACKEND settings, loads the demo (which builds the index) and serves
http://127.0.0.1:5000 until Ctrl-C; then stops the server (its index goes with it: the
database is the source, and the next start rebuilds it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import servers  # noqa: E402 - the suite's server starter, shared


def main() -> int:
    homes = [home for home in servers.elasticsearch_targets().values() if home is not None]
    if not homes:
        print("no Elasticsearch in .cache/elasticsearch: run `make elasticsearch` first", file=sys.stderr)
        return 1
    # `kill` unwinds like Ctrl-C, so the server and the web process are stopped too.
    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt()))
    server = servers.start_elasticsearch(homes[0])
    print(f"{server.name} at {server.url} (started in {server.started_in:.1f} s)", file=sys.stderr)
    env = {**os.environ, "MATCHMAKER_SEARCH_BACKEND": "elasticsearch", "MATCHMAKER_ELASTICSEARCH_URL": server.url}
    matchmaker = str(ROOT / ".venv" / "bin" / "matchmaker")
    web = None
    try:
        for command in (["db", "upgrade"], ["load-demo"]):  # load-demo builds the missing index
            subprocess.run([matchmaker, *command], env=env, check=True)
        subprocess.run([matchmaker, "index-status"], env=env, check=True)
        web = subprocess.Popen([matchmaker, "serve", "--host", "127.0.0.1", "--port", "5000"], env=env)
        web.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if web is not None and web.poll() is None:
            web.terminate()
            web.wait(30)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
