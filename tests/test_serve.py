"""`matchmaker serve` in production mode: gunicorn workers answering over real HTTP."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_production_serve_runs_gunicorn_on_the_configured_database(app, make_org, tmp_path):
    make_org(name="贵州安顺航空零部件有限公司")
    port = free_port()
    env = {**os.environ, "MATCHMAKER_HOME": app.config["MATCHMAKER_HOME"],
           "MATCHMAKER_DATABASE_URL": app.config["MATCHMAKER_DATABASE_URL"], "MATCHMAKER_PRODUCTION": "1",
           "MATCHMAKER_WORKERS": "2", "MATCHMAKER_SECRET_KEY": "test"}
    matchmaker = shutil.which("matchmaker", path=str(Path(sys.executable).parent))
    server = subprocess.Popen([matchmaker, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/organizations", timeout=2) as response:
                    body = json.load(response)
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]

    assert body is not None, output
    assert [o["name"] for o in body["items"]] == ["贵州安顺航空零部件有限公司"]
    assert "gunicorn" in output.lower() and "Booting worker" in output
