"""Write latency with a slow SMTP server: does a write request wait for mail (or for the model)?

Each write is POST /api/v1/postings of an enterprise's talent need that matches a school's
program, so it causes a match announcement and a notification mail to the school's member.
The SMTP server (aiosmtpd on loopback) takes SMTP_DELAY seconds per message. The app is the
real one (SQLite, embedded index, the real embedding model), driven in-process through
Flask's test client; no worker runs while the writes are timed.

    .venv/bin/python benchmarks/write_latency.py --model instance/models/multilingual-e5-small

To measure another version of the code (e.g. the one before the worker), put its checkout
first on the path: PYTHONPATH=/path/to/checkout .venv/bin/python benchmarks/write_latency.py …
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class SlowSmtp:
    def __init__(self, delay: float) -> None:
        self.delay, self.received = delay, 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        await asyncio.sleep(self.delay)
        self.received += 1
        return "250 OK"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="the prepared embedding model folder")
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("--smtp-delay", type=float, default=5.0, help="seconds the SMTP server takes per message")
    args = parser.parse_args()

    from flask_migrate import upgrade

    import matchmaker
    from matchmaker import accounts, create_app, organizations
    from matchmaker.extensions import db

    smtp = SlowSmtp(args.smtp_delay)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(smtp, hostname="127.0.0.1", port=port)
    controller.start()
    home = Path(tempfile.mkdtemp(prefix="write-latency-"))
    app = create_app(
        {
            "HOME": str(home),
            "EMBEDDING_MODEL": str(Path(args.model).resolve()),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": port,
            "MATCH_NOTIFY_SCORE": 0.0,  # every match is announced: one mail per write
            "SECRET_KEY": "benchmark",
        }
    )
    with app.app_context():
        upgrade()
        school = organizations.create_organization(
            {"ref": "S", "name": "贵州装备职业学院", "kind": "school", "region": "520115", "sectors": []},
            accounts.OPERATOR,
            verified=True,
        )
        enterprise = organizations.create_organization(
            {"ref": "E", "name": "贵阳精工数控机械有限公司", "kind": "enterprise", "region": "520115", "sectors": []},
            accounts.OPERATOR,
            verified=True,
        )
        school_token = accounts.create_token(
            accounts.create_user("teacher@zbxy.edu.cn", "long enough pw", organization=school)
        )
        enterprise_token = accounts.create_token(
            accounts.create_user("hr@jg.cn", "long enough pw", organization=enterprise)
        )
        db.session.commit()
    client = app.test_client()

    def post(token: str, body: dict) -> float:
        started = time.perf_counter()
        answer = client.post("/api/v1/postings", json=body, headers={"Authorization": f"Bearer {token}"})
        elapsed = time.perf_counter() - started
        assert answer.status_code == 201, answer.json
        return elapsed

    def run_worker() -> None:
        try:
            from matchmaker.worker import Worker
        except ImportError:  # a version without a worker did the work in the request
            return
        Worker(app).work_until_idle()

    with app.app_context():
        from matchmaker.indexing import get_search_index
        from matchmaker.indexing.sync import reindex

        reindex(get_search_index())
        db.session.commit()
    post(
        school_token,
        {
            "direction": "offer",
            "category": "program",
            "title": "数控技术专业（高职专科）",
            "description": "培养数控编程与数控机床操作人才。",
        },
    )
    run_worker()  # the program is indexed before the timed writes
    received_before = smtp.received

    timings = [
        post(
            enterprise_token,
            {
                "direction": "need",
                "category": "talent",
                "title": f"招聘数控车床操作工（第 {n + 1} 批）",
                "description": "熟悉数控编程。",
            },
        )
        for n in range(args.writes)
    ]
    mailed_during = smtp.received - received_before
    started = time.perf_counter()
    run_worker()  # afterwards, the worker sends what the writes queued
    drained_in = time.perf_counter() - started
    mailed_after = smtp.received - received_before - mailed_during
    controller.stop()

    print(f"code: {Path(matchmaker.__file__).resolve().parent.parent}")
    print(f"{args.writes} writes, SMTP {args.smtp_delay:g} s per message, {mailed_during} mails sent while they ran")
    print(f"then the worker sent {mailed_after} more in {drained_in:.1f} s")
    p50, p95 = statistics.median(timings) * 1000, percentile(timings, 0.95) * 1000
    print(f"write latency: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(timings) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
