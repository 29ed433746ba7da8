"""The store's contract: records, errors, the `MetadataStore` protocol and the `BlobStore` surface.

Handlers code against this module only. The SQLite implementation lives in `store.sqlite`, the
file blob store in `store.blobs`; a PostgreSQL backend would implement `MetadataStore` again.

Conventions:
- Every datetime is timezone-aware UTC.
- ETags are upper-case hex without quotes (multipart: ``"HEX-N"``); CRC-64 values are the
  unsigned CRC-64/XZ (OSS ``x-oss-hash-crc64ecma``) as Python ints.
- Byte ranges are half-open: ``start <= offset < stop``.
- Blob ownership: a blob id handed to a metadata write (``put_object``, ``put_part``,
  ``append_object``) belongs to the store afterwards, whether the call succeeds or raises; a
  replaced or deleted version's blobs are retired to garbage in the same transaction and their
  files are removed after commit. Handlers never delete blobs they passed in.
- Mutations of a missing bucket/upload raise `NoSuchBucket`/`NoSuchUpload`; lookups return None.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

# Versioning states of a bucket ("" = never enabled).
VERSIONING_OFF = ""
VERSIONING_ENABLED = "Enabled"
VERSIONING_SUSPENDED = "Suspended"

NULL_VERSION = "null"

# Object types (x-oss-object-type).
TYPE_NORMAL = "Normal"
TYPE_APPENDABLE = "Appendable"
TYPE_MULTIPART = "Multipart"
TYPE_SYMLINK = "Symlink"


def utcnow() -> datetime:
    """The current time, aware UTC, truncated to microseconds (what the store keeps)."""
    return datetime.now(UTC)


# --------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, kw_only=True)
class Account:
    account_id: str
    created: datetime


@dataclass(frozen=True, kw_only=True)
class AccessKey:
    """An AccessKey pair. `secret` is encrypted at rest and never appears in a repr."""

    access_key_id: str
    secret: str = field(repr=False)
    account_id: str
    principal_type: str  # "root" | "user"
    principal_name: str  # "" for root
    status: str = "Active"  # "Active" | "Inactive"
    created: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, kw_only=True)
class Bucket:
    name: str
    owner_id: str
    region: str
    storage_class: str = "Standard"
    acl: str = "private"  # "private" | "public-read" | "public-read-write"
    versioning: str = VERSIONING_OFF  # "" | "Enabled" | "Suspended"
    created: datetime = field(default_factory=utcnow)
    data_redundancy: str = "LRS"
    tags: Mapping[str, str] = field(default_factory=dict)
    policy: str | None = None  # bucket policy JSON document, as stored by PutBucketPolicy
    # Other sub-resource documents kept verbatim (e.g. "cors", "referer", "lifecycle").
    configs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Segment:
    """One blob holding a contiguous run of an object's bytes."""

    blob_id: str
    size: int


@dataclass(frozen=True, kw_only=True)
class ObjectVersion:
    """One version of an object (or a delete marker).

    When writing, the caller fills the content fields; the store assigns `version_id`, `seq`
    and `is_latest` (the values passed in are ignored). `seq` is a store-wide monotonic
    integer: a larger seq is a newer version.
    """

    bucket: str
    key: str
    size: int = 0
    etag: str = ""
    crc64: int = 0
    last_modified: datetime = field(default_factory=utcnow)
    version_id: str = NULL_VERSION
    seq: int = 0
    is_latest: bool = True
    delete_marker: bool = False
    content_md5: str | None = None  # base64, for PutObject uploads
    storage_class: str = "Standard"
    acl: str = "default"  # "default" | "private" | "public-read" | "public-read-write"
    object_type: str = TYPE_NORMAL
    content_type: str = "application/octet-stream"
    # cache-control, content-disposition, content-encoding, content-language, expires
    # (lower-case names, values as given).
    headers: Mapping[str, str] = field(default_factory=dict)
    user_meta: Mapping[str, str] = field(default_factory=dict)  # x-oss-meta-<name> -> value
    tags: Mapping[str, str] = field(default_factory=dict)
    symlink_target: str | None = None
    segments: tuple[Segment, ...] = ()
    owner_id: str = ""


@dataclass(frozen=True, kw_only=True)
class MultipartUpload:
    """An in-progress multipart upload; `template` is the metadata applied on completion."""

    upload_id: str
    bucket: str
    key: str
    initiated: datetime
    template: ObjectVersion


