"""`matchmaker serve` in production mode: gunicorn workers answering over real HTTP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers import free_port


@contextmanager
def server_process(app, *, with_worker: bool = False, **settings):
    """Run `matchmaker serve` on the test app's database and home (production unless told otherwise),
    and `matchmaker worker` beside it if asked, as an operator would."""
    port = free_port()
    env = {
        **os.environ,
        "MATCHMAKER_HOME": app.config["MATCHMAKER_HOME"],
        "MATCHMAKER_DATABASE_URL": app.config["MATCHMAKER_DATABASE_URL"],
        "MATCHMAKER_PRODUCTION": "1",
        "MATCHMAKER_WORKERS": "2",
        "MATCHMAKER_SECRET_KEY": "test",
        **settings,
    }
    matchmaker = shutil.which("matchmaker", path=str(Path(sys.executable).parent))
    server = subprocess.Popen(
        [matchmaker, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    worker = subprocess.Popen([matchmaker, "worker"], env=env, stdout=subprocess.DEVNULL) if with_worker else None
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/api/v1/taxonomy", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        yield base, server
    finally:
        server.terminate()
        server.output = server.communicate(timeout=30)[0]
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)


def request(url, *, method="GET", body=None, token=None):
    headers = {"Content-Type": "application/json", "Connection": "close"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(
        urllib.request.Request(url, data=data, headers=headers, method=method),
        timeout=180,  # a cold worker loads the model
    ) as response:
        return json.load(response)


def test_production_serve_runs_gunicorn_on_the_configured_database(app, make_org):
    make_org(name="贵州安顺航空零部件有限公司")

    with server_process(app) as (base, server):
        body = request(base + "/api/v1/organizations")

    assert [o["name"] for o in body["items"]] == ["贵州安顺航空零部件有限公司"], server.output
    assert "Booting worker" in server.output


def test_serve_without_production_settings_uses_the_builtin_server(app, make_org):
    make_org(name="贵州毕节中药材种植有限公司")

    with server_process(app, MATCHMAKER_PRODUCTION="0") as (base, server):
        body = request(base + "/api/v1/organizations")

    assert [o["name"] for o in body["items"]] == ["贵州毕节中药材种植有限公司"], server.output
    assert "Booting worker" not in server.output


@pytest.mark.model
def test_every_worker_sees_the_others_index_writes(app, make_org, make_user, use_embedder, real_embedder):
    _, token = make_user(org=make_org(kind="school", name="贵州装备职业学院"))
    use_embedder(real_embedder)  # the index the server will find, made with the configured model

    def search() -> dict:
        return request(base + "/api/v1/search?q=" + urllib.request.quote("数控技术"))

    def caught_up() -> None:
        """The worker applies the write within a few seconds; searches say how far behind the index is."""
        for _ in range(100):
            if search()["index"]["pending_changes"] == 0:
                return
            time.sleep(0.1)

    with server_process(app, with_worker=True, MATCHMAKER_EMBEDDING_MODEL=str(real_embedder.model_name)) as (
        base,
        server,
    ):
        created = request(
            base + "/api/v1/postings",
            method="POST",
            token=token,
            body={
                "direction": "offer",
                "category": "program",
                "title": "数控技术专业（高职专科）",
                "description": "培养数控编程、数控机床操作与维护人才。",
            },
        )
        caught_up()
        found = [search()["results"] for _ in range(6)]
        request(base + f"/api/v1/postings/{created['id']}/close", method="POST", token=token)
        caught_up()
        after_close = [search()["total"] for _ in range(6)]

    assert all(results and results[0]["id"] == created["id"] for results in found), server.output
    assert after_close == [0] * 6
