"""Servers the test suite starts for itself: PostgreSQL, Redis and Elasticsearch.

`make test` installs the programs (Debian's postgresql and redis-server packages, the
official minimal Elasticsearch distribution from Maven Central, cached in `.cache/`);
this module runs them for one test session: loopback only, a free port, data in a
temporary folder that is removed afterwards. PostgreSQL and Elasticsearch refuse to run
as root, so as root they run as an unprivileged user (created when missing).

Every server is started with a parent-death signal, so even a test run that is killed
outright takes its servers with it; a normal end, a failure or Ctrl-C stops them in the
fixtures' teardown.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

TEST_USER = "matchmaker-test"
PR_SET_PDEATHSIG = 1


class ServerUnavailable(RuntimeError):
    """A server the suite needs could not be had; the message says why and what to do."""


@dataclass
class Server:
    """A server process this session started, with its address and its scratch folder."""

    name: str
    url: str
    process: subprocess.Popen
    workdir: Path
    log: Path
    started_in: float
    stop_signal: int = signal.SIGTERM
    info: dict = field(default_factory=dict)
    # How to start the same server again (same command, port and data) and how to tell it serves:
    # set by the starters whose servers can be restarted (`kill` then `restart`).
    relaunch: Callable[[], subprocess.Popen] | None = field(default=None, repr=False)
    ready: Callable[[], bool] | None = field(default=None, repr=False)
    ready_timeout: float = 120.0

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server (its whole process group) and remove its data."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, self.stop_signal)
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        # Children (Elasticsearch's server JVM under its launcher) share the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.workdir, ignore_errors=True)
        # The JVM leaves an empty /tmp/hsperfdata_<user> behind; remove it only when nothing else uses it.
        for folder in glob.glob(os.path.join(tempfile.gettempdir(), "hsperfdata_*")):
            with contextlib.suppress(OSError):
                os.rmdir(folder)

    def kill(self, timeout: float = 30.0) -> None:
        """Kill the server's whole process group at once (SIGKILL, as a crash or a power cut would), keeping
        its data folder for `restart`; returns when none of its processes runs any more (its port is free)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout)
        # Children (Elasticsearch's server JVM under its launcher) are not ours to wait for: watch the group.
        deadline = time.monotonic() + timeout
        while self._group_running():
            if time.monotonic() > deadline:
                raise ServerUnavailable(f"{self.name} still runs {timeout:.0f} s after SIGKILL")
            time.sleep(0.05)

    def restart(self) -> None:
        """Start the server again after `kill` (or a crash): the same command on the same port, with the same
        data; returns once it serves. Raises ServerUnavailable (and removes the data) if it does not come up."""
        if self.relaunch is None or self.ready is None:
            raise ServerUnavailable(f"{self.name} was not started in a way that can be restarted")
        if self.process.poll() is None or self._group_running():
            self.kill()
        self.started_in = time.monotonic()
        self.process = self.relaunch()
        _wait(self, self.ready, self.ready_timeout)

    def _group_running(self) -> bool:
        """Whether a process of the server's group still runs (zombies, which hold no port or lock, aside)."""
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # After the command: field 3 of /proc/PID/stat is the state, field 5 the process group.
            if int(fields[2]) == self.process.pid and fields[0] not in ("Z", "X"):
                return True
        return False

    def resident_memory_mb(self) -> float:
        """Resident memory of the server's processes together, in MiB (Linux /proc)."""
        total_kb = 0
        for status in glob.glob("/proc/[0-9]*/status"):
            try:
                text = Path(status).read_text()
                stat = Path(status).with_name("stat").read_text()
            except OSError:
                continue
            # Field 5 of /proc/PID/stat is the process group.
            if int(stat.rsplit(")", 1)[1].split()[2]) != self.process.pid:
                continue
            match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            total_kb += int(match.group(1)) if match else 0
        return total_kb / 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unprivileged_user() -> pwd.struct_passwd | None:
    """The account servers run as: none when we are not root, else the test user (created once)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", TEST_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(TEST_USER)


WORKDIR_PREFIX = "matchmaker-test-"


def _workdir(name: str, user: pwd.struct_passwd | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{name}-"))
    (folder / "owner.pid").write_text(str(os.getpid()))
    if user is not None:
        os.chown(folder, user.pw_uid, user.pw_gid)
    return folder


def remove_stale_workdirs() -> None:
    """Remove scratch folders of earlier test runs that were killed before they could clean up."""
    for folder in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        try:
            owner = int((folder / "owner.pid").read_text())
            os.kill(owner, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):
            continue


def _switch_to(user: pwd.struct_passwd | None) -> None:
    """In a child process before exec: drop to the unprivileged user, if any."""
    if user is not None:
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)


def _run_as(user: pwd.struct_passwd | None, command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, preexec_fn=lambda: _switch_to(user), capture_output=True, text=True)


def _spawn(
    command: list[str],
    *,
    user: pwd.struct_passwd | None,
    log: Path,
    env: dict[str, str] | None = None,
    death_signal: int = signal.SIGTERM,
    cwd: Path | None = None,
) -> subprocess.Popen:
    """Start a server in its own process group, as `user`, dying with this process."""
    libc = ctypes.CDLL(None, use_errno=True)

    def become_child() -> None:
        _switch_to(user)
        # Set after the uid change: changing credentials clears the parent-death signal.
        libc.prctl(PR_SET_PDEATHSIG, death_signal)

    out = open(log, "ab")  # the child keeps its own copy
    try:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            preexec_fn=become_child,
            start_new_session=True,
        )
    finally:
        out.close()


def _wait(server: Server, ready: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if ready():
                server.started_in = time.monotonic() - server.started_in
                return
        except Exception:  # not up yet: try again
            pass
        time.sleep(0.2)
    tail = server.log.read_text(errors="replace")[-3000:] if server.log.exists() else ""
    server.stop()
    state = (
        f"exited with {server.process.returncode}"
        if server.process.returncode is not None
        else f"did not answer within {timeout:.0f} s"
    )
    raise ServerUnavailable(f"{server.name} {state}. Its log ends with:\n{tail}")


# --- PostgreSQL --------------------------------------------------------------------------------


def _postgres_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise ServerUnavailable(
            "No PostgreSQL server programs (/usr/lib/postgresql/*/bin/postgres). `make test` installs Debian's "
            "postgresql package; or set MATCHMAKER_TEST_DATABASE_URL to a server where the suite may create "
            "databases."
        )
    return Path(candidates[-1]).parent


def start_postgres() -> Server:
    """A throw-away PostgreSQL cluster on a free loopback port, trust auth, superuser `postgres`."""
    import psycopg

    bindir = _postgres_bin()
    user = _unprivileged_user()
    workdir = _workdir("postgres", user)
    log = workdir / "server.log"
    initdb = _run_as(
        user,
        [
            str(bindir / "initdb"),
            "-D",
            str(workdir / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
    )
    if initdb.returncode != 0:
        shutil.rmtree(workdir, ignore_errors=True)
        raise ServerUnavailable(f"initdb failed: {initdb.stderr or initdb.stdout}")
    port = free_port()
    # Durability settings off: the cluster lives for one test session.
    command = [
        str(bindir / "postgres"),
        "-D",
        str(workdir / "data"),
        "-p",
        str(port),
        "-k",
        str(workdir),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
    ]
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    server = Server(
        "PostgreSQL",
        url,
        _spawn(command, user=user, log=log, death_signal=signal.SIGINT),
        workdir,
        log,
        time.monotonic(),
        stop_signal=signal.SIGINT,
    )

    def ready() -> bool:
        with psycopg.connect(url, connect_timeout=2) as conn:
            server.info["version"] = conn.execute("SHOW server_version").fetchone()[0]
        return True

    _wait(server, ready, timeout=60)
    return server


# --- Redis -------------------------------------------------------------------------------------


def start_redis() -> Server:
    """A Redis server on a free loopback port that keeps nothing on disk."""
    program = shutil.which("redis-server")
    if program is None:
        raise ServerUnavailable(
            "No redis-server program. `make test` installs Debian's redis-server package; or "
            "set MATCHMAKER_TEST_REDIS_URL to a running server."
        )
    user = _unprivileged_user()
    workdir = _workdir("redis", user)
    log = workdir / "server.log"
    port = free_port()
    command = [
        program,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(workdir),
        "--daemonize",
        "no",
    ]
    server = Server(
        "Redis", f"redis://127.0.0.1:{port}/0", _spawn(command, user=user, log=log), workdir, log, time.monotonic()
    )

    def ready() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    _wait(server, ready, timeout=30)
    return server


# --- Elasticsearch -----------------------------------------------------------------------------


ROOT = Path(__file__).resolve().parent.parent


def elasticsearch_targets() -> dict[str, Path | None]:
    """What to test against, by name: `external` (MATCHMAKER_TEST_ELASTICSEARCH_URL), else each unpacked
    distribution `make test` names (or `.cache/` holds), e.g. `elasticsearch-8.19.21`; `missing` if none."""
    if os.environ.get("MATCHMAKER_TEST_ELASTICSEARCH_URL"):
        return {"external": None}
    named = os.environ.get("MATCHMAKER_TEST_ELASTICSEARCH_HOMES")
    homes = (
        [Path(home) for home in named.split()]
        if named is not None
        else sorted(path.parent.parent for path in ROOT.glob(".cache/elasticsearch/*/bin/elasticsearch"))
    )
    return {home.name: home for home in homes} or {"missing": None}


def elasticsearch_version(home: Path) -> str:
    """The version of an unpacked distribution, from its server jar's name."""
    jars = glob.glob(str(home / "lib" / "elasticsearch-[0-9]*.jar"))
    match = re.search(r"elasticsearch-(\d+\.\d+\.\d+)\.jar$", jars[0]) if jars else None
    if match is None:
        raise ServerUnavailable(f"{home} is not an unpacked Elasticsearch distribution (no lib/elasticsearch-*.jar)")
    return match.group(1)


