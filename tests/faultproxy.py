"""A reverse proxy that injects faults between a client and a live Elasticsearch, for tests.

    with FaultProxy(elasticsearch_url) as proxy:
        backend = ElasticsearchBackend(ClusterSettings(proxy.url, ...))
        proxy.fail_requests(2, 429, path=r"/_bulk$")         # the next 2 bulk requests answer 429
        proxy.fail_bulk_items({17, 23}, 400)                 # in the next bulk holding them, 17 and 23 fail
        proxy.drop_connections()                             # every request: the connection closes, no answer
        proxy.restore()                                      # no more faults
        assert proxy.stats.injected == {429: 2}

Requests are forwarded as they come (method, path and query, headers, body) on a fresh upstream
connection each, and the answers streamed back. Faults happen in the proxy, not in the server:

- `fail_requests`: the proxy answers the next N matching requests itself with a status and an
  Elasticsearch-style JSON error; the server never sees them.
- `fail_bulk_items`: chosen items of a bulk request really are not written: the proxy strips them
  from the NDJSON body, forwards the rest, and merges a failed item for each stripped one into the
  server's answer, in the original order (`errors: true`, the request itself 200), so what the index
  holds is what the answer says.
- `drop_connections`: the proxy reads the request and closes the connection without a word.
- `stop()` then `start()`: nothing listens on the port in between (connections refused); it comes
  back on the same port.

`stats` counts what the proxy saw and did, so a test can assert that its faults really happened.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import re
import socket
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# Headers of one hop, not to be forwarded (Host and Content-Length are set anew for each hop).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
CHUNK = 64 * 1024
UPSTREAM_TIMEOUT = 120.0

# What Elasticsearch says for each status the proxy may answer (type, reason).
REQUEST_ERRORS = {
    429: (
        "es_rejected_execution_exception",
        "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, "
        "max_coordinating_and_primary_bytes=0] (injected by the test proxy)",
    ),
    500: ("internal_server_error", "internal server error (injected by the test proxy)"),
    502: ("bad_gateway", "bad gateway (injected by the test proxy)"),
    503: (
        "unavailable_shards_exception",
        "primary shard is not active Timeout: [1m] (injected by the test proxy)",
    ),
    504: ("timeout_exception", "gateway timeout (injected by the test proxy)"),
}
ITEM_ERRORS = {
    429: (
        "es_rejected_execution_exception",
        "rejected execution of primary operation (injected by the test proxy)",
    ),
    400: (
        "mapper_parsing_exception",
        "failed to parse field [valid_until] of type [date] in document (injected by the test proxy)",
    ),
}
UNKNOWN_ERROR = ("proxy_injected_fault", "injected by the test proxy")
SOURCE_ACTIONS = frozenset({"index", "create", "update"})  # followed by a source line; `delete` is not


@dataclass
class ProxyStats:
    """What the proxy saw and did (read it after the requests; updated under the proxy's lock)."""

    requests: int = 0  # requests received, whatever happened to them
    bulk_requests: int = 0  # of which bulk requests
    forwarded: int = 0  # requests the server received (whole or with items stripped)
    injected: Counter = field(default_factory=Counter)  # status → requests the proxy answered itself
    failed_items: Counter = field(default_factory=Counter)  # status → bulk items failed by the proxy
    failed_ids: list[str] = field(default_factory=list)  # the _id of each item failed, in order
    dropped: int = 0  # requests whose connection was closed without an answer
    upstream_errors: int = 0  # requests answered 502 because the server could not be reached
    seen: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every request

    def paths(self, pattern: str) -> int:
        """How many requests had a path matching the regular expression."""
        return sum(1 for _, path in self.seen if re.search(pattern, path))


@dataclass
class _RequestFault:
    remaining: int
    status: int
    path: re.Pattern | None
    method: str | None
    error_type: str
    reason: str

    def matches(self, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and (self.method is None or self.method == method)
            and (self.path is None or bool(self.path.search(path)))
        )


@dataclass
class _ItemFault:
    remaining: int  # bulk requests still to rewrite
    status: int
    ids: frozenset[str] | None  # None: every item
    error_type: str
    reason: str

    def chooses(self, item: _BulkItem) -> bool:
        return self.ids is None or item.id in self.ids


@dataclass
class _BulkItem:
    action: str  # index | create | update | delete
    meta: dict[str, Any]
    lines: list[bytes]  # the action line and, but for delete, the source line

    @property
    def id(self) -> str | None:
        value = self.meta.get("_id")
        return None if value is None else str(value)


def parse_bulk(body: bytes) -> list[_BulkItem]:
    """The items of a bulk request's NDJSON body, their lines kept as they were."""
    lines = [line for line in body.split(b"\n") if line.strip()]
    items, n = [], 0
    while n < len(lines):
        ((action, meta),) = json.loads(lines[n]).items()
        width = 2 if action in SOURCE_ACTIONS else 1
        items.append(_BulkItem(action, meta, lines[n : n + width]))
        n += width
    return items


def _error_body(status: int, error_type: str, reason: str) -> bytes:
    cause = {"type": error_type, "reason": reason}
    return json.dumps({"error": {"root_cause": [cause], **cause}, "status": status}).encode()


class FaultProxy:
    """A threaded HTTP reverse proxy on a free loopback port in front of `upstream` (http://host:port)."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the fault proxy forwards to http://host:port, not {upstream!r}")
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.stats = ProxyStats()
        self.port: int | None = None
        self._lock = threading.Lock()
        self._request_faults: list[_RequestFault] = []
        self._item_faults: list[_ItemFault] = []
        self._drop_remaining: float = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the proxy has not been started")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        """Listen (on the port of the last start, if any) and serve in a thread."""
        if self._server is not None:
            return self
        self._server = _Server(("127.0.0.1", self.port or 0), _Handler, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"fault-proxy-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close every open connection (clients then find the port closed)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- controls ------------------------------------------------------------------------

    def fail_requests(
        self,
        count: int,
        status: int,
        *,
        path: str | None = None,
        method: str | None = None,
        error_type: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Answer the next `count` requests (those whose path matches the regular expression `path`, and
        of `method`, if given) with `status` and an Elasticsearch-style error; they are not forwarded.

        Faults queue up: a request takes the first one that matches and has requests left.
        """
        default_type, default_reason = REQUEST_ERRORS.get(status, UNKNOWN_ERROR)
        with self._lock:
            self._request_faults.append(
                _RequestFault(
                    count,
                    status,
                    re.compile(path) if path is not None else None,
                    method.upper() if method else None,
                    error_type or default_type,
                    reason or default_reason,
                )
            )

    def fail_bulk_items(
        self,
        ids: Iterable[int | str] | None,
        status: int,
        *,
        responses: int = 1,
        error_type: str | None = None,
        reason: str | None = None,
    ) -> None:
        """In the next `responses` bulk requests holding any of these documents (`ids` None: every item),
        strip their items before forwarding and answer them as failed with `status` (429 is what a busy
        cluster answers, to be retried; 400 `mapper_parsing_exception` a refusal for good).

        Every active item fault applies to each bulk request; each is used up by the requests it
        failed items of.
        """
        default_type, default_reason = ITEM_ERRORS.get(status, UNKNOWN_ERROR)
        with self._lock:
            self._item_faults.append(
                _ItemFault(
                    responses,
                    status,
                    None if ids is None else frozenset(str(i) for i in ids),
                    error_type or default_type,
                    reason or default_reason,
                )
            )

    def drop_connections(self, count: int | None = None) -> None:
        """Close the connection of the next `count` requests (None: of every request until `restore`)
        without answering."""
        with self._lock:
            self._drop_remaining = float("inf") if count is None else count

    def restore(self) -> None:
        """Forward everything again: forget every fault not yet used."""
        with self._lock:
            self._request_faults.clear()
            self._item_faults.clear()
            self._drop_remaining = 0

    @property
    def pending_faults(self) -> int:
        """How many injections are still queued (requests to fail, bulk requests to rewrite)."""
        with self._lock:
            return sum(f.remaining for f in self._request_faults) + sum(f.remaining for f in self._item_faults)

    # -- decisions (called by the handler threads) ----------------------------------------

    def _decide(self, method: str, path: str, bulk: bool) -> tuple[str, Any]:
        with self._lock:
            self.stats.requests += 1
            self.stats.bulk_requests += bulk
            self.stats.seen.append((method, path))
            if self._drop_remaining > 0:
                self._drop_remaining -= 1
                self.stats.dropped += 1
                return "drop", None
            for fault in self._request_faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    self.stats.injected[fault.status] += 1
                    return "answer", fault
            if bulk and any(f.remaining > 0 for f in self._item_faults):
                return "rewrite", None
            return "forward", None

    def _choose_failures(self, items: list[_BulkItem]) -> dict[int, _ItemFault]:
        """Which items of this bulk request fail (position → fault), using up the faults that apply."""
        chosen: dict[int, _ItemFault] = {}
        with self._lock:
            for fault in self._item_faults:
                if fault.remaining <= 0:
                    continue
                hit = [n for n, item in enumerate(items) if n not in chosen and fault.chooses(item)]
                if not hit:
                    continue
                fault.remaining -= 1
                for n in hit:
                    chosen[n] = fault
                    self.stats.failed_items[fault.status] += 1
                    self.stats.failed_ids.append(items[n].id or "")
        return chosen

    def _count(self, attribute: str) -> None:
        with self._lock:
            setattr(self.stats, attribute, getattr(self.stats, attribute) + 1)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, proxy: FaultProxy) -> None:
        self.proxy = proxy
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def close_connections(self) -> None:
        with self.connections_lock:
            open_now = list(self.connections)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # quiet: stats say what happened
        pass

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET

    # -- one request -----------------------------------------------------------------------

    def _handle(self) -> None:
        proxy = self.server.proxy
        body = self._read_body()
        path = urlsplit(self.path).path
        bulk = self.command in ("POST", "PUT") and path.rstrip("/").endswith("/_bulk")
        decision, fault = proxy._decide(self.command, path, bulk)
        if decision == "drop":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if decision == "answer":
            self._send_json(fault.status, _error_body(fault.status, fault.error_type, fault.reason))
            return
        if decision == "rewrite":
            self._rewrite_bulk(body)
            return
        self._forward(body)

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        length = self.headers.get("Content-Length")
        return self.rfile.read(int(length)) if length is not None else None

    def _request_headers(self, *, identity: bool = False) -> dict[str, str]:
        drop = HOP_BY_HOP | ({"accept-encoding", "content-encoding"} if identity else set())
        return {name: value for name, value in self.headers.items() if name.lower() not in drop}

    def _upstream(self, body: bytes | None, headers: dict[str, str]) -> tuple[http.client.HTTPConnection, Any] | None:
        """Send the request to the server; None (after answering 502) when it cannot be reached."""
        proxy = self.server.proxy
        connection = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=UPSTREAM_TIMEOUT)
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            proxy._count("upstream_errors")
            self._send_json(502, _error_body(502, "proxy_upstream_unreachable", f"{type(error).__name__}: {error}"))
            return None
        proxy._count("forwarded")
        return connection, response

    def _forward(self, body: bytes | None) -> None:
        """Forward the request as it is and stream the server's answer back."""
        sent = self._upstream(body, self._request_headers())
        if sent is None:
            return
        connection, response = sent
        try:
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            length = response.getheader("Content-Length")
            bodiless = self.command == "HEAD" or response.status in (204, 304) or response.status < 200
            if length is not None or bodiless:
                self.send_header("Content-Length", length or "0")
                self.end_headers()
                if not bodiless:
                    while chunk := response.read(CHUNK):
                        self.wfile.write(chunk)
            else:  # the server streams without a length: pass it on in chunks
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                while chunk := response.read(CHUNK):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            if response.getheader("Connection", "").lower() == "close":
                self.close_connection = True
        finally:
            response.close()
            connection.close()

    def _rewrite_bulk(self, body: bytes | None) -> None:
        """Strip the chosen items, forward the rest, merge failed items for the stripped ones into the answer."""
        raw = body or b""
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        items = parse_bulk(raw)
        chosen = self.server.proxy._choose_failures(items)
        if not chosen:
            self._forward(body)
            return
        kept = [item for n, item in enumerate(items) if n not in chosen]
        content_type = "application/json"
        if kept:
            stripped = b"".join(line + b"\n" for item in kept for line in item.lines)
            sent = self._upstream(stripped, self._request_headers(identity=True))
            if sent is None:
                return
            connection, response = sent
            try:
                data = response.read()
                status = response.status
                content_type = response.getheader("Content-Type", content_type)
            finally:
                response.close()
                connection.close()
            if status != 200:  # the request failed as a whole: its answer says so
                self._send_json(status, data, content_type)
                return
            answer = json.loads(data)
        else:
            answer = {"took": 0, "errors": True, "items": []}
        forwarded = iter(answer["items"])
        index = self._path_index()
        merged = []
        for n, item in enumerate(items):
            fault = chosen.get(n)
            if fault is None:
                merged.append(next(forwarded))
                continue
            target = item.meta.get("_index") or index
            merged.append(
                {
                    item.action: {
                        "_index": target,
                        "_id": item.id,
                        "status": fault.status,
                        "error": {"type": fault.error_type, "reason": fault.reason, "index": target},
                    }
                }
            )
        answer["items"], answer["errors"] = merged, True
        self._send_json(200, json.dumps(answer).encode(), content_type)

    def _path_index(self) -> str | None:
        """The index a bulk request names in its path (/<index>/_bulk), if any."""
        parts = [p for p in urlsplit(self.path).path.split("/") if p]
        return parts[0] if len(parts) == 2 else None

    def _send_json(self, status: int, data: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