@dataclass(frozen=True, kw_only=True)
class Part:
    upload_id: str
    part_number: int
    size: int
    etag: str
    crc64: int
    content_md5: str | None
    blob_id: str
    last_modified: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, kw_only=True)
class DeleteResult:
    """What a delete did.

    `version_id` is the version removed or the delete marker created (None for an unversioned
    delete); `delete_marker` is true when a marker was created or the removed version was a
    marker (the x-oss-delete-marker header); `removed` is the version permanently removed.
    """

    version_id: str | None
    delete_marker: bool
    removed: ObjectVersion | None


# Listing pages. Listing entries are ObjectVersions with `segments=()` (not loaded, to keep a
# page's cost independent of object sizes); use get_object to read data.


@dataclass(frozen=True, kw_only=True)
class BucketPage:
    buckets: list[Bucket]
    is_truncated: bool
    next_marker: str | None


@dataclass(frozen=True, kw_only=True)
class ListPage:
    """A ListObjects page: latest, non-delete-marker versions in key order."""

    entries: list[ObjectVersion]
    common_prefixes: list[str]
    is_truncated: bool
    next_marker: str | None  # last key or common prefix returned, when truncated


@dataclass(frozen=True, kw_only=True)
class VersionsPage:
    """A ListObjectVersions page: keys ascending, versions of one key newest first."""

    entries: list[ObjectVersion]  # includes delete markers
    common_prefixes: list[str]
    is_truncated: bool
    next_key_marker: str | None
    next_version_id_marker: str | None  # None when the page ended on a common prefix


@dataclass(frozen=True, kw_only=True)
class UploadsPage:
    """A ListMultipartUploads page: keys ascending, upload ids ascending (= initiation order)."""

    uploads: list[MultipartUpload]
    common_prefixes: list[str]
    is_truncated: bool
    next_key_marker: str | None
    next_upload_id_marker: str | None


@dataclass(frozen=True, kw_only=True)
class PartsPage:
    parts: list[Part]
    is_truncated: bool
    next_part_number_marker: int | None


@dataclass(frozen=True, kw_only=True)
class BlobInfo:
    """A committed blob and the digests computed while it streamed in."""

    blob_id: str
    size: int
    md5: bytes = field(repr=False)
    crc64: int

    @property
    def md5_hex(self) -> str:
        """Upper-case hex MD5: the OSS ETag of a PutObject/UploadPart body."""
        return self.md5.hex().upper()

    @property
    def md5_b64(self) -> str:
        """Base64 MD5, as in the Content-MD5 header."""
        return base64.b64encode(self.md5).decode("ascii")


# --------------------------------------------------------------------------------------------
# Errors


class StoreError(Exception):
    """Base class of the store's errors. Messages never contain secrets."""


class NoSuchBucket(StoreError):
    pass


class BucketAlreadyExists(StoreError):
    def __init__(self, name: str, owner_id: str) -> None:
        super().__init__(f"bucket {name!r} already exists")
        self.owner_id = owner_id


class BucketNotEmpty(StoreError):
    """The bucket still has object versions or in-progress multipart uploads."""


class NoSuchUpload(StoreError):
    pass


class ObjectExists(StoreError):
    """put_object(..., forbid_overwrite=True) found a current object (FileAlreadyExists)."""


class ObjectNotAppendable(StoreError):
    pass


class PositionNotEqualToLength(StoreError):
    def __init__(self, current_length: int) -> None:
        super().__init__(f"position is not equal to the object length {current_length}")
        self.current_length = current_length


class BlobMissing(StoreError):
    """A blob file referenced by metadata is not on disk."""


# --------------------------------------------------------------------------------------------
# Interfaces


class BlobJournal(Protocol):
    """Where the blob store records blobs that exist on disk but are not yet referenced."""

    def add_pending_blob(self, blob_id: str) -> None:
        """Durably record `blob_id` as pending (before its file is renamed into place)."""

    def forget_blob(self, blob_id: str) -> None:
        """Drop any pending/garbage record of `blob_id` (after its file was deleted)."""