def java_home_for(es_version: str) -> Path:
    """A JDK new enough for this Elasticsearch: 8.x runs on Java 17, 9.x needs 21 or newer."""
    needed = 17 if int(es_version.split(".")[0]) < 9 else 21
    found: list[tuple[int, Path]] = []
    for release in glob.glob("/usr/lib/jvm/*/release") + (
        [os.environ["JAVA_HOME"] + "/release"] if os.environ.get("JAVA_HOME") else []
    ):
        match = re.search(r'^JAVA_VERSION="(\d+)', Path(release).read_text(errors="replace"), re.M)
        if match and Path(release).with_name("bin").joinpath("java").exists():
            found.append((int(match.group(1)), Path(release).parent))
    usable = sorted((major, home) for major, home in found if major >= needed)
    if not usable:
        have = ", ".join(f"{home} ({major})" for major, home in sorted(found)) or "none"
        raise ServerUnavailable(f"Elasticsearch {es_version} needs Java {needed} or newer; JDKs found: {have}")
    return usable[0][1]


def _readable_by(user: pwd.struct_passwd | None, path: Path) -> bool:
    if user is None:
        return os.access(path, os.R_OK | os.X_OK)
    probe = _run_as(user, ["test", "-r", str(path / "lib"), "-a", "-x", str(path / "bin" / "elasticsearch")])
    return probe.returncode == 0


