"""Server time of the coordinators' dashboard, the projects, library and registry pages, and the
unmatched-needs job, on the demo data (with its events, projects and registries) and the real model.

    python benchmarks/dashboard_speed.py [--model instance/models/multilingual-e5-small] [--rounds 15]
                                         [--unmatched] [--fresh]

Builds (once; `--fresh` rebuilds) a scratch instance in benchmarks/.cache/dashboard_speed by running
`matchmaker load-demo` (organizations, postings, the events, projects and registries of
`matchmaker/demo_activity.py`). Then it times whole requests through the Flask test client as a
logged-in coordinator — routing, the report queries, template rendering — each page `--rounds`
times, and reports the median and the slowest. The home page is timed in the same rounds as the
baseline, so the ratios hold on a busy machine. Each report function of the dashboard is timed
on its own as well. `--unmatched` also runs the unmatched-needs computation once (every open
need matched with the product's matching: minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from matchmaker import accounts, create_app, reports  # noqa: E402
from matchmaker.cli import main as cli_main  # noqa: E402
from matchmaker.extensions import db, writing  # noqa: E402
from matchmaker.indexing import get_search_index  # noqa: E402
from matchmaker.reports import ReportFilters  # noqa: E402

WORKDIR = Path(__file__).resolve().parent / ".cache" / "dashboard_speed"
DEFAULT_MODEL = ROOT / "instance" / "models" / "multilingual-e5-small"
EMAIL, PASSWORD = "benchmark-coordinator@example.cn", "benchmark-password"
PAGES = (
    "/",  # the baseline
    "/coordinator/dashboard",
    "/coordinator/dashboard?sector=advanced_equipment",
    "/projects",
    "/library",
    "/coordinator/targets",
    "/registries/teacher-practice",
    "/registries/designations",
    "/pilot-enterprises",
)


def build_instance(model: Path, fresh: bool):
    if fresh and WORKDIR.exists():
        shutil.rmtree(WORKDIR)
    new = not (WORKDIR / "matchmaker.db").exists()
    WORKDIR.mkdir(parents=True, exist_ok=True)
    app = create_app(
        {"HOME": str(WORKDIR), "EMBEDDING_MODEL": str(model), "LOG_LEVEL": "WARNING", "SECRET_KEY": "benchmark"}
    )
    if new:
        with app.app_context():
            upgrade()
        result = app.test_cli_runner().invoke(cli_main, ["load-demo"])
        if result.exit_code != 0:
            sys.exit(result.output)
        with app.app_context(), writing():
            accounts.create_user(EMAIL, PASSWORD, role="coordinator")
            db.session.commit()
    return app


def time_pages(app, rounds: int) -> dict[str, list[float]]:
    app.config["WTF_CSRF_ENABLED"] = False  # the test client posts the login form without the page's token
    client = app.test_client()
    answer = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    if answer.status_code != 302:
        sys.exit(f"login failed: {answer.status_code}")
    for path in PAGES:  # warm: templates compiled, taxonomy loaded
        client.get(path)
    times: dict[str, list[float]] = {path: [] for path in PAGES}
    for _ in range(rounds):
        for path in PAGES:
            began = time.perf_counter()
            response = client.get(path)
            times[path].append(time.perf_counter() - began)
            if response.status_code != 200:
                sys.exit(f"{path}: {response.status_code}")
    return times


def time_reports(app, rounds: int) -> dict[str, list[float]]:
    functions = {
        "sector_region_grid": reports.sector_region_grid,
        "by_category": reports.by_category,
        "by_month": reports.by_month,
        "headcount_by_sector": reports.headcount_by_sector,
        "event_funnel": reports.event_funnel,
    }
    times: dict[str, list[float]] = {name: [] for name in functions}
    with app.app_context():
        for _ in range(rounds):
            for name, function in functions.items():
                began = time.perf_counter()
                function(ReportFilters())
                times[name].append(time.perf_counter() - began)
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--unmatched", action="store_true", help="also time the unmatched-needs computation")
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()
    app = build_instance(args.model, args.fresh)
    pages = time_pages(app, args.rounds)
    functions = time_reports(app, args.rounds)
    unmatched = None
    if args.unmatched:
        with app.app_context():
            began = time.perf_counter()
            snapshot = reports.find_unmatched_needs(get_search_index(), reports.counterpart_threshold())
            unmatched = (time.perf_counter() - began, snapshot)
    load_after = os.getloadavg()

    print(f"command: `{shlex.join(['python', *sys.argv])}`")
    print(
        f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; load average "
        f"{'/'.join(f'{x:.1f}' for x in load_before)} at the start, "
        f"{'/'.join(f'{x:.1f}' for x in load_after)} at the end; Python {platform.python_version()}; SQLite"
    )
    print(f"data: the demo set with its activity; scratch instance {WORKDIR.relative_to(ROOT)}; {args.rounds} rounds\n")
    baseline = statistics.median(pages["/"])
    print("| page (coordinator) | median | slowest | median ÷ home page |")
    print("| --- | ---: | ---: | ---: |")
    for path, values in pages.items():
        median = statistics.median(values)
        print(f"| `{path}` | {ms(median)} | {ms(max(values))} | {median / baseline:.1f} |")
    print("\n| report function (no filter) | median | slowest |")
    print("| --- | ---: | ---: |")
    for name, values in functions.items():
        print(f"| `reports.{name}` | {ms(statistics.median(values))} | {ms(max(values))} |")
    if unmatched is not None:
        seconds, snapshot = unmatched
        print(
            f"\nunmatched needs: {snapshot.needs_checked} open needs matched in {seconds:.0f} s "
            f"({seconds / max(snapshot.needs_checked, 1) * 1000:.0f} ms each); "
            f"{len(snapshot.needs)} below the threshold {snapshot.threshold:.2f}"
        )


if __name__ == "__main__":
    main()
