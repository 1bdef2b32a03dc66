"""Faults between the product and a live Elasticsearch: nothing written to the database is lost.

Two kinds of faults, on one Elasticsearch version (the first of servers.elasticsearch_targets()):

- through a proxy (tests/faultproxy.py) in front of the session's shared server: bulk requests
  answered 429 or 503, bulk items failed one by one (for a while or for good), connections that
  get no answer or find the port closed. The worker retries what is worth retrying, keeps the
  rest in the outbox and says so (without holding back the changes behind it); writes through the
  API still succeed while searches answer 503 with a clear message; once the faults stop, the index
  catches up.
- on an Elasticsearch process of this module's own (the session's servers are never stopped):
  killed (SIGKILL) while the worker syncs a backlog, written to through the API while it is
  down, restarted on its data: the index converges to the database, nothing missing, nothing
  duplicated, every posting found by its title.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from elasticsearch import Elasticsearch
from flask import Flask
from sqlalchemy import select, update

from matchmaker import accounts, postings
from matchmaker.extensions import db, writing
from matchmaker.indexing import get_search_index, set_search_index
from matchmaker.indexing.base import SearchFilters
from matchmaker.indexing.elastic import ClusterSettings, ElasticsearchBackend
from matchmaker.indexing.embedder import FakeEmbedder
from matchmaker.indexing.service import SearchIndex
from matchmaker.indexing.sync import BATCH_SIZE, apply_changes, reindex
from matchmaker.models import IndexOperation, Organization, Posting
from matchmaker.models.base import utcnow
from matchmaker.status import index_state
from matchmaker.text.tokenizer import tokenize
from matchmaker.worker import Worker, apply_index_changes, drain_index
from tests import servers
from tests.faultproxy import FaultProxy
from tests.helpers import api_post_posting, run_worker, text

TARGET = next(iter(servers.elasticsearch_targets()))  # one version is enough for faults
UNAVAILABLE_ZH = "搜索服务暂时无法连接"
BASES = ("数控技术专业", "招聘数控车床操作工", "茶叶生产与加工技术", "机电一体化技术专业", "工业机器人运维培训")


def title(n: int, mark: str = "k") -> str:
    """A posting title with a code word of its own (`k0042q`), so a search by the title finds that posting."""
    return f"{BASES[n % len(BASES)]} 编号{mark}{n:04d}q"


# -- an app on Elasticsearch -----------------------------------------------------------------


@contextmanager
def on_elasticsearch(
    app: Flask, url: str, *, cluster_url: str | None = None, embedder: FakeEmbedder | None = None
) -> Iterator[SearchIndex]:
    """The app on an Elasticsearch index of its own at `url` (a proxy, or the server at `cluster_url`), built
    from the database; afterwards the index is deleted and the app gets its own index back."""
    prefix = unique_prefix()
    with app.app_context():
        original = get_search_index(app)
    backend = ElasticsearchBackend(ClusterSettings(url, index_prefix=prefix, backoff=0.05))
    index = SearchIndex(
        backend=backend,
        embedder=embedder or FakeEmbedder(),
        lock_path=Path(app.config["MATCHMAKER_HOME"]) / "search" / "index.lock",
    )
    try:
        with app.app_context():
            set_search_index(app, index)
            reindex(index)
        yield index
    finally:
        backend.close()
        with app.app_context():
            set_search_index(app, original)
        delete_indices(cluster_url or url, prefix)


def delete_indices(url: str, prefix: str) -> None:
    """Delete this test's indices."""
    backend = ElasticsearchBackend(ClusterSettings(url, index_prefix=prefix, request_timeout=60))
    backend.drop()
    backend.close()


def unique_prefix() -> str:
    return f"matchmaker-test-faults-{uuid.uuid4().hex[:10]}"


# -- writes and what the database holds -----------------------------------------------------