def start_elasticsearch(home: Path, heap_mb: int = 512) -> Server:
    """One single-node Elasticsearch from an unpacked distribution: loopback, free port, no security."""
    home = home.resolve()
    version = elasticsearch_version(home)
    java = java_home_for(version)
    user = _unprivileged_user()
    workdir = _workdir(f"elasticsearch-{version}", user)
    if not _readable_by(user, home):
        # The checkout may sit in a folder the unprivileged user cannot enter (e.g. /root).
        shutil.copytree(home, workdir / "dist", symlinks=True)
        home = workdir / "dist"
    config = workdir / "config"
    shutil.copytree(home / "config", config)
    for sub in ("data", "logs", "tmp"):
        (workdir / sub).mkdir()
    if user is not None:
        for path in [config, *config.rglob("*"), *(workdir / sub for sub in ("data", "logs", "tmp"))]:
            os.chown(path, user.pw_uid, user.pw_gid)
    port = free_port()
    command = [
        str(home / "bin" / "elasticsearch"),
        "-E",
        "discovery.type=single-node",
        "-E",
        "network.host=127.0.0.1",
        "-E",
        f"http.port={port}",
        "-E",
        "transport.port=0",
        "-E",
        "xpack.security.enabled=false",
        "-E",
        "cluster.name=matchmaker-test",
        "-E",
        f"path.data={workdir / 'data'}",
        "-E",
        f"path.logs={workdir / 'logs'}",
        "-E",
        "cluster.routing.allocation.disk.threshold_enabled=false",
    ]
    env = {
        "ES_JAVA_HOME": str(java),
        "ES_PATH_CONF": str(config),
        "ES_TMPDIR": str(workdir / "tmp"),
        "ES_JAVA_OPTS": f"-Xms{heap_mb}m -Xmx{heap_mb}m",
    }
    url = f"http://127.0.0.1:{port}"

    def launch() -> subprocess.Popen:
        return _spawn(command, user=user, log=workdir / "console.log", env=env)

    # This distribution may not answer `GET /`; cluster health is what says it serves.
    def ready() -> bool:
        with urllib.request.urlopen(f"{url}/_cluster/health?wait_for_status=yellow&timeout=1s", timeout=3) as answer:
            return answer.status == 200

    server = Server(
        f"Elasticsearch {version}",
        url,
        launch(),
        workdir,
        workdir / "console.log",
        time.monotonic(),
        info={"version": version, "java": str(java)},
        relaunch=launch,
        ready=ready,
        ready_timeout=120,
    )
    _wait(server, ready, timeout=120)
    return server


def restart_elasticsearch(server: Server) -> Server:
    """Start an Elasticsearch of start_elasticsearch again on its port and data, after `server.kill()` or a
    crash (a running one is killed first, as a crash would); returns once the cluster is yellow or green."""
    server.restart()
    return server
