"""The embedded search backend: one SQLite file with FTS5 (BM25) and sqlite-vec (exact KNN).

The file is opened with apsw, which bundles a current SQLite (FTS5 with the `categories`
tokenizer option, contentless-delete tables) and can load the sqlite-vec extension; the
interpreter's sqlite3 module here cannot load extensions.

Layout (schema version 1):

    meta(key, value)               schema_version, model, dimensions, created_at
    docs(id, ...)                  filter columns + every IndexDocument field (lists as JSON)
    doc_sectors(id, sector)        one row per sector, for "any of these sectors" filters
    doc_tags(id, tag)              one row per crosswalk tag, for `tagged`
    fts(title, body)               FTS5, contentless, rowid = doc id, space-joined tokens
    vec(embedding float[N])        sqlite-vec vec0, cosine distance, rowid = doc id

Concurrency. Every process (gunicorn worker) and every thread in it has its own SQLite
connection (see `_Connections`); the file is in WAL mode so readers never block the one
writer and everybody sees each commit on their next statement. Writes run in explicit
`BEGIN IMMEDIATE` transactions (take the write lock up front, so a busy writer waits in the
busy handler instead of failing on a read→write upgrade), with a 10 s busy timeout.

Rebuilds. `rebuild()` builds a new file beside the live one. When there is no live file
the new one is hard-linked into place (atomic, and never overwrites a file somebody else
just created). When a live file exists it is NOT renamed over: other processes hold it
open in WAL mode, and the -wal/-shm files are found by name, so connections to the old
and the new inode would share one WAL and wal-index (and an old connection closing last
would checkpoint and delete the new file's WAL) — SQLite's "renaming a database file
while in use" corruption case. Instead the new content is copied into the live file with
SQLite's online backup API inside one write transaction: readers see either the whole old
index or the whole new one, and every other connection picks the new one up on its next
statement. Connections still check the file's inode before each call and reopen when it
changed (an operator restored or deleted the file) — that check costs one stat() — and
never checkpoint on close, so a connection left on a deleted file cannot delete the WAL of
the file that replaced it. Queries that run several statements do so in one read
transaction, so they never mix the index before and after a concurrent write or rebuild.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import apsw
import numpy as np

from matchmaker.indexing.base import (
    FACET_FIELDS,
    TITLE_WEIGHT,
    IndexDocument,
    IndexMissing,
    IndexStale,
    IndexStatus,
    LexicalHit,
    SearchError,
    SearchFilters,
    SemanticHit,
    TaggedHit,
    checked_vectors,
    lexical_terms,
)

SCHEMA_VERSION = 2  # 2: organization_subtype
BUSY_TIMEOUT_MS = 10_000
# sqlite-vec refuses KNN queries with k above this.
MAX_KNN = 4096
MMAP_BYTES = 4 << 30  # address space only; pages load on demand and are shared by processes

# Every Unicode category except separators (Z*) is a token character, so the FTS5
# tokenizer splits on whitespace only and keeps each pre-computed token whole ("c++",
# "4000～6000", "数控技术"). remove_diacritics 0 keeps "café" ≠ "cafe"; case folding is
# harmless because tokens arrive lower-cased from text.tokenizer.
FTS_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* M* N* P* S* C*'"

SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE docs (
    id INTEGER PRIMARY KEY,
    ref TEXT,
    direction TEXT NOT NULL,
    category TEXT NOT NULL,
    kind TEXT NOT NULL,
    organization_id INTEGER NOT NULL,
    organization_name TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    sectors TEXT NOT NULL,           -- JSON list, in the document's order
    region_code TEXT,
    prefecture_code TEXT,
    valid_until TEXT,                -- ISO date; ISO strings compare like dates
    published_at TEXT,
    title_tokens TEXT NOT NULL,      -- JSON lists: exact round trip, and matched_terms
    body_tokens TEXT NOT NULL,
    tags TEXT NOT NULL,
    embedding_text TEXT NOT NULL,
    organization_subtype TEXT
);
CREATE INDEX docs_direction_category ON docs (direction, category);
CREATE INDEX docs_region ON docs (region_code);
CREATE INDEX docs_prefecture ON docs (prefecture_code);
CREATE TABLE doc_sectors (id INTEGER NOT NULL, sector TEXT NOT NULL, PRIMARY KEY (id, sector)) WITHOUT ROWID;
CREATE INDEX doc_sectors_sector ON doc_sectors (sector, id);
CREATE TABLE doc_tags (id INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (id, tag)) WITHOUT ROWID;
CREATE INDEX doc_tags_tag ON doc_tags (tag, id);
CREATE VIRTUAL TABLE fts USING fts5(
    title, body, content='', contentless_delete=1, tokenize="{FTS_TOKENIZER}"
);
"""