def create_postings(app: Flask, org_id: int, titles: Sequence[str]) -> list[int]:
    """Create published postings directly through the service, in one transaction (the outbox records them)."""
    with app.app_context(), writing():
        owner = db.session.get(Organization, org_id)
        created = [
            postings.create_posting(
                owner,
                {
                    "direction": "offer",
                    "category": "program",
                    "title": name,
                    "description": "培养数控编程与加工人才，面向装备制造企业。",
                    "sectors": ["advanced_equipment"],
                },
                accounts.OPERATOR,
            ).id
            for name in titles
        ]
        db.session.commit()
    return created


def change_postings(app: Flask, *, renamed: dict[int, str] | None = None, closed: Sequence[int] = ()) -> None:
    with app.app_context(), writing():
        for posting_id, new_title in (renamed or {}).items():
            postings.update_posting(db.session.get(Posting, posting_id), {"title": new_title}, accounts.OPERATOR)
        for posting_id in closed:
            postings.close_posting(db.session.get(Posting, posting_id), accounts.OPERATOR)
        db.session.commit()


def outbox(app: Flask) -> Counter:
    """The postings with changes pending for the index: posting id → how many operations."""
    with app.app_context():
        pending = Counter(db.session.scalars(select(IndexOperation.posting_id)))
        db.session.rollback()
    return pending


def searchable(app: Flask) -> dict[int, str]:
    """The postings the index must hold (posting id → title): `Posting.indexed`, which here are all listed."""
    with app.app_context():
        indexed = dict(db.session.execute(select(Posting.id, Posting.title).where(Posting.indexed)).all())
        listed = set(db.session.scalars(select(Posting.id).where(Posting.listed)))
        db.session.rollback()
    assert listed == set(indexed), "no posting here expires: the listed ones are the indexed ones"
    return indexed


def assert_converged(app: Flask, index: SearchIndex, cluster_url: str) -> dict[int, str]:
    """The index holds exactly the searchable postings, once each, as they are now, each found by its title."""
    expected = searchable(app)
    backend = index.backend
    held = backend.ids()
    missing, extra = sorted(set(expected) - held), sorted(held - set(expected))
    assert not missing and not extra, f"missing from the index: {missing[:20]}; not in the database: {extra[:20]}"
    assert not outbox(app), "changes left pending"
    # No duplicates: as many documents as distinct ids, behind the alias and in its only physical index.
    assert backend.count(SearchFilters()) == len(expected)
    (physical,) = backend.indices()
    with Elasticsearch(cluster_url, request_timeout=60) as client:
        assert client.count(index=backend.settings.alias)["count"] == len(expected)
        assert client.count(index=physical)["count"] == len(expected)
    # The documents are the postings' current versions (renamed ones under their new titles).
    stored = backend.documents(sorted(expected))
    assert {doc_id: doc.title for doc_id, doc in stored.items()} == expected

    def found(item: tuple[int, str]) -> bool:
        posting_id, name = item
        return posting_id in [hit.id for hit in backend.lexical(tokenize(name), SearchFilters(), 3)]

    with ThreadPoolExecutor(4) as pool:
        not_found = [
            item for item, ok in zip(expected.items(), pool.map(found, expected.items()), strict=True) if not ok
        ]
    assert not_found == [], f"{len(not_found)} posting(s) not found by their titles, e.g. {not_found[:5]}"
    return expected


