"""Settings: defaults → optional TOML file → MATCHMAKER_* environment → overrides.

Every setting has a default and a one-line description below; `load_settings` validates
the merged result and raises `ConfigError` naming the setting and the problem.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "MATCHMAKER_"
SEARCH_BACKENDS = ("embedded", "elasticsearch")


@dataclass(frozen=True)
class Setting:
    default: Any
    kind: type
    help: str


# name (without the MATCHMAKER_ prefix) → default, type, description.
# `None` defaults are derived from HOME in `load_settings`.
SETTINGS: dict[str, Setting] = {
    "HOME": Setting("./instance", str, "Folder that holds all state: database, search index, models, uploads."),
    "CONFIG_FILE": Setting(None, str, "Optional TOML file with settings (keys as below, without the prefix)."),
    "DATABASE_URL": Setting(
        None,
        str,
        "SQLAlchemy database URL; default a SQLite file in HOME. Use postgresql+psycopg://user@host/db for PostgreSQL.",
    ),
    "SECRET_KEY": Setting(None, str, "Signs session cookies; default a random key kept in HOME/secret_key."),
    "PRODUCTION": Setting(False, bool, "Production mode: `matchmaker serve` runs gunicorn, cookies are Secure."),
    "WORKERS": Setting(2, int, "gunicorn worker processes in production mode."),
    "EMBEDDING_MODEL": Setting(
        None,
        str,
        "sentence-transformers model: a local folder or a model name; "
        "default the multilingual-e5-small folder prepared in HOME/models.",
    ),
    "EMBEDDING_MAX_TOKENS": Setting(128, int, "Longest input, in model tokens, that is embedded; longer text is cut."),
    "SEARCH_BACKEND": Setting(
        "embedded", str, "Search index: embedded (a SQLite file in HOME) or elasticsearch (a cluster, see below)."
    ),
    "ELASTICSEARCH_URL": Setting(None, str, "Elasticsearch address(es), comma-separated, e.g. https://es1:9200."),
    "ELASTICSEARCH_API_KEY": Setting(None, str, "Elasticsearch API key (the base64 `encoded` form)."),
    "ELASTICSEARCH_USERNAME": Setting(None, str, "Elasticsearch user for basic authentication (instead of a key)."),
    "ELASTICSEARCH_PASSWORD": Setting(None, str, "Password of ELASTICSEARCH_USERNAME."),
    "ELASTICSEARCH_CA_CERTS": Setting(None, str, "PEM file of the CA that signed the cluster's certificate."),
    "ELASTICSEARCH_INDEX_PREFIX": Setting(
        "matchmaker", str, "Prefix of the index names (alias <prefix>-postings), so instances can share a cluster."
    ),
    "ELASTICSEARCH_TIMEOUT": Setting(10.0, float, "Seconds an Elasticsearch request may take."),
    "ELASTICSEARCH_SHARDS": Setting(1, int, "Primary shards of a new index (one holds millions of postings)."),
    "ELASTICSEARCH_REPLICAS": Setting(
        "0-1", str, "Replicas of the index, as auto_expand_replicas: 0-1 adds one when a second node joins."
    ),
    "SITE_URL": Setting("http://127.0.0.1:5000", str, "Public address of the site, for links in e-mails."),
    "SMTP_HOST": Setting(None, str, "SMTP server for e-mail notifications; unset means no e-mail is sent."),
    "SMTP_PORT": Setting(25, int, "SMTP port."),
    "SMTP_USER": Setting(None, str, "SMTP login, if the server wants one."),
    "SMTP_PASSWORD": Setting(None, str, "SMTP password."),
    "SMTP_STARTTLS": Setting(False, bool, "Upgrade the SMTP connection with STARTTLS."),
    "MAIL_FROM": Setting("matchmaker@localhost", str, "Sender address of notification e-mails."),
    "MATCH_NOTIFY_SCORE": Setting(
        None,
        float,
        "Ranking score from which a new posting is announced to its counterparts as a new match; "
        "default the learned score above which most judged results were worth contacting.",
    ),
    "SCHEDULE_TIME_LIMIT": Setting(
        10.0,
        float,
        "Seconds the meeting scheduler may search when a coordinator "
        "builds an event's schedule (the page waits for it).",
    ),
    "LOGIN_LIMIT": Setting(
        "5 per minute;20 per hour", str, "Failed-login limit per address and account (Flask-Limiter syntax)."
    ),
    "RATELIMIT_STORAGE": Setting(
        "memory://", str, "Where login limits are counted; redis://127.0.0.1:6379 shares them between gunicorn workers."
    ),
    "LOG_LEVEL": Setting("INFO", str, "Python logging level."),
}


class ConfigError(Exception):
    """A setting is missing, malformed or inconsistent."""


def _coerce(name: str, raw: Any, kind: type) -> Any:
    if raw is None or isinstance(raw, kind) and not (kind is int and isinstance(raw, bool)):
        return raw
    if kind is bool:
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
    elif kind in (int, float):
        try:
            return kind(str(raw).strip())
        except ValueError:
            pass
    elif kind is str:
        return str(raw)
    raise ConfigError(f"{ENV_PREFIX}{name}: expected {kind.__name__}, got {raw!r}")


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Merge the layers and return validated settings keyed by name without the prefix."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    unknown = [k for k in overrides if k not in SETTINGS]
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")

    values = {name: s.default for name, s in SETTINGS.items()}
    env = {name: environ[ENV_PREFIX + name] for name in SETTINGS if ENV_PREFIX + name in environ}
    config_file = overrides.get("CONFIG_FILE", env.get("CONFIG_FILE"))
    if config_file:
        values.update(_read_config_file(Path(config_file)))
    values.update(env)
    values.update(overrides)
    settings = {name: _coerce(name, values[name], SETTINGS[name].kind) for name in SETTINGS}

    home = Path(settings["HOME"]).expanduser().resolve()
    settings["HOME"] = str(home)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{home / 'matchmaker.db'}"
    if not settings["EMBEDDING_MODEL"]:
        settings["EMBEDDING_MODEL"] = str(home / "models" / "multilingual-e5-small")
    if settings["WORKERS"] < 1:
        raise ConfigError(f"{ENV_PREFIX}WORKERS: must be at least 1")
    if not 16 <= settings["EMBEDDING_MAX_TOKENS"] <= 512:
        raise ConfigError(f"{ENV_PREFIX}EMBEDDING_MAX_TOKENS: must be between 16 and 512")
    backend = settings["SEARCH_BACKEND"]
    if backend not in SEARCH_BACKENDS:
        raise ConfigError(f"{ENV_PREFIX}SEARCH_BACKEND: must be one of {', '.join(SEARCH_BACKENDS)}, not {backend!r}")
    if settings["SEARCH_BACKEND"] == "elasticsearch" and not settings["ELASTICSEARCH_URL"]:
        raise ConfigError(f"{ENV_PREFIX}ELASTICSEARCH_URL: needed when {ENV_PREFIX}SEARCH_BACKEND is elasticsearch")
    if settings["ELASTICSEARCH_PASSWORD"] and not settings["ELASTICSEARCH_USERNAME"]:
        raise ConfigError(f"{ENV_PREFIX}ELASTICSEARCH_PASSWORD: set {ENV_PREFIX}ELASTICSEARCH_USERNAME too")
    if settings["ELASTICSEARCH_API_KEY"] and settings["ELASTICSEARCH_USERNAME"]:
        raise ConfigError(f"{ENV_PREFIX}ELASTICSEARCH_API_KEY: use either an API key or a username, not both")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,100}", settings["ELASTICSEARCH_INDEX_PREFIX"]):
        raise ConfigError(
            f"{ENV_PREFIX}ELASTICSEARCH_INDEX_PREFIX: lower-case letters, digits, - and _ only, "
            f"not {settings['ELASTICSEARCH_INDEX_PREFIX']!r}"
        )
    if settings["ELASTICSEARCH_SHARDS"] < 1:
        raise ConfigError(f"{ENV_PREFIX}ELASTICSEARCH_SHARDS: must be at least 1")
    replicas = settings["ELASTICSEARCH_REPLICAS"]
    if not re.fullmatch(r"\d+-(\d+|all)|\d+", replicas):
        raise ConfigError(f"{ENV_PREFIX}ELASTICSEARCH_REPLICAS: a number or a range such as 0-1, not {replicas!r}")
    if settings["LOG_LEVEL"].upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(f"{ENV_PREFIX}LOG_LEVEL: unknown level {settings['LOG_LEVEL']!r}")
    return settings


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{ENV_PREFIX}CONFIG_FILE: no such file {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{ENV_PREFIX}CONFIG_FILE: {path} is not valid TOML: {exc}") from None
    unknown = [k for k in data if k not in SETTINGS]
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(sorted(unknown))}")
    return data


def ensure_secret_key(home: Path) -> str:
    """Return the instance's persistent secret key, creating it on first use."""
    path = home / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