_DOC_COLUMNS = (
    "id",
    "ref",
    "direction",
    "category",
    "kind",
    "organization_id",
    "organization_name",
    "title",
    "description",
    "sectors",
    "region_code",
    "prefecture_code",
    "valid_until",
    "published_at",
    "title_tokens",
    "body_tokens",
    "tags",
    "embedding_text",
    "organization_subtype",
)


def _vec_extension_path() -> str:
    import sqlite_vec  # imported lazily: no I/O or extension lookup at import time

    return sqlite_vec.loadable_path()


class _Connections(threading.local):
    """This thread's connection to the index file.

    One connection per thread rather than one shared connection behind a lock: WAL lets
    the threads of a gthread worker read in parallel (apsw releases the GIL inside
    SQLite), and a thread's BEGIN…COMMIT can never interleave with another thread's
    statements. `pid` guards against a connection inherited through fork(), which SQLite
    forbids using in the child.
    """

    connection: apsw.Connection | None = None
    inode: int | None = None
    pid: int | None = None


class EmbeddedBackend:
    """SearchBackend on a single SQLite file (FTS5 + sqlite-vec). Opens the file lazily."""

    name = "embedded"

    def __init__(self, path: Path, *, _staging: bool = False) -> None:
        self.path = Path(path)
        self._staging = _staging  # a rebuild's new file: no fsync while filling it
        self._local = _Connections()
        self._all: list[apsw.Connection] = []  # every thread's connection, for close()
        self._all_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"embedded index in {self.path}"

    # -- connections -------------------------------------------------------------------

    def _open(self, *, create: bool = False) -> apsw.Connection:
        flags = apsw.SQLITE_OPEN_READWRITE | (apsw.SQLITE_OPEN_CREATE if create else 0)
        try:
            connection = apsw.Connection(str(self.path), flags=flags)
        except apsw.CantOpenError as error:
            raise IndexMissing(f"no search index at {self.path}: run `matchmaker reindex`") from error
        connection.setbusytimeout(BUSY_TIMEOUT_MS)
        # Never checkpoint-and-delete the WAL on close. A connection to a file that was
        # deleted or replaced under it would otherwise, when closed (even by garbage
        # collection of a finished thread's connection), delete "<path>-wal" by name,
        # which may belong to the new file. Checkpoints still run automatically on
        # commit (wal_autocheckpoint) and explicitly after rebuilds.
        connection.config(apsw.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1)
        connection.enable_load_extension(True)
        connection.load_extension(_vec_extension_path())
        connection.enable_load_extension(False)
        # WAL mode is persistent in the file; synchronous is per connection. FULL: a commit
        # survives power loss, because the sync step deletes the outbox operations it applied
        # right after committing here. A rebuild's staging file is discarded on a crash anyway,
        # so it skips fsync until it is finished (_finish).
        connection.execute(f"PRAGMA synchronous = {'OFF' if self._staging else 'FULL'}")
        # Keep a large WAL (after a rebuild's bulk copy) from lingering at full size.
        connection.execute("PRAGMA journal_size_limit = 67108864")
        # Read the file through mmap: every vector search scans all vectors, and copying them
        # through SQLite's page cache costs a third of the time (65 → 45 ms at 100k vectors).
        connection.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        # Document frequencies of terms, to keep only a long query's rarest terms (see lexical).
        connection.execute("CREATE VIRTUAL TABLE temp.fts_vocab USING fts5vocab(main, 'fts', 'row')")
        return connection

    def _connection(self) -> apsw.Connection:
        """This thread's connection, reopened if the file was replaced; IndexMissing if gone."""
        local = self._local
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            self._drop_local()
            raise IndexMissing(f"no search index at {self.path}: run `matchmaker reindex`") from None
        if local.connection is not None and (local.inode != inode or local.pid != os.getpid()):
            self._drop_local()
        if local.connection is None:
            connection = self._open()
            try:
                if os.stat(self.path).st_ino != inode:  # replaced between stat and open: retry
                    connection.close()
                    return self._connection()
                self._check_schema(connection)
            except BaseException:
                connection.close()
                raise
            local.connection, local.inode, local.pid = connection, inode, os.getpid()
            with self._all_lock:
                self._all.append(connection)
        return local.connection

    def _drop_local(self) -> None:
        """Forget this thread's connection; close it unless it was inherited through fork()."""
        local = self._local
        connection = local.connection
        if connection is None:
            return
        local.connection = local.inode = None
        with self._all_lock:
            if connection in self._all:
                self._all.remove(connection)
        if local.pid != os.getpid():
            return  # not ours to close: the parent process still uses it
        connection.close()  # no checkpoint on close (see _open), so safe on a replaced file

    def _check_schema(self, connection: apsw.Connection) -> None:
        try:
            row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except apsw.SQLError as error:  # an empty or foreign file: no meta table
            raise IndexMissing(f"{self.path} holds no search index: run `matchmaker reindex`") from error
        except apsw.NotADBError as error:
            raise SearchError(f"{self.path} is not an SQLite file") from error
        if row is None or int(row[0]) != SCHEMA_VERSION:
            raise IndexStale(
                f"search index {self.path} has schema {row and row[0]}, this version needs "
                f"{SCHEMA_VERSION}: run `matchmaker reindex`"
            )

    def close(self) -> None:
        """Close every connection this backend opened (in any thread). Further calls reopen."""
        with self._all_lock:
            connections, self._all = self._all, []
        for connection in connections:
            connection.close()
        self._local = _Connections()

    @contextmanager
    def _read(self) -> Iterator[apsw.Connection]:
        """One snapshot for several statements (a rebuild or write may commit in between)."""
        connection = self._connection()
        connection.execute("BEGIN")
        try:
            yield connection
        finally:
            if connection.in_transaction:
                connection.execute("COMMIT")

    @contextmanager
    def _write(self) -> Iterator[apsw.Connection]:
        """An explicit write transaction on this thread's connection."""
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    # -- status and rebuild ------------------------------------------------------------

    def status(self) -> IndexStatus:
        try:
            with self._read() as connection:
                meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
                documents = connection.execute("SELECT count(*) FROM docs").fetchone()[0]
        except IndexMissing:
            return IndexStatus(exists=False, details={"path": str(self.path)})
        except SearchError as error:
            return IndexStatus(exists=True, details={"path": str(self.path), "error": str(error)})
        details = {
            "path": str(self.path),
            "bytes": str(self.path.stat().st_size),
            "sqlite": apsw.sqlite_lib_version(),
            "sqlite_vec": connection.execute("SELECT vec_version()").fetchone()[0],
        }
        if "created_at" in meta:
            details["created_at"] = meta["created_at"]
        return IndexStatus(
            exists=True,
            documents=documents,
            model=meta.get("model"),
            dimensions=int(meta["dimensions"]),
            schema_version=int(meta["schema_version"]),
            details=details,
        )

    def health(self) -> dict[str, str]:
        return dict(self.status().details)

    @contextmanager
    def rebuild(self, model: str, dimensions: int) -> Iterator[EmbeddedBackend]:
        """Fill a new file beside the live one; install it on a clean exit, delete it on error."""
        if dimensions <= 0:
            raise SearchError(f"dimensions must be positive, not {dimensions}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_abandoned_staging_files()
        staging = EmbeddedBackend(
            self.path.with_name(f"{self.path.name}.rebuild-{os.getpid()}-{secrets.token_hex(4)}"), _staging=True
        )
        try:
            staging._create(model, dimensions)
            yield staging
            staging._finish()
            self._install(staging.path)
        finally:
            staging.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{staging.path}{suffix}").unlink(missing_ok=True)

    def _remove_abandoned_staging_files(self) -> None:
        """Delete staging files left by rebuilds whose process died (killed, power loss)."""
        for leftover in self.path.parent.glob(f"{self.path.name}.rebuild-*"):
            pid = leftover.name[len(self.path.name) + len(".rebuild-") :].split("-", 1)[0]
            if pid.isdigit() and not _process_alive(int(pid)):
                leftover.unlink(missing_ok=True)

    def _create(self, model: str, dimensions: int) -> None:
        connection = self._open(create=True)
        connection.execute("PRAGMA journal_mode = WAL")
        with connection:
            connection.execute(SCHEMA)
            connection.execute(
                f"CREATE VIRTUAL TABLE vec USING vec0(embedding float[{int(dimensions)}] distance_metric=cosine)"
            )
            connection.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("model", model),
                    ("dimensions", str(int(dimensions))),
                    ("created_at", datetime.now(UTC).isoformat(timespec="seconds")),
                ],
            )
        connection.close()

    def _finish(self) -> None:
        """Make the staging file self-contained: merge FTS segments, gather planner statistics,
        fold the WAL in, fsync, close."""
        connection = self._connection()
        with connection:
            connection.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        # Statistics let the planner drive filters from the selective condition (one sector,
        # a few counties) rather than from the direction index, which matches half the rows.
        connection.execute("PRAGMA analysis_limit = 2000")
        connection.execute("ANALYZE")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.close()
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _install(self, staging_path: Path) -> None:
        """Put the finished staging file's content at self.path (see the module docstring)."""
        if not self.path.exists():
            # -wal/-shm without a database are leftovers of a deleted index (a connection
            # may still hold them open): the new file must not adopt their frames.
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        try:
            os.link(staging_path, self.path)  # only if there is no live file: atomic, no overwrite
            _fsync_directory(self.path.parent)
            return
        except FileExistsError:
            pass
        except OSError:  # a filesystem without hard links
            if not self.path.exists():
                os.replace(staging_path, self.path)
                _fsync_directory(self.path.parent)
                return
        source = apsw.Connection(str(staging_path), flags=apsw.SQLITE_OPEN_READONLY)
        target = apsw.Connection(str(self.path), flags=apsw.SQLITE_OPEN_READWRITE)
        try:
            target.setbusytimeout(BUSY_TIMEOUT_MS)
            deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
            while True:
                try:
                    # One step for all pages: the copy is one write transaction on the
                    # live file, so readers switch from the whole old to the whole new index.
                    with target.backup("main", source, "main") as backup:
                        backup.step(-1)
                    break
                except (apsw.BusyError, apsw.LockedError):
                    if time.monotonic() > deadline:
                        raise SearchError(f"search index {self.path} stayed locked; rebuild not installed") from None
                    time.sleep(0.05)
            # Fold the copied pages into the file now so the WAL does not stay index-sized;
            # readers still on the old snapshot can make this partial, which is fine.
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            source.close()
            target.close()

    # -- writes ------------------------------------------------------------------------

    def _dimensions(self, connection: apsw.Connection) -> int:
        return int(connection.execute("SELECT value FROM meta WHERE key = 'dimensions'").fetchone()[0])

    def upsert(self, documents: Sequence[IndexDocument], vectors: np.ndarray) -> None:
        if not documents:
            return
        # The last occurrence of a repeated id wins, as if upserted one after the other.
        latest = {document.id: i for i, document in enumerate(documents)}
        order = sorted(latest.values())
        with self._write() as connection:
            array = checked_vectors(vectors, len(documents), self._dimensions(connection))
            ids = [documents[i].id for i in order]
            self._delete_rows(connection, ids)
            connection.executemany(
                f"INSERT INTO docs ({', '.join(_DOC_COLUMNS)}) VALUES ({', '.join('?' * len(_DOC_COLUMNS))})",
                (_doc_row(documents[i]) for i in order),
            )
            connection.executemany(
                "INSERT OR IGNORE INTO doc_sectors (id, sector) VALUES (?, ?)",
                ((documents[i].id, s) for i in order for s in documents[i].sectors),
            )
            connection.executemany(
                "INSERT OR IGNORE INTO doc_tags (id, tag) VALUES (?, ?)",
                ((documents[i].id, t) for i in order for t in documents[i].tags),
            )
            connection.executemany(
                "INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)",
                (
                    (documents[i].id, _fts_text(documents[i].title_tokens), _fts_text(documents[i].body_tokens))
                    for i in order
                ),
            )
            connection.executemany(
                "INSERT INTO vec (rowid, embedding) VALUES (?, ?)",
                ((documents[i].id, array[i].tobytes()) for i in order),
            )

    def delete(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        with self._write() as connection:
            self._delete_rows(connection, [int(i) for i in ids])

    @staticmethod
    def _delete_rows(connection: apsw.Connection, ids: list[int]) -> None:
        # vec0 and FTS5 have no INSERT OR REPLACE: delete every trace of the ids first.
        # Looking the ids up in docs keeps a fresh index (rebuild) from paying for
        # deletes of rows that are not there.
        present = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM docs WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
            )
        ]
        if not present:
            return
        rows = [(i,) for i in present]
        for table, column in (
            ("docs", "id"),
            ("doc_sectors", "id"),
            ("doc_tags", "id"),
            ("fts", "rowid"),
            ("vec", "rowid"),
        ):
            connection.executemany(f"DELETE FROM {table} WHERE {column} = ?", rows)

    # -- queries -----------------------------------------------------------------------

    def lexical(self, tokens: Sequence[str], filters: SearchFilters, limit: int) -> list[LexicalHit]:
        terms, scored_terms = lexical_terms(tokens, self.document_frequencies)
        if not scored_terms or limit <= 0:
            self._connection()  # still IndexMissing when there is no index
            return []
        where, params = _filter_sql(filters)
        # The unary + keeps "rowid IN (…)" away from FTS5: given it as a constraint, FTS5
        # re-runs the whole MATCH once per allowed rowid (minutes for 50k ids at 100k
        # documents). As a plain expression SQLite checks each match against the
        # materialised id list, and computes bm25 only for the matches that pass.
        sql = (
            f"SELECT fts.rowid, bm25(fts, {TITLE_WEIGHT}, 1.0) AS rank FROM fts "
            "WHERE fts MATCH ?"
            + (f" AND +fts.rowid IN (SELECT id FROM docs WHERE {where})" if where else "")
            + " ORDER BY rank, fts.rowid LIMIT ?"
        )
        with self._read() as connection:
            rows = connection.execute(sql, (_match_expression(scored_terms), *params, limit)).fetchall()
            stored = self._tokens(connection, [row[0] for row in rows])
        return [
            LexicalHit(id=doc_id, score=-rank, matched_terms=tuple(t for t in terms if t in stored[doc_id]))
            for doc_id, rank in rows
        ]

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        with self._read() as connection:
            return dict(
                connection.execute(
                    "SELECT term, doc FROM temp.fts_vocab WHERE term IN (SELECT value FROM json_each(?))",
                    (json.dumps(list(dict.fromkeys(terms))),),
                ).fetchall()
            )

    @staticmethod
    def _tokens(connection: apsw.Connection, ids: list[int]) -> dict[int, set[str]]:
        rows = connection.execute(
            "SELECT id, title_tokens, body_tokens FROM docs WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
        return {doc_id: set(json.loads(title)) | set(json.loads(body)) for doc_id, title, body in rows}

    def semantic(self, vector: np.ndarray, filters: SearchFilters, limit: int) -> list[SemanticHit]:
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        where, params = _filter_sql(filters)
        # vec0 KNN is exact; the rowid IN (…) constraint is applied inside the scan, so a
        # filtered query still returns the k nearest among the documents that pass.
        sql = (
            "SELECT rowid, distance FROM vec WHERE embedding MATCH ? AND k = ?"
            + (f" AND rowid IN (SELECT id FROM docs WHERE {where})" if where else "")
            + " ORDER BY distance"
        )
        with self._read() as connection:
            dimensions = self._dimensions(connection)
            if query.shape[0] != dimensions:
                raise SearchError(f"query vector has {query.shape[0]} dimensions, the index expects {dimensions}")
            if limit <= 0:
                return []
            rows = connection.execute(sql, (query.tobytes(), min(limit, MAX_KNN), *params)).fetchall()
        rows.sort(key=lambda row: (row[1], row[0]))  # vec0 allows no tie-break column: stable order here
        return [SemanticHit(id=doc_id, similarity=1.0 - distance) for doc_id, distance in rows]

    def tagged(self, tags: Sequence[str], filters: SearchFilters, limit: int) -> list[TaggedHit]:
        connection = self._connection()
        wanted = list(dict.fromkeys(tags))
        if not wanted or limit <= 0:
            return []
        where, params = _filter_sql(filters)
        sql = (
            "SELECT id, json_group_array(tag) FROM doc_tags WHERE tag IN (SELECT value FROM json_each(?))"
            + (f" AND id IN (SELECT id FROM docs WHERE {where})" if where else "")
            + " GROUP BY id ORDER BY count(*) DESC, id LIMIT ?"
        )
        hits = []
        for doc_id, found in connection.execute(sql, (json.dumps(wanted), *params, limit)):
            carried = set(json.loads(found))
            hits.append(TaggedHit(id=doc_id, tags=tuple(t for t in wanted if t in carried)))
        return hits

    def documents(self, ids: Sequence[int]) -> dict[int, IndexDocument]:
        connection = self._connection()
        rows = connection.execute(
            f"SELECT {', '.join(_DOC_COLUMNS)} FROM docs WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(i) for i in ids]),),
        )
        return {row[0]: _row_doc(row) for row in rows}

    def facets(self, ids: Sequence[int]) -> dict[str, dict[str, int]]:
        selected = json.dumps([int(i) for i in dict.fromkeys(ids)])
        queries = {
            "sector": "SELECT sector, count(*) FROM doc_sectors WHERE id IN (SELECT value FROM json_each(?)) "
            "GROUP BY sector",
            "region": "SELECT prefecture_code, count(*) FROM docs WHERE id IN (SELECT value FROM json_each(?)) "
            "AND prefecture_code IS NOT NULL GROUP BY prefecture_code",
            "category": "SELECT category, count(*) FROM docs WHERE id IN (SELECT value FROM json_each(?)) "
            "GROUP BY category",
            "kind": "SELECT kind, count(*) FROM docs WHERE id IN (SELECT value FROM json_each(?)) GROUP BY kind",
        }
        assert tuple(queries) == FACET_FIELDS
        with self._read() as connection:
            return {name: dict(connection.execute(sql, (selected,)).fetchall()) for name, sql in queries.items()}

    def count(self, filters: SearchFilters) -> int:
        where, params = _filter_sql(filters)
        sql = "SELECT count(*) FROM docs" + (f" WHERE {where}" if where else "")
        return self._connection().execute(sql, params).fetchone()[0]

    def ids(self) -> set[int]:
        return {row[0] for row in self._connection().execute("SELECT id FROM docs")}


# -- helpers ---------------------------------------------------------------------------


def _filter_sql(filters: SearchFilters) -> tuple[str, list]:
    """A WHERE clause over `docs` (empty when there is no filter) and its parameters."""
    clauses: list[str] = []
    params: list = []

    def any_of(column: str, values: Sequence[str]) -> None:
        clauses.append(f"{column} IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(values)))

    if filters.direction is not None:
        clauses.append("direction = ?")
        params.append(filters.direction)
    if filters.categories:
        any_of("category", filters.categories)
    if filters.kinds:
        any_of("kind", filters.kinds)
    if filters.region_codes:
        any_of("region_code", filters.region_codes)
    if filters.sectors:
        clauses.append("id IN (SELECT id FROM doc_sectors WHERE sector IN (SELECT value FROM json_each(?)))")
        params.append(json.dumps(list(filters.sectors)))
    if filters.exclude_organization_id is not None:
        clauses.append("organization_id != ?")
        params.append(filters.exclude_organization_id)
    if filters.organization_ids:
        any_of("organization_id", filters.organization_ids)
    if filters.valid_on is not None:
        clauses.append("(valid_until IS NULL OR valid_until >= ?)")
        params.append(filters.valid_on.isoformat())
    return " AND ".join(clauses), params


def _match_expression(terms: Sequence[str]) -> str:
    """An FTS5 query matching any of the tokens, each quoted so none is read as syntax."""
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _fts_text(tokens: Sequence[str]) -> str:
    # Tokens never contain whitespace (the tokenizer splits on it), so spaces separate them.
    return " ".join(tokens)


def _doc_row(document: IndexDocument) -> tuple:
    return (
        document.id,
        document.ref,
        document.direction,
        document.category,
        document.kind,
        document.organization_id,
        document.organization_name,
        document.title,
        document.description,
        _json(document.sectors),
        document.region_code,
        document.prefecture_code,
        document.valid_until.isoformat() if document.valid_until else None,
        document.published_at,
        _json(document.title_tokens),
        _json(document.body_tokens),
        _json(document.tags),
        document.embedding_text,
        document.organization_subtype,
    )


def _row_doc(row: tuple) -> IndexDocument:
    values = dict(zip(_DOC_COLUMNS, row, strict=True))
    for name in ("sectors", "title_tokens", "body_tokens", "tags"):
        values[name] = tuple(json.loads(values[name]))
    if values["valid_until"] is not None:
        values["valid_until"] = date.fromisoformat(values["valid_until"])
    return IndexDocument(**values)


def _json(values: Sequence[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