class MetadataStore(BlobJournal, Protocol):
    """Accounts, keys, buckets, object versions, multipart uploads; synchronous, thread-safe.

    Every method is one transaction. Write methods taking `versioning=None` read the bucket's
    versioning state inside that transaction (recommended); pass a state to override.
    """

    # accounts and access keys
    def create_account(self, account_id: str, *, created: datetime | None = None) -> Account:
        """Create the account, or return the existing one with that id."""

    def get_account(self, account_id: str) -> Account | None: ...

    def put_access_key(self, key: AccessKey) -> None:
        """Insert or replace an AccessKey; the secret is sealed with the master key."""

    def get_access_key(self, access_key_id: str) -> AccessKey | None: ...

    def list_access_keys(
        self,
        account_id: str,
        *,
        principal_type: str | None = None,
        principal_name: str | None = None,
    ) -> list[AccessKey]: ...

    def set_access_key_status(self, access_key_id: str, status: str) -> bool:
        """False when the key does not exist."""

    def delete_access_key(self, access_key_id: str) -> bool:
        """False when the key does not exist."""

    # STS: a role's sessions issued before a time are revoked
    def revoke_role_sessions(self, account_id: str, role_name: str, before: datetime) -> datetime:
        """Revoke sessions issued before `before`; never moves an existing cutoff back.
        Returns the cutoff now in force."""

    def role_session_revocations(self) -> dict[tuple[str, str], datetime]:
        """(account id, role name) -> cutoff, for every role with revoked sessions."""

    # buckets
    def create_bucket(self, bucket: Bucket) -> Bucket:
        """Raises BucketAlreadyExists (with the current owner) when the name is taken."""

    def get_bucket(self, name: str) -> Bucket | None: ...

    def list_buckets(
        self,
        *,
        owner_id: str | None = None,
        prefix: str = "",
        marker: str = "",
        max_keys: int = 100,
    ) -> BucketPage:
        """Buckets by name (> marker), optionally one owner's only."""

    def update_bucket(self, name: str, **changes: object) -> Bucket:
        """Replace fields (acl, versioning, tags, policy, configs, storage_class, ...).

        Unknown or immutable fields (name, owner_id, created) raise TypeError; missing bucket
        raises NoSuchBucket. Returns the updated bucket.
        """

    def delete_bucket(self, name: str) -> None:
        """Raises BucketNotEmpty (any version or upload exists) or NoSuchBucket."""

    # objects
    def get_object(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> ObjectVersion | None:
        """The latest version (possibly a delete marker) or the given version, with segments."""

    def put_object(
        self,
        version: ObjectVersion,
        *,
        versioning: str | None = None,
        forbid_overwrite: bool = False,
    ) -> ObjectVersion:
        """Store a new version and return it as stored (version_id, seq, is_latest set).

        Off: replaces the "null" version. Enabled: new unique version id; the previous latest
        stays as a non-latest version. Suspended: replaces any "null" version and becomes latest.
        Replaced versions' blobs are retired in the same transaction. `forbid_overwrite`
        raises ObjectExists if a current (non-delete-marker latest) version exists.
        """

    def delete_object(
        self,
        bucket: str,
        key: str,
        version_id: str | None = None,
        *,
        versioning: str | None = None,
    ) -> DeleteResult:
        """Off: remove the object. Enabled: add a delete marker. Suspended: add a "null"
        delete marker replacing the null version. With `version_id`: remove that version
        permanently and promote the newest remaining one to latest. Absent key/version: a
        DeleteResult with removed=None (and, when versioned, the marker that was added).
        """

    def update_object_meta(
        self,
        bucket: str,
        key: str,
        version_id: str | None = None,
        *,
        acl: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ObjectVersion | None:
        """Change acl and/or tags of the latest or a given version in place (None if absent
        or a delete marker)."""

    def append_object(
        self,
        version: ObjectVersion,
        *,
        position: int,
        segment: Segment,
        segment_crc64: int,
        versioning: str | None = None,
    ) -> ObjectVersion:
        """AppendObject: add `segment` at `position` to the current object.

        No current object: position must be 0; creates an Appendable version from `version`
        (its metadata; size/crc64/segments are computed). Current object: must be Appendable
        (else ObjectNotAppendable) and `position` must equal its size (else
        PositionNotEqualToLength(current size)); size, crc64 (combined), segments, and
        `version.etag`/`version.last_modified` are updated in place (same version id).
        """

    # listing: cost proportional to the page, not the bucket
    def list_objects(
        self,
        bucket: str,
        *,
        prefix: str = "",
        start_after: str = "",
        delimiter: str = "",
        max_keys: int = 100,
    ) -> ListPage:
        """Latest non-delete-marker versions with key > start_after, grouped by delimiter.

        A common prefix equal to `start_after` is not repeated (so NextMarker pages work).
        """

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
        """All versions and delete markers. With only key_marker: keys > key_marker; with
        version_id_marker too: that key's versions older than the marker, then later keys."""

    def list_uploads(
        self,
        bucket: str,
        *,
        prefix: str = "",
        key_marker: str = "",
        upload_id_marker: str = "",
        delimiter: str = "",
        max_uploads: int = 1000,
    ) -> UploadsPage: ...

    def list_parts(
        self, upload_id: str, *, part_number_marker: int = 0, max_parts: int = 1000
    ) -> PartsPage:
        """Parts with part_number > marker, ascending. Raises NoSuchUpload."""

    # multipart
    def create_upload(self, template: ObjectVersion) -> MultipartUpload:
        """Start an upload for template.bucket/template.key; the store assigns the upload id
        (sortable by initiation). Raises NoSuchBucket."""

    def get_upload(self, upload_id: str) -> MultipartUpload | None: ...

    def put_part(self, part: Part) -> Part:
        """Insert or replace a part (the replaced part's blob is retired). Raises NoSuchUpload."""

    def get_parts(self, upload_id: str) -> list[Part]:
        """All parts of an upload in part-number order (for CompleteMultipartUpload)."""

    def complete_upload(
        self, upload_id: str, version: ObjectVersion, *, versioning: str | None = None
    ) -> ObjectVersion:
        """One transaction: store `version` (whose segments must be blobs of this upload's
        parts), delete the upload and its parts, retire part blobs the version does not use.
        Raises NoSuchUpload; ValueError if a segment is not a part of this upload."""

    def abort_upload(self, upload_id: str) -> None:
        """Delete the upload and retire its parts' blobs. Raises NoSuchUpload."""

    # blob bookkeeping (used by the blob store and by recovery)
    def forget_blobs(self, blob_ids: Sequence[str]) -> None:
        """forget_blob for many blobs, in one transaction."""

    def pending_blobs(self, *, older_than: float = 0.0) -> list[str]:
        """Pending blobs recorded at least `older_than` seconds ago that nothing references."""

    def garbage_blobs(self, *, older_than: float = 0.0, limit: int = 1000) -> list[str]:
        """Retired blobs (at least `older_than` seconds ago) whose files may still exist."""

    def set_blob_reaper(self, reaper: Callable[[str], None] | None) -> None:
        """`reaper(blob_id)` removes a blob file; the store calls it for garbage after commits
        (once the store's grace period has passed) and then forgets the blob."""

    def sweep_garbage(self, *, older_than: float | None = None) -> int:
        """Reap garbage now (default: older than the grace period); returns how many."""

    @property
    def writes_refused(self) -> bool:
        """True once a failed fsync of the write-ahead log made the store refuse every write
        (the RAM and KMS tables' too) until it is reopened: the kernel may have dropped pages
        that were not on disk yet, and nothing may be acknowledged on top of them."""

    def close(self) -> None: ...


class BlobWriterProtocol(Protocol):
    """Streams one blob to a temp file, computing size, MD5 and CRC-64 as it goes."""

    def write(self, chunk: bytes) -> None: ...

    def commit(self) -> BlobInfo:
        """fsync, record as pending, rename into place, fsync the directory."""

    def abort(self) -> None: ...


class BlobStoreProtocol(Protocol):
    """Blob files under DIR/blobs/<2 hex>/<id>; the concrete class is store.blobs.BlobStore."""

    def writer(self) -> BlobWriterProtocol: ...

    def open_range(self, blob_id: str, start: int, stop: int) -> Iterator[bytes]:
        """Bytes [start, stop) of a blob in bounded chunks. Raises BlobMissing."""

    def read_segments(
        self, segments: tuple[Segment, ...], start: int, stop: int
    ) -> Iterator[bytes]:
        """Bytes [start, stop) of an object stored as consecutive segments."""

    def clone(self, blob_id: str) -> str:
        """A new, pending blob with the same content (hard link, or copy)."""

    def delete(self, blob_id: str) -> None:
        """Remove a blob that no metadata references (missing file is fine)."""