def assert_search_unavailable(client) -> None:
    """Searches through the API and the web page answer 503 with the message for an unreachable service."""
    api = client.get("/api/v1/search", query_string={"q": "数控技术"})
    assert api.status_code == 503, api.json
    assert api.json["code"] == "search_unavailable"
    assert UNAVAILABLE_ZH in api.json["message_zh"] and "cannot be reached" in api.json["message"]
    page = client.get("/search", query_string={"q": "数控技术"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    assert UNAVAILABLE_ZH in text(page) and "搜索服务暂时不可用" in text(page)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.1)


# -- through the fault proxy, on the session's server -----------------------------------------


@dataclass
class Proxied:
    proxy: FaultProxy
    index: SearchIndex  # the app's, through the proxy
    cluster_url: str  # the server itself, behind the proxy
    direct: ElasticsearchBackend  # the same index, not through the proxy (to look at it during an outage)


@pytest.fixture
def proxied(app: Flask, elasticsearch_for) -> Iterator[Proxied]:
    """The app on an Elasticsearch index reached through a fault proxy (no faults yet)."""
    cluster_url = elasticsearch_for(TARGET)
    with FaultProxy(cluster_url) as proxy, on_elasticsearch(app, proxy.url, cluster_url=cluster_url) as index:
        direct = ElasticsearchBackend(replace(index.backend.settings, url=cluster_url))
        try:
            yield Proxied(proxy, index, cluster_url, direct)
        finally:
            direct.close()


def test_bulk_requests_answered_429_and_503_are_retried_with_backoff_and_everything_arrives(
    app, make_org, proxied
) -> None:
    proxy, index = proxied.proxy, proxied.index
    created = create_postings(app, make_org().id, [title(n) for n in range(40)])
    proxy.fail_requests(2, 429, path=r"/_bulk$")
    proxy.fail_requests(2, 503, path=r"/_bulk$")
    bulks_before = proxy.stats.bulk_requests

    started = time.monotonic()
    with app.app_context():
        applied = apply_index_changes()  # the worker's step
    took = time.monotonic() - started

    assert applied == 40
    assert proxy.stats.injected == {429: 2, 503: 2} and proxy.pending_faults == 0
    assert proxy.stats.bulk_requests - bulks_before == 5  # four refused, the fifth written
    assert took >= 0.05 + 0.1 + 0.2 + 0.4  # it backed off before each retry
    assert set(assert_converged(app, index, proxied.cluster_url)) == set(created)


def test_a_cluster_that_keeps_refusing_bulk_requests_loses_nothing_and_the_next_sync_writes_it(
    app, make_org, proxied, caplog
) -> None:
    proxy, index = proxied.proxy, proxied.index
    created = create_postings(app, make_org().id, [title(n) for n in range(10)])
    proxy.fail_requests(6, 503, path=r"/_bulk$")  # the first attempt and all five retries

    with caplog.at_level(logging.WARNING, logger="matchmaker.worker"), app.app_context():
        assert apply_index_changes() == 0

    assert proxy.stats.injected == {503: 6}
    assert outbox(app) == Counter(created)
    assert index.backend.ids() == set()
    assert any("stay pending" in r.getMessage() and "503" in r.getMessage() for r in caplog.records)
    with app.app_context():
        assert apply_index_changes() == 10
    assert set(assert_converged(app, index, proxied.cluster_url)) == set(created)


def test_documents_refused_for_good_or_busy_beyond_the_retries_stay_pending_and_are_reported(
    app, make_org, proxied, caplog
) -> None:
    proxy, index = proxied.proxy, proxied.index
    created = create_postings(app, make_org().id, [title(n) for n in range(12)])
    refused, busy = created[4], created[9]
    proxy.fail_bulk_items([refused], 400)  # mapper_parsing_exception: never worth retrying
    proxy.fail_bulk_items([busy], 429, responses=6)  # rejected on the first attempt and all five retries
    bulks_before = proxy.stats.bulk_requests

    with caplog.at_level(logging.WARNING, logger="matchmaker.indexing.sync"), app.app_context():
        report = apply_changes(index)

    assert set(report.failed) == {refused, busy}
    assert report.failed[refused].startswith("mapper_parsing_exception")
    assert report.failed[busy].startswith("es_rejected_execution_exception")
    assert (report.applied, report.upserted) == (10, 10)
    assert proxy.stats.failed_items == {400: 1, 429: 6}
    assert proxy.stats.failed_ids.count(str(refused)) == 1  # a refusal is not retried
    assert proxy.stats.bulk_requests - bulks_before == 6  # the busy one alone in each retry
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("stay pending" in m and f"{refused}: mapper_parsing_exception" in m for m in warnings), warnings
    # What the answer said is what the index holds: the others are written, these two are not.
    assert outbox(app) == Counter([refused, busy])
    assert index.backend.ids() == set(created) - {refused, busy}

    with app.app_context():  # they wait out their back-off, and the status says why they are pending
        waiting = apply_changes(index)
        pending = index_state(index).as_dict()
        refused_op = db.session.scalars(select(IndexOperation).where(IndexOperation.posting_id == refused)).one()
    assert (waiting.applied, waiting.refused) == (0, 0)
    assert (pending["pending_changes"], pending["refused_changes"]) == (2, 2)
    assert refused_op.attempts == 1 and refused_op.last_error.startswith("mapper_parsing_exception")

    with app.app_context(), writing():  # the back-off has passed; the proxy no longer fails them
        db.session.execute(update(IndexOperation).values(retry_after=utcnow()))
        db.session.commit()
        again = apply_changes(index)
    assert (again.applied, again.failed) == (2, {})
    assert set(assert_converged(app, index, proxied.cluster_url)) == set(created)


def test_a_batch_of_documents_refused_for_good_does_not_hold_back_the_changes_behind_it(app, make_org, proxied) -> None:
    """The outbox is applied oldest first, a batch at a time: refused documents at its head must not keep the
    worker from ever reaching the changes recorded after them."""
    proxy, index = proxied.proxy, proxied.index
    created = create_postings(app, make_org().id, [title(n) for n in range(BATCH_SIZE + 20)])
    refused, behind = created[:BATCH_SIZE], created[BATCH_SIZE:]
    proxy.fail_bulk_items(refused, 400, responses=1000)  # refused for as long as the test runs

    run_worker(app)

    assert proxy.stats.failed_items[400] >= BATCH_SIZE  # they were tried, and refused
    missing = sorted(set(behind) - index.backend.ids())
    assert not missing, f"{len(missing)} change(s) behind the refused ones never reach the index: {missing[:5]}…"
    assert outbox(app) == Counter(refused)  # those stay pending, as they should


def test_items_rejected_for_a_while_are_retried_in_the_same_sync(app, make_org, proxied) -> None:
    proxy, index = proxied.proxy, proxied.index
    org = make_org()
    first = create_postings(app, org.id, [title(n) for n in range(6)])
    with app.app_context():
        assert apply_changes(index).applied == 6
    later = create_postings(app, org.id, [title(n) for n in range(6, 12)])
    change_postings(app, closed=first[:2])
    proxy.fail_bulk_items(later[:2], 429, responses=2)  # two upserts rejected twice
    proxy.fail_bulk_items([first[0]], 429)  # a delete rejected once
    bulks_before = proxy.stats.bulk_requests

    with app.app_context():
        report = apply_changes(index)

    assert report.failed == {}
    assert (report.applied, report.upserted, report.deleted) == (8, 6, 2)
    assert proxy.stats.failed_items == {429: 5} and proxy.pending_faults == 0
    assert proxy.stats.bulk_requests - bulks_before == 5  # upserts: 3 attempts; deletes: 2
    assert set(assert_converged(app, index, proxied.cluster_url)) == set(first[2:] + later)


@pytest.mark.parametrize("outage", ["no answer", "port closed"])
def test_while_the_cluster_cannot_be_reached_writes_succeed_searches_answer_503_and_the_outbox_catches_up(
    app, client, make_org, make_user, bearer, proxied, outage
) -> None:
    proxy, index = proxied.proxy, proxied.index
    _, token = make_user(org=make_org(kind="school", name="贵州装备职业学院"))
    kept = api_post_posting(client, token, title=title(1))  # each request's worker writes it through the proxy
    gone = api_post_posting(client, token, title=title(2))
    assert index.backend.ids() == {kept["id"], gone["id"]}

    if outage == "no answer":
        proxy.drop_connections()
    else:
        proxy.stop()
    created = [api_post_posting(client, token, title=title(n))["id"] for n in range(3, 6)]  # each 201
    renamed = client.patch(f"/api/v1/postings/{kept['id']}", json={"title": title(1, "r")}, headers=bearer(token))
    closed = client.post(f"/api/v1/postings/{gone['id']}/close", headers=bearer(token))
    assert renamed.status_code == 200 and renamed.json["title"] == title(1, "r")
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert_search_unavailable(client)
    assert set(outbox(app)) == {*created, kept["id"], gone["id"]}  # the worker ran after each request, in vain
    if outage == "no answer":
        assert proxy.stats.dropped > 0
    assert proxied.direct.ids() == {kept["id"], gone["id"]}  # unreachable: as it was

    if outage == "no answer":
        proxy.restore()
    else:
        proxy.start()
    with app.app_context():
        assert drain_index() == len(created) + 2

    assert set(assert_converged(app, index, proxied.cluster_url)) == {*created, kept["id"]}
    found = client.get("/api/v1/search", query_string={"q": title(1, "r")})
    assert found.status_code == 200 and found.json["results"][0]["id"] == kept["id"]
    closed_search = client.get("/api/v1/search", query_string={"q": title(2)})
    assert gone["id"] not in [r["id"] for r in closed_search.json["results"]]


# -- an Elasticsearch of our own, killed and restarted -----------------------------------------


def local_distribution() -> Path:
    """An unpacked distribution to run (even when the suite's searches go to an external cluster)."""
    homes = [home for home in servers.elasticsearch_targets().values() if home is not None]
    cached = servers.ROOT.glob(".cache/elasticsearch/*/bin/elasticsearch")
    homes = homes or sorted(path.parent.parent for path in cached)
    if not homes:
        pytest.fail(
            "No Elasticsearch distribution in .cache/elasticsearch/ to start and kill: run the tests with "
            "`make test`, which fetches it from Maven Central.",
            pytrace=False,
        )
    return homes[0]


@pytest.fixture(scope="module", autouse=True)
def _own_cluster_boot(request: pytest.FixtureRequest) -> Iterator[Future | None]:
    """Start this module's own Elasticsearch in the background when the module begins (it takes tens of
    seconds, as does the session's), if one of its tests is to run; stop it when the module ends.

    The executor's thread lives until then: a server's parent-death signal follows the thread that started it.
    """
    if not any("own_cluster" in item.fixturenames for item in request.session.items if item.module is request.module):
        yield None
        return
    executor = ThreadPoolExecutor(1, thread_name_prefix="start-elasticsearch")
    future = executor.submit(lambda: servers.start_elasticsearch(local_distribution()))
    try:
        yield future
    finally:
        executor.shutdown(wait=True)
        if future.exception() is None:
            future.result().stop()


@pytest.fixture
def own_cluster(_own_cluster_boot: Future | None) -> servers.Server:
    """This module's own Elasticsearch process, serving (restarted if an earlier test left it dead)."""
    assert _own_cluster_boot is not None
    try:
        server = _own_cluster_boot.result()
    except servers.ServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    if server.process.poll() is not None:
        servers.restart_elasticsearch(server)
    return server


class SignallingEmbedder(FakeEmbedder):
    """The fake embedder, which says when it has embedded documents for the n-th time since `arm(n)`: the
    worker sends them to the index right after."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._calls = 0
        self._at: int | None = None
        self.reached = threading.Event()

    def arm(self, calls: int) -> None:
        with self._lock:
            self._calls, self._at = 0, calls
            self.reached.clear()

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        vectors = super().encode_documents(texts)
        with self._lock:
            self._calls += 1
            if self._at is not None and self._calls >= self._at:
                self.reached.set()
        return vectors


def test_killed_mid_sync_and_written_to_while_down_the_index_converges_after_restart(
    app, make_org, make_user, bearer, own_cluster, caplog
) -> None:
    org = make_org(kind="school", name="贵州装备职业学院")
    _, token = make_user(org=org)
    seeded = create_postings(app, org.id, [title(n) for n in range(40)])
    embedder = SignallingEmbedder()
    worker = Worker(app, name="fault-test-worker")
    thread: threading.Thread | None = None
    with on_elasticsearch(app, own_cluster.url, embedder=embedder) as index:
        try:
            assert index.backend.ids() == set(seeded)

            # A backlog of three worker batches: 600 new postings, 20 renamed, 10 closed.
            backlog = create_postings(app, org.id, [title(n) for n in range(100, 700)])
            change_postings(app, renamed={p: title(n, "r") for n, p in enumerate(seeded[:20])}, closed=seeded[20:30])
            waiting = sum(outbox(app).values())
            assert waiting == 630

            # (a) The server dies (SIGKILL) while the worker writes its second batch.
            embedder.arm(2)
            caplog.set_level(logging.WARNING, logger="matchmaker.worker")
            thread = worker.start_thread()
            assert embedder.reached.wait(120), "the worker did not reach its second batch"
            time.sleep(0.05)  # its bulk request is on its way
            own_cluster.kill()
            wait_for(
                lambda: any("stay pending" in r.getMessage() for r in caplog.records),
                60,
                "the worker reports that it could not apply the changes",
            )
            left = sum(outbox(app).values())
            assert left == waiting - BATCH_SIZE  # the first batch was applied, the second was cut short
            client = app.test_client()
            client.worker_runs = False  # the worker thread does the work
            assert_search_unavailable(client)

            # (b) A burst of writes through the API while it is down, from several clients at once.
            def burst(n: int) -> list[tuple[str, int]]:
                own = app.test_client()
                own.worker_runs = False
                answers = []
                made = []
                for k in range(8):
                    answer = own.post(
                        "/api/v1/postings",
                        json={
                            "direction": "offer",
                            "category": "program",
                            "title": title(1000 + 10 * n + k),
                            "description": "写入时搜索服务不在。",
                            "sectors": ["advanced_equipment"],
                        },
                        headers=bearer(token),
                    )
                    answers.append(("create", answer.status_code))
                    made.append(answer.json.get("id"))
                for posting_id in made[:2] + [backlog[n]]:  # new ones and one of the backlog renamed
                    answer = own.patch(
                        f"/api/v1/postings/{posting_id}", json={"title": title(posting_id, "u")}, headers=bearer(token)
                    )
                    answers.append(("rename", answer.status_code))
                for posting_id in (made[2], backlog[100 + n]):  # a new one and one of the backlog closed
                    answer = own.post(f"/api/v1/postings/{posting_id}/close", headers=bearer(token))
                    answers.append(("close", answer.status_code))
                reopened = own.post(f"/api/v1/postings/{seeded[20 + n]}/publish", json={}, headers=bearer(token))
                answers.append(("reopen", reopened.status_code))
                return answers

            with ThreadPoolExecutor(4) as pool:
                answers = [a for batch in pool.map(burst, range(4)) for a in batch]
            assert Counter(answers) == {("create", 201): 32, ("rename", 200): 12, ("close", 200): 8, ("reopen", 200): 4}
            assert_search_unavailable(client)
            assert sum(outbox(app).values()) == left + 32 + 12 + 8 + 4  # every write recorded for the index
            with app.app_context():
                assert db.session.query(Posting).count() == 40 + 600 + 32

            # The server comes back on its data; the worker drains the outbox.
            servers.restart_elasticsearch(own_cluster)
            worker.wake()
            wait_for(lambda: not outbox(app), 120, "the worker drains the outbox")
            worker.stop()
            thread.join(30)
            thread = None

            expected = assert_converged(app, index, own_cluster.url)
            assert len(expected) == 40 - 10 + 600 + 32 - 4 - 4 + 4
            found = client.get("/api/v1/search", query_string={"q": title(backlog[0], "u")})
            assert found.status_code == 200 and backlog[0] in [r["id"] for r in found.json["results"][:3]]
        finally:
            worker.stop()
            if thread is not None:
                thread.join(30)
            if own_cluster.process.poll() is not None:  # the index is deleted on a serving cluster
                servers.restart_elasticsearch(own_cluster)
