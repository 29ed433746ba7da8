"""`MetadataStore` on SQLite: the OSS object semantics over the tables of `schema`.

Transactions come from `sqlite_engine`, row encoding from `sqlite_rows`. Blobs that a
transaction stops referencing are moved to the `garbage` table in that transaction and their
files are removed after commit by the reaper (`set_blob_reaper`), once `garbage_grace`
seconds have passed (so a reader that just looked up a version can still open its files).
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import threading
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ossbox.store import listing
from ossbox.store.base import (
    NULL_VERSION,
    TYPE_APPENDABLE,
    VERSIONING_ENABLED,
    VERSIONING_OFF,
    AccessKey,
    Account,
    Bucket,
    BucketAlreadyExists,
    BucketNotEmpty,
    BucketPage,
    DeleteResult,
    ListPage,
    MultipartUpload,
    NoSuchBucket,
    NoSuchUpload,
    ObjectExists,
    ObjectNotAppendable,
    ObjectVersion,
    Part,
    PartsPage,
    PositionNotEqualToLength,
    Segment,
    UploadsPage,
    VersionsPage,
)
from ossbox.store.crc import crc64_combine
from ossbox.store.crypto import MasterKey
from ossbox.store.sqlite_engine import SqliteEngine, Tx
from ossbox.store.sqlite_rows import (
    INSERT_OBJECT,
    SELECT_OBJECTS,
    access_key_aad,
    bucket_from_row,
    bucket_values,
    crc_from_db,
    crc_to_db,
    dump,
    from_us,
    new_upload_id,
    new_version_id,
    now_us,
    part_from_row,
    template_to_json,
    to_us,
    upload_from_row,
    version_from_row,
)

log = logging.getLogger(__name__)

DB_FILE = "meta.db"
_MUTABLE_BUCKET_FIELDS = frozenset(
    f.name for f in dataclasses.fields(Bucket) if f.name not in ("name", "owner_id", "created")
)


class SqliteMetadataStore:
    """The embedded metadata store. Thread-safe; see the module docstring."""

    def __init__(
        self,
        path: Path,
        master_key: MasterKey,
        *,
        busy_timeout: float = 30.0,
        garbage_grace: float = 0.0,
    ) -> None:
        self._db = SqliteEngine(path, busy_timeout=busy_timeout)
        self.path = path
        self._master_key = master_key
        self._garbage_grace = garbage_grace
        self._reaper: Callable[[str], None] | None = None
        self._sweeper: threading.Thread | None = None
        self._sweeper_lock = threading.Lock()
        self._closing = threading.Event()

    # transactions

    @contextmanager
    def _write(self) -> Iterator[Tx]:
        retired: list[str] = []
        with self._db.write() as tx:
            yield tx
            retired = tx.retired
        self._after_write(bool(retired))

    def _read(self) -> AbstractContextManager[Tx]:
        return self._db.read()

    def _disown(self, blob_ids: Sequence[str]) -> None:
        """After a failed write: the blobs it was given become garbage (see base docstring).

        Blobs that some row references are left alone, whatever failed.
        """
        if not blob_ids:
            return
        with self._write() as tx:
            tx.retire([b for b in blob_ids if not _referenced(tx, b)])

    @property
    def writes_refused(self) -> bool:
        return self._db.writes_refused

    def close(self) -> None:
        self._closing.set()
        if self._sweeper is not None:
            self._sweeper.join(timeout=30)
        self._db.close()

    # blob journal and garbage

    def add_pending_blob(self, blob_id: str) -> None:
        with self._write() as tx:
            tx.run(
                "INSERT OR IGNORE INTO pending_blobs(blob_id, created) VALUES (?, ?)",
                (blob_id, now_us()),
            )

    def forget_blob(self, blob_id: str) -> None:
        self.forget_blobs([blob_id])

    def forget_blobs(self, blob_ids: Sequence[str]) -> None:
        if not blob_ids:
            return
        with self._write() as tx:
            args = [(b,) for b in blob_ids]
            tx.conn.executemany("DELETE FROM pending_blobs WHERE blob_id = ?", args)
            tx.conn.executemany("DELETE FROM garbage WHERE blob_id = ?", args)

    def set_blob_reaper(self, reaper: Callable[[str], None] | None) -> None:
        """`reaper(blob_id)` removes a blob file (missing is fine); called after commits."""
        self._reaper = reaper

    def pending_blobs(self, *, older_than: float = 0.0) -> list[str]:
        """Pending blobs recorded at least `older_than` seconds ago that nothing references."""
        cutoff = now_us() - int(older_than * 1e6)
        with self._read() as tx:
            rows = tx.rows(
                "SELECT p.blob_id FROM pending_blobs p WHERE p.created <= ?"
                " AND NOT EXISTS (SELECT 1 FROM segments s WHERE s.blob_id = p.blob_id)"
                " AND NOT EXISTS (SELECT 1 FROM parts t WHERE t.blob_id = p.blob_id)",
                (cutoff,),
            )
        return [r[0] for r in rows]

    def garbage_blobs(self, *, older_than: float = 0.0, limit: int = 1000) -> list[str]:
        cutoff = now_us() - int(older_than * 1e6)
        rows = (
            self._db.conn()
            .execute(
                "SELECT blob_id FROM garbage WHERE retired <= ? ORDER BY retired LIMIT ?",
                (cutoff, limit),
            )
            .fetchall()
        )
        return [r[0] for r in rows]

    def sweep_garbage(self, *, older_than: float | None = None) -> int:
        """Remove due garbage files via the reaper; returns how many were removed."""
        if self._reaper is None:
            return 0
        grace = self._garbage_grace if older_than is None else older_than
        removed = 0
        while batch := self.garbage_blobs(older_than=grace):
            done = self._reap(batch)
            removed += len(done)
            if len(done) < len(batch):
                break
        return removed

    def _reap(self, blob_ids: list[str]) -> list[str]:
        assert self._reaper is not None
        done: list[str] = []
        for blob_id in blob_ids:
            try:
                self._reaper(blob_id)
            except OSError as exc:
                log.warning("could not remove retired blob %s: %s", blob_id, exc)
                continue
            done.append(blob_id)
        self.forget_blobs(done)
        return done

    def _after_write(self, retired: bool) -> None:
        """Reap garbage after a commit; never raises (the write itself succeeded).

        Without a grace period, right after any commit that retired blobs. With one, a
        background thread (started by the first write) reaps every grace/2 seconds, so that
        no request waits while thousands of retired blobs are deleted.
        """
        if self._reaper is None or not (retired or self._garbage_grace):
            return
        if not self._garbage_grace:
            self._sweep_logged()
        elif self._sweeper is None:
            self._start_sweeper()

    def _start_sweeper(self) -> None:
        with self._sweeper_lock:
            if self._sweeper is None and not self._closing.is_set():
                self._sweeper = threading.Thread(
                    target=self._sweep_periodically, name="ossbox-garbage", daemon=True
                )
                self._sweeper.start()

    def _sweep_periodically(self) -> None:
        while not self._closing.wait(self._garbage_grace / 2):
            self._sweep_logged()

    def _sweep_logged(self) -> None:
        try:
            self.sweep_garbage()
        except Exception:
            log.exception("garbage sweep failed; it will be retried")

    # accounts and access keys

    def create_account(self, account_id: str, *, created: datetime | None = None) -> Account:
        when = created or datetime.now(UTC)
        with self._write() as tx:
            tx.run(
                "INSERT OR IGNORE INTO accounts(account_id, created) VALUES (?, ?)",
                (account_id, to_us(when)),
            )
            row = tx.one("SELECT created FROM accounts WHERE account_id = ?", (account_id,))
        assert row is not None
        return Account(account_id=account_id, created=from_us(row["created"]))

    def get_account(self, account_id: str) -> Account | None:
        row = (
            self._db.conn()
            .execute("SELECT created FROM accounts WHERE account_id = ?", (account_id,))
            .fetchone()
        )
        return None if row is None else Account(account_id=account_id, created=from_us(row[0]))

    def put_access_key(self, key: AccessKey) -> None:
        sealed = self._master_key.seal(key.secret.encode(), aad=access_key_aad(key.access_key_id))
        with self._write() as tx:
            tx.run(
                "INSERT OR REPLACE INTO access_keys(access_key_id, sealed_secret, account_id,"
                " principal_type, principal_name, status, created) VALUES (?,?,?,?,?,?,?)",
                (
                    key.access_key_id,
                    sealed,
                    key.account_id,
                    key.principal_type,
                    key.principal_name,
                    key.status,
                    to_us(key.created),
                ),
            )

    def _key_from_row(self, row: sqlite3.Row) -> AccessKey:
        ak = row["access_key_id"]
        secret = self._master_key.open(row["sealed_secret"], aad=access_key_aad(ak))
        return AccessKey(
            access_key_id=ak,
            secret=secret.decode(),
            account_id=row["account_id"],
            principal_type=row["principal_type"],
            principal_name=row["principal_name"],
            status=row["status"],
            created=from_us(row["created"]),
        )

    def get_access_key(self, access_key_id: str) -> AccessKey | None:
        row = (
            self._db.conn()
            .execute("SELECT * FROM access_keys WHERE access_key_id = ?", (access_key_id,))
            .fetchone()
        )
        return None if row is None else self._key_from_row(row)

    def list_access_keys(
        self,
        account_id: str,
        *,
        principal_type: str | None = None,
        principal_name: str | None = None,
    ) -> list[AccessKey]:
        sql = "SELECT * FROM access_keys WHERE account_id = ?"
        args: list[Any] = [account_id]
        if principal_type is not None:
            sql += " AND principal_type = ?"
            args.append(principal_type)
        if principal_name is not None:
            sql += " AND principal_name = ?"
            args.append(principal_name)
        rows = self._db.conn().execute(sql + " ORDER BY created, access_key_id", args).fetchall()
        return [self._key_from_row(r) for r in rows]

    def set_access_key_status(self, access_key_id: str, status: str) -> bool:
        with self._write() as tx:
            cur = tx.run(
                "UPDATE access_keys SET status = ? WHERE access_key_id = ?", (status, access_key_id)
            )
        return cur.rowcount > 0

    def delete_access_key(self, access_key_id: str) -> bool:
        with self._write() as tx:
            cur = tx.run("DELETE FROM access_keys WHERE access_key_id = ?", (access_key_id,))
        return cur.rowcount > 0

    # STS session revocations

    def revoke_role_sessions(self, account_id: str, role_name: str, before: datetime) -> datetime:
        with self._write() as tx:
            tx.run(
                "INSERT INTO sts_revocations(account_id, role_name, revoked_before)"
                " VALUES (?, ?, ?) ON CONFLICT(account_id, role_name) DO UPDATE SET"
                " revoked_before = max(revoked_before, excluded.revoked_before)",
                (account_id, role_name, to_us(before)),
            )
            row = tx.one(
                "SELECT revoked_before FROM sts_revocations WHERE account_id = ? AND role_name = ?",
                (account_id, role_name),
            )
        assert row is not None
        return from_us(row[0])

    def role_session_revocations(self) -> dict[tuple[str, str], datetime]:
        rows = self._db.conn().execute(
            "SELECT account_id, role_name, revoked_before FROM sts_revocations"
        )
        return {(r[0], r[1]): from_us(r[2]) for r in rows}

    # buckets

    def create_bucket(self, bucket: Bucket) -> Bucket:
        with self._write() as tx:
            row = tx.one("SELECT owner_id FROM buckets WHERE name = ?", (bucket.name,))
            if row is not None:
                raise BucketAlreadyExists(bucket.name, row["owner_id"])
            tx.run("INSERT INTO buckets VALUES (?,?,?,?,?,?,?,?,?,?,?)", bucket_values(bucket))
        return bucket

    def get_bucket(self, name: str) -> Bucket | None:
        row = self._db.conn().execute("SELECT * FROM buckets WHERE name = ?", (name,)).fetchone()
        return None if row is None else bucket_from_row(row)

    def list_buckets(
        self,
        *,
        owner_id: str | None = None,
        prefix: str = "",
        marker: str = "",
        max_keys: int = 100,
    ) -> BucketPage:
        sql = "SELECT * FROM buckets WHERE name > ? AND name >= ?"
        args: list[Any] = [marker, prefix]
        end = listing.prefix_end(prefix)
        if end is not None:
            sql += " AND name < ?"
            args.append(end)
        if owner_id is not None:
            sql += " AND owner_id = ?"
            args.append(owner_id)
        sql += " ORDER BY name LIMIT ?"
        args.append(max_keys + 1)
        buckets = [bucket_from_row(r) for r in self._db.conn().execute(sql, args).fetchall()]
        truncated = len(buckets) > max_keys
        buckets = buckets[:max_keys]
        next_marker = buckets[-1].name if truncated and buckets else None
        return BucketPage(buckets=buckets, is_truncated=truncated, next_marker=next_marker)

    def update_bucket(self, name: str, **changes: object) -> Bucket:
        unknown = set(changes) - _MUTABLE_BUCKET_FIELDS
        if unknown:
            raise TypeError(f"cannot update bucket fields: {sorted(unknown)}")
        with self._write() as tx:
            current = self._bucket_in(tx, name)
            updated = dataclasses.replace(current, **changes)  # type: ignore[arg-type]
            tx.run(
                "UPDATE buckets SET region=?, storage_class=?, acl=?, versioning=?, created=?,"
                " data_redundancy=?, tags=?, policy=?, configs=? WHERE name = ?",
                (*bucket_values(updated)[2:], name),
            )
        return updated

    def delete_bucket(self, name: str) -> None:
        with self._write() as tx:
            self._bucket_in(tx, name)
            if tx.one("SELECT 1 FROM objects WHERE bucket = ? LIMIT 1", (name,)) or tx.one(
                "SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1", (name,)
            ):
                raise BucketNotEmpty(f"bucket {name!r} is not empty")
            tx.run("DELETE FROM buckets WHERE name = ?", (name,))

    @staticmethod
    def _bucket_in(tx: Tx, name: str) -> Bucket:
        row = tx.one("SELECT * FROM buckets WHERE name = ?", (name,))
        if row is None:
            raise NoSuchBucket(f"bucket {name!r} does not exist")
        return bucket_from_row(row)

    # objects: reading

    def get_object(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> ObjectVersion | None:
        with self._read() as tx:
            row = self._version_row(tx, bucket, key, version_id)
            return None if row is None else self._with_segments(tx, row)

    @staticmethod
    def _version_row(tx: Tx, bucket: str, key: str, version_id: str | None) -> sqlite3.Row | None:
        if version_id is None:
            return tx.one(
                SELECT_OBJECTS + " WHERE bucket = ? AND key = ? AND is_latest = 1", (bucket, key)
            )
        return tx.one(
            SELECT_OBJECTS + " WHERE bucket = ? AND key = ? AND version_id = ?",
            (bucket, key, version_id),
        )

    @staticmethod
    def _with_segments(tx: Tx, row: sqlite3.Row) -> ObjectVersion:
        segs = tx.rows(
            "SELECT blob_id, size FROM segments WHERE seq = ? ORDER BY idx", (row["seq"],)
        )
        return version_from_row(row, tuple(Segment(blob_id=s[0], size=s[1]) for s in segs))

    def _by_seq(self, tx: Tx, seq: int) -> ObjectVersion:
        row = tx.one(SELECT_OBJECTS + " WHERE seq = ?", (seq,))
        assert row is not None
        return self._with_segments(tx, row)

    # objects: writing

    def put_object(
        self,
        version: ObjectVersion,
        *,
        versioning: str | None = None,
        forbid_overwrite: bool = False,
    ) -> ObjectVersion:
        try:
            with self._write() as tx:
                state = self._state(tx, version.bucket, versioning)
                if forbid_overwrite:
                    row = self._version_row(tx, version.bucket, version.key, None)
                    if row is not None and not row["delete_marker"]:
                        raise ObjectExists(f"object {version.key!r} already exists")
                seq = self._place(tx, version, state)
                return self._by_seq(tx, seq)
        except BaseException:
            self._disown([s.blob_id for s in version.segments])
            raise

    def _state(self, tx: Tx, bucket: str, versioning: str | None) -> str:
        current = self._bucket_in(tx, bucket).versioning
        return current if versioning is None else versioning

    def _place(self, tx: Tx, v: ObjectVersion, state: str, *, marker: bool = False) -> int:
        """Insert `v` as the new latest version under versioning `state`; returns its seq."""
        if state == VERSIONING_ENABLED:
            version_id = new_version_id()
        else:
            version_id = NULL_VERSION
            null = self._version_row(tx, v.bucket, v.key, NULL_VERSION)
            if null is not None:
                self._remove(tx, null["seq"])
        tx.run(
            "UPDATE objects SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1",
            (v.bucket, v.key),
        )
        return self._insert(tx, v, version_id, marker=marker)

    @staticmethod
    def _insert(tx: Tx, v: ObjectVersion, version_id: str, *, marker: bool) -> int:
        cur = tx.run(
            INSERT_OBJECT + " VALUES (NULL,?,?,?,1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                v.bucket,
                v.key,
                version_id,
                int(marker),
                0 if marker else v.size,
                "" if marker else v.etag,
                0 if marker else crc_to_db(v.crc64),
                None if marker else v.content_md5,
                to_us(v.last_modified),
                v.storage_class,
                v.acl,
                v.object_type,
                v.content_type,
                "{}" if marker else dump(v.headers),
                "{}" if marker else dump(v.user_meta),
                "{}" if marker else dump(v.tags),
                None if marker else v.symlink_target,
                v.owner_id,
            ),
        )
        seq = cur.lastrowid
        assert seq is not None
        segments = () if marker else v.segments
        tx.conn.executemany(
            "INSERT INTO segments(seq, idx, blob_id, size) VALUES (?,?,?,?)",
            [(seq, i, s.blob_id, s.size) for i, s in enumerate(segments)],
        )
        tx.claim([s.blob_id for s in segments])
        return seq

    @staticmethod
    def _remove(tx: Tx, seq: int) -> None:
        """Delete one version row, retiring its blobs."""
        blobs = tx.rows("SELECT blob_id FROM segments WHERE seq = ?", (seq,))
        tx.retire([r[0] for r in blobs])
        tx.run("DELETE FROM objects WHERE seq = ?", (seq,))

    def delete_object(
        self,
        bucket: str,
        key: str,
        version_id: str | None = None,
        *,
        versioning: str | None = None,
    ) -> DeleteResult:
        with self._write() as tx:
            state = self._state(tx, bucket, versioning)
            if version_id is not None:
                return self._delete_version(tx, bucket, key, version_id)
            if state == VERSIONING_ENABLED:
                return self._add_marker(tx, bucket, key, state, removed=None)
            null = self._version_row(tx, bucket, key, NULL_VERSION)
            removed = None if null is None else self._with_segments(tx, null)
            if state == VERSIONING_OFF:
                if null is not None:
                    self._remove(tx, null["seq"])
                    self._promote(tx, bucket, key)
                return DeleteResult(version_id=None, delete_marker=False, removed=removed)
            return self._add_marker(tx, bucket, key, state, removed=removed)

    def _add_marker(
        self, tx: Tx, bucket: str, key: str, state: str, *, removed: ObjectVersion | None
    ) -> DeleteResult:
        latest = self._version_row(tx, bucket, key, None)
        owner = latest["owner_id"] if latest is not None else ""
        marker = ObjectVersion(bucket=bucket, key=key, owner_id=owner)
        seq = self._place(tx, marker, state, marker=True)
        created = self._by_seq(tx, seq)
        return DeleteResult(version_id=created.version_id, delete_marker=True, removed=removed)

    def _delete_version(self, tx: Tx, bucket: str, key: str, version_id: str) -> DeleteResult:
        row = self._version_row(tx, bucket, key, version_id)
        if row is None:
            return DeleteResult(version_id=version_id, delete_marker=False, removed=None)
        removed = self._with_segments(tx, row)
        self._remove(tx, row["seq"])
        if removed.is_latest:
            self._promote(tx, bucket, key)
        return DeleteResult(
            version_id=version_id, delete_marker=removed.delete_marker, removed=removed
        )

    @staticmethod
    def _promote(tx: Tx, bucket: str, key: str) -> None:
        """Make the newest remaining version of the key the latest."""
        tx.run(
            "UPDATE objects SET is_latest = 1 WHERE seq = (SELECT seq FROM objects"
            " WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1)",
            (bucket, key),
        )

    def update_object_meta(
        self,
        bucket: str,
        key: str,
        version_id: str | None = None,
        *,
        acl: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ObjectVersion | None:
        with self._write() as tx:
            row = self._version_row(tx, bucket, key, version_id)
            if row is None or row["delete_marker"]:
                return None
            if acl is not None:
                tx.run("UPDATE objects SET acl = ? WHERE seq = ?", (acl, row["seq"]))
            if tags is not None:
                tx.run("UPDATE objects SET tags = ? WHERE seq = ?", (dump(tags), row["seq"]))
            return self._by_seq(tx, row["seq"])

    def append_object(
        self,
        version: ObjectVersion,
        *,
        position: int,
        segment: Segment,
        segment_crc64: int,
        versioning: str | None = None,
    ) -> ObjectVersion:
        try:
            with self._write() as tx:
                state = self._state(tx, version.bucket, versioning)
                row = self._version_row(tx, version.bucket, version.key, None)
                if row is None or row["delete_marker"]:
                    seq = self._append_create(tx, version, position, segment, segment_crc64, state)
                else:
                    seq = self._append_to(tx, row, version, position, segment, segment_crc64)
                return self._by_seq(tx, seq)
        except BaseException:
            self._disown([segment.blob_id])
            raise

    def _append_create(
        self, tx: Tx, v: ObjectVersion, position: int, seg: Segment, crc: int, state: str
    ) -> int:
        if position != 0:
            raise PositionNotEqualToLength(0)
        first = dataclasses.replace(
            v, object_type=TYPE_APPENDABLE, size=seg.size, crc64=crc, segments=(seg,)
        )
        return self._place(tx, first, state)

    @staticmethod
    def _append_to(
        tx: Tx, row: sqlite3.Row, v: ObjectVersion, position: int, seg: Segment, crc: int
    ) -> int:
        if row["object_type"] != TYPE_APPENDABLE:
            raise ObjectNotAppendable(f"object {v.key!r} is not appendable")
        if position != row["size"]:
            raise PositionNotEqualToLength(row["size"])
        seq = row["seq"]
        combined = crc64_combine(crc_from_db(row["crc64"]), crc, seg.size)
        count = tx.one("SELECT count(*) FROM segments WHERE seq = ?", (seq,))
        assert count is not None
        tx.run(
            "INSERT INTO segments(seq, idx, blob_id, size) VALUES (?,?,?,?)",
            (seq, count[0], seg.blob_id, seg.size),
        )
        tx.claim([seg.blob_id])
        tx.run(
            "UPDATE objects SET size = ?, crc64 = ?, etag = ?, last_modified = ? WHERE seq = ?",
            (row["size"] + seg.size, crc_to_db(combined), v.etag, to_us(v.last_modified), seq),
        )
        return int(seq)

    # listing

    def list_objects(
        self,
        bucket: str,
        *,
        prefix: str = "",
        start_after: str = "",
        delimiter: str = "",
        max_keys: int = 100,
    ) -> ListPage:
        with self._read() as tx:

            def fetch(
                lower: str, inclusive: bool, upper: str | None, limit: int
            ) -> Generator[sqlite3.Row, None, None]:
                sql = (
                    SELECT_OBJECTS + " INDEXED BY objects_current"
                    " WHERE bucket = ?"
                    " AND is_latest = 1 AND delete_marker = 0"
                )
                yield from _range_rows(tx, sql, [bucket], (lower, inclusive, upper), "key", limit)

            walk = listing.grouped_walk(
                fetch,
                _row_key,
                prefix=prefix,
                delimiter=delimiter,
                marker=start_after,
                limit=max_keys,
            )
        next_marker, _ = _next_markers(walk, "key")
        return ListPage(
            entries=[version_from_row(r) for r in walk.items],
            common_prefixes=walk.prefixes,
            is_truncated=walk.truncated,
            next_marker=next_marker,
        )

    def list_object_versions(
        self,
        bucket: str,
        *,
        prefix: str = "",
        key_marker: str = "",
        version_id_marker: str = "",
        delimiter: str = "",
        max_keys: int = 100,
    ) -> VersionsPage:
        with self._read() as tx:

            def fetch(
                lower: str, inclusive: bool, upper: str | None, limit: int
            ) -> Generator[sqlite3.Row, None, None]:
                sql = SELECT_OBJECTS + " INDEXED BY objects_versions WHERE bucket = ?"
                yield from _range_rows(
                    tx, sql, [bucket], (lower, inclusive, upper), "key, seq DESC", limit
                )

            head = self._older_versions(
                tx, bucket, prefix, delimiter, key_marker, version_id_marker, max_keys + 1
            )
            walk = listing.grouped_walk(
                fetch,
                _row_key,
                prefix=prefix,
                delimiter=delimiter,
                marker=key_marker,
                limit=max_keys,
                head=head,
            )
        next_key, next_vid = _next_markers(walk, "version_id")
        return VersionsPage(
            entries=[version_from_row(r) for r in walk.items],
            common_prefixes=walk.prefixes,
            is_truncated=walk.truncated,
            next_key_marker=next_key,
            next_version_id_marker=next_vid,
        )

    @staticmethod
    def _older_versions(
        tx: Tx,
        bucket: str,
        prefix: str,
        delimiter: str,
        key_marker: str,
        version_id_marker: str,
        limit: int,
    ) -> list[sqlite3.Row]:
        """The marker key's versions older than the marker version (listed first)."""
        if not version_id_marker or not key_marker.startswith(prefix):
            return []
        if listing.common_prefix(key_marker, prefix, delimiter) is not None:
            return []
        row = tx.one(
            "SELECT seq FROM objects WHERE bucket = ? AND key = ? AND version_id = ?",
            (bucket, key_marker, version_id_marker),
        )
        if row is None:
            return []
        return tx.rows(
            SELECT_OBJECTS + " WHERE bucket = ? AND key = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            (bucket, key_marker, row["seq"], limit),
        )

    def list_uploads(
        self,
        bucket: str,
        *,
        prefix: str = "",
        key_marker: str = "",
        upload_id_marker: str = "",
        delimiter: str = "",
        max_uploads: int = 1000,
    ) -> UploadsPage:
        with self._read() as tx:

            def fetch(
                lower: str, inclusive: bool, upper: str | None, limit: int
            ) -> Generator[sqlite3.Row, None, None]:
                sql = "SELECT * FROM uploads INDEXED BY uploads_key WHERE bucket = ?"
                yield from _range_rows(
                    tx, sql, [bucket], (lower, inclusive, upper), "key, upload_id", limit
                )

            head: list[sqlite3.Row] = []
            if (
                upload_id_marker
                and key_marker.startswith(prefix)
                and listing.common_prefix(key_marker, prefix, delimiter) is None
            ):
                head = tx.rows(
                    "SELECT * FROM uploads WHERE bucket = ? AND key = ? AND upload_id > ?"
                    " ORDER BY upload_id LIMIT ?",
                    (bucket, key_marker, upload_id_marker, max_uploads + 1),
                )
            walk = listing.grouped_walk(
                fetch,
                _row_key,
                prefix=prefix,
                delimiter=delimiter,
                marker=key_marker,
                limit=max_uploads,
                head=head,
            )
        next_key, next_upload = _next_markers(walk, "upload_id")
        return UploadsPage(
            uploads=[upload_from_row(r) for r in walk.items],
            common_prefixes=walk.prefixes,
            is_truncated=walk.truncated,
            next_key_marker=next_key,
            next_upload_id_marker=next_upload,
        )

    def list_parts(
        self, upload_id: str, *, part_number_marker: int = 0, max_parts: int = 1000
    ) -> PartsPage:
        with self._read() as tx:
            self._upload_in(tx, upload_id)
            rows = tx.rows(
                "SELECT * FROM parts WHERE upload_id = ? AND part_number > ?"
                " ORDER BY part_number LIMIT ?",
                (upload_id, part_number_marker, max_parts + 1),
            )
        parts = [part_from_row(r) for r in rows[:max_parts]]
        truncated = len(rows) > max_parts
        next_marker = parts[-1].part_number if truncated and parts else None
        return PartsPage(parts=parts, is_truncated=truncated, next_part_number_marker=next_marker)

    # multipart

    def create_upload(self, template: ObjectVersion) -> MultipartUpload:
        upload_id = new_upload_id()
        initiated = datetime.now(UTC)
        with self._write() as tx:
            self._bucket_in(tx, template.bucket)
            tx.run(
                "INSERT INTO uploads(upload_id, bucket, key, initiated, template)"
                " VALUES (?,?,?,?,?)",
                (
                    upload_id,
                    template.bucket,
                    template.key,
                    to_us(initiated),
                    template_to_json(template),
                ),
            )
            row = tx.one("SELECT * FROM uploads WHERE upload_id = ?", (upload_id,))
        assert row is not None
        return upload_from_row(row)

    def get_upload(self, upload_id: str) -> MultipartUpload | None:
        row = (
            self._db.conn()
            .execute("SELECT * FROM uploads WHERE upload_id = ?", (upload_id,))
            .fetchone()
        )
        return None if row is None else upload_from_row(row)

    @staticmethod
    def _upload_in(tx: Tx, upload_id: str) -> sqlite3.Row:
        row = tx.one("SELECT * FROM uploads WHERE upload_id = ?", (upload_id,))
        if row is None:
            raise NoSuchUpload(f"upload {upload_id!r} does not exist")
        return row

    def put_part(self, part: Part) -> Part:
        try:
            with self._write() as tx:
                self._upload_in(tx, part.upload_id)
                old = tx.one(
                    "SELECT blob_id FROM parts WHERE upload_id = ? AND part_number = ?",
                    (part.upload_id, part.part_number),
                )
                if old is not None and old["blob_id"] != part.blob_id:
                    tx.retire([old["blob_id"]])
                tx.run(
                    "INSERT OR REPLACE INTO parts(upload_id, part_number, size, etag, crc64,"
                    " content_md5, blob_id, last_modified) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        part.upload_id,
                        part.part_number,
                        part.size,
                        part.etag,
                        crc_to_db(part.crc64),
                        part.content_md5,
                        part.blob_id,
                        to_us(part.last_modified),
                    ),
                )
                tx.claim([part.blob_id])
        except BaseException:
            self._disown([part.blob_id])
            raise
        return part

    def get_parts(self, upload_id: str) -> list[Part]:
        with self._read() as tx:
            self._upload_in(tx, upload_id)
            rows = tx.rows(
                "SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number", (upload_id,)
            )
        return [part_from_row(r) for r in rows]

    def complete_upload(
        self, upload_id: str, version: ObjectVersion, *, versioning: str | None = None
    ) -> ObjectVersion:
        with self._write() as tx:
            upload = self._upload_in(tx, upload_id)
            if (upload["bucket"], upload["key"]) != (version.bucket, version.key):
                raise ValueError("version bucket/key differ from the upload's")
            part_blobs = {
                r[0] for r in tx.rows("SELECT blob_id FROM parts WHERE upload_id = ?", (upload_id,))
            }
            used = [s.blob_id for s in version.segments]
            if not set(used) <= part_blobs or len(set(used)) != len(used):
                raise ValueError("segments must be distinct blobs of this upload's parts")
            state = self._state(tx, version.bucket, versioning)
            tx.retire(sorted(part_blobs - set(used)))
            tx.run("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))
            seq = self._place(tx, version, state)
            return self._by_seq(tx, seq)

    def abort_upload(self, upload_id: str) -> None:
        with self._write() as tx:
            self._upload_in(tx, upload_id)
            blobs = tx.rows("SELECT blob_id FROM parts WHERE upload_id = ?", (upload_id,))
            tx.retire([r[0] for r in blobs])
            tx.run("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))


# ---------------------------------------------------------------------------------------------
# listing helpers


def _referenced(tx: Tx, blob_id: str) -> bool:
    return (
        tx.one("SELECT 1 FROM segments WHERE blob_id = ?", (blob_id,)) is not None
        or tx.one("SELECT 1 FROM parts WHERE blob_id = ?", (blob_id,)) is not None
    )


def _row_key(row: sqlite3.Row) -> str:
    key: str = row["key"]
    return key


def _range_rows(
    tx: Tx,
    sql: str,
    args: list[Any],
    bounds: tuple[str, bool, str | None],
    order: str,
    limit: int,
) -> Generator[sqlite3.Row, None, None]:
    """Run a key-range query lazily (rows are stepped as the walker consumes them)."""
    lower, inclusive, upper = bounds
    sql += " AND key >= ?" if inclusive else " AND key > ?"
    args = [*args, lower]
    if upper is not None:
        sql += " AND key < ?"
        args.append(upper)
    cur = tx.conn.execute(f"{sql} ORDER BY {order} LIMIT ?", [*args, limit])
    try:
        yield from cur
    finally:
        cur.close()


def _next_markers(walk: listing.Walk[sqlite3.Row], id_column: str) -> tuple[str | None, str | None]:
    if not walk.truncated or walk.last is None:
        return None, None
    if isinstance(walk.last, str):
        return walk.last, None
    return walk.last["key"], walk.last[id_column]
