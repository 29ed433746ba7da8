"""Row codec for the SQLite store: Python records <-> column values."""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ossbox.store.base import Bucket, MultipartUpload, ObjectVersion, Part, Segment

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
OBJECT_COLUMNS = (
    "seq, bucket, key, version_id, is_latest, delete_marker, size, etag, crc64, content_md5, "
    "last_modified, storage_class, acl, object_type, content_type, headers, user_meta, tags, "
    "symlink_target, owner_id"
)
SELECT_OBJECTS = "SELECT " + OBJECT_COLUMNS + " FROM objects"  # noqa: S608 - constant
INSERT_OBJECT = "INSERT INTO objects(" + OBJECT_COLUMNS + ")"


# value conversions


def to_us(dt: datetime) -> int:
    if dt.tzinfo is None:
        raise ValueError("naive datetime: the store needs aware UTC datetimes")
    return (dt - _EPOCH) // _US


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def now_us() -> int:
    return to_us(datetime.now(UTC))


def crc_to_db(crc: int) -> int:
    """SQLite integers are signed 64-bit; store the unsigned CRC's bit pattern."""
    return crc - (1 << 64) if crc >= (1 << 63) else crc


def crc_from_db(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def dump(mapping: Mapping[str, str]) -> str:
    return json.dumps(dict(mapping), sort_keys=True, separators=(",", ":"))


def load(text: str) -> dict[str, str]:
    loaded: dict[str, str] = json.loads(text)
    return loaded


def new_version_id() -> str:
    """An opaque, URL-safe, OSS-looking version id (recency order comes from seq)."""
    raw = time.time_ns().to_bytes(8, "big") + secrets.token_bytes(16)
    return "CAEQ" + base64.urlsafe_b64encode(raw).decode("ascii")


def new_upload_id() -> str:
    """32 upper-case hex characters, ascending with initiation time."""
    return f"{time.time_ns():016X}{secrets.token_hex(8).upper()}"


def access_key_aad(access_key_id: str) -> bytes:
    return b"ossbox/access-key/" + access_key_id.encode()


# row mapping


def version_from_row(row: sqlite3.Row, segments: tuple[Segment, ...] = ()) -> ObjectVersion:
    return ObjectVersion(
        bucket=row["bucket"],
        key=row["key"],
        version_id=row["version_id"],
        seq=row["seq"],
        is_latest=bool(row["is_latest"]),
        delete_marker=bool(row["delete_marker"]),
        size=row["size"],
        etag=row["etag"],
        crc64=crc_from_db(row["crc64"]),
        content_md5=row["content_md5"],
        last_modified=from_us(row["last_modified"]),
        storage_class=row["storage_class"],
        acl=row["acl"],
        object_type=row["object_type"],
        content_type=row["content_type"],
        headers=load(row["headers"]),
        user_meta=load(row["user_meta"]),
        tags=load(row["tags"]),
        symlink_target=row["symlink_target"],
        segments=segments,
        owner_id=row["owner_id"],
    )


def bucket_from_row(row: sqlite3.Row) -> Bucket:
    return Bucket(
        name=row["name"],
        owner_id=row["owner_id"],
        region=row["region"],
        storage_class=row["storage_class"],
        acl=row["acl"],
        versioning=row["versioning"],
        created=from_us(row["created"]),
        data_redundancy=row["data_redundancy"],
        tags=load(row["tags"]),
        policy=row["policy"],
        configs=load(row["configs"]),
    )


def bucket_values(b: Bucket) -> tuple[Any, ...]:
    return (
        b.name,
        b.owner_id,
        b.region,
        b.storage_class,
        b.acl,
        b.versioning,
        to_us(b.created),
        b.data_redundancy,
        dump(b.tags),
        b.policy,
        dump(b.configs),
    )


def part_from_row(row: sqlite3.Row) -> Part:
    return Part(
        upload_id=row["upload_id"],
        part_number=row["part_number"],
        size=row["size"],
        etag=row["etag"],
        crc64=crc_from_db(row["crc64"]),
        content_md5=row["content_md5"],
        blob_id=row["blob_id"],
        last_modified=from_us(row["last_modified"]),
    )


def template_to_json(v: ObjectVersion) -> str:
    data = {
        "size": v.size,
        "etag": v.etag,
        "crc64": v.crc64,
        "content_md5": v.content_md5,
        "last_modified": to_us(v.last_modified),
        "storage_class": v.storage_class,
        "acl": v.acl,
        "object_type": v.object_type,
        "content_type": v.content_type,
        "headers": dict(v.headers),
        "user_meta": dict(v.user_meta),
        "tags": dict(v.tags),
        "symlink_target": v.symlink_target,
        "owner_id": v.owner_id,
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def upload_from_row(row: sqlite3.Row) -> MultipartUpload:
    data = json.loads(row["template"])
    data["last_modified"] = from_us(data["last_modified"])
    template = ObjectVersion(bucket=row["bucket"], key=row["key"], **data)
    return MultipartUpload(
        upload_id=row["upload_id"],
        bucket=row["bucket"],
        key=row["key"],
        initiated=from_us(row["initiated"]),
        template=template,
    )
