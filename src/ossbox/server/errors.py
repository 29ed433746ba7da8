"""The OSS protocol error: raised by any step of a request, rendered in one place.

`OssError` carries the HTTP status, the OSS code and message, the extra elements OSS puts in the
`<Error>` body (BucketName, Key, ArgumentName, StringToSign, ...) and extra response headers.
The factories below give the real codes and messages so handlers never spell them out.
"""

from __future__ import annotations

import base64
import errno
import sqlite3
from collections.abc import Mapping
from xml.sax.saxutils import escape


class ProtocolError(Exception):
    """What every protocol family's error carries (OSS XML here, RPC JSON in rpc/errors.py)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class OssError(ProtocolError):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        extra: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, code, message)
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    def to_xml(self, request_id: str, host_id: str) -> bytes:
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n',
            f"  <Code>{escape(self.code)}</Code>\n",
            f"  <Message>{escape(self.message)}</Message>\n",
            f"  <RequestId>{request_id}</RequestId>\n",
            f"  <HostId>{escape(host_id)}</HostId>\n",
        ]
        parts += [f"  <{name}>{escape(value)}</{name}>\n" for name, value in self.extra.items()]
        parts.append("</Error>\n")
        return "".join(parts).encode()

    def header_form(self, request_id: str, host_id: str) -> str:
        """The error as HEAD responses carry it: base64 XML in `x-oss-err`."""
        return base64.b64encode(self.to_xml(request_id, host_id)).decode()


def access_denied(message: str) -> OssError:
    return OssError(403, "AccessDenied", message)


def invalid_argument(message: str, name: str | None = None, value: str | None = None) -> OssError:
    extra = {}
    if name is not None:
        extra = {"ArgumentName": name, "ArgumentValue": value if value is not None else ""}
    return OssError(400, "InvalidArgument", message, extra=extra)


def no_such_bucket(bucket: str) -> OssError:
    return OssError(
        404, "NoSuchBucket", "The specified bucket does not exist.", extra={"BucketName": bucket}
    )


def no_such_key(key: str) -> OssError:
    return OssError(404, "NoSuchKey", "The specified key does not exist.", extra={"Key": key})


def no_such_version(key: str, version_id: str) -> OssError:
    return OssError(
        404,
        "NoSuchVersion",
        "The specified version does not exist.",
        extra={"Key": key, "VersionId": version_id},
    )


def no_such_upload(upload_id: str) -> OssError:
    return OssError(
        404,
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, "
        "or the upload may have been aborted or completed.",
        extra={"UploadId": upload_id},
    )


def malformed_xml() -> OssError:
    return OssError(
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our "
        "published schema.",
    )


def invalid_bucket_name(bucket: str) -> OssError:
    return OssError(
        400, "InvalidBucketName", "The specified bucket is not valid.", extra={"BucketName": bucket}
    )


def invalid_object_name(message: str = "The specified object is not valid.") -> OssError:
    return OssError(400, "InvalidObjectName", message)


def method_not_allowed() -> OssError:
    return OssError(
        405, "MethodNotAllowed", "The specified method is not allowed against this resource."
    )


def not_implemented(what: str) -> OssError:
    return OssError(501, "NotImplemented", f"{what} is not implemented.")


def internal_error() -> OssError:
    return OssError(500, "InternalError", "We encountered an internal error. Please try again.")


_SQLITE_FULL = 13


def is_disk_full(exc: BaseException) -> bool:
    """Did `exc` (or an exception it was raised from or while handling) come from a full disk:
    ENOSPC/EDQUOT from the file system, SQLITE_FULL from the metadata database?"""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if getattr(current, "sqlite_errorcode", None) == _SQLITE_FULL and isinstance(
            current, sqlite3.Error
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def insufficient_storage() -> OssError:
    # UNCONFIRMED: Alibaba Cloud documents no error for a full disk (its users never meet one).
    # 507 Insufficient Storage says what happened without inviting a retry that cannot succeed
    # (an InternalError 500 would); MinIO answers a full drive the same way (XMinioStorageFull).
    return OssError(
        507,
        "InsufficientStorage",
        "The server has no space left to store this request; free space or delete objects.",
    )


def unexpected_error(exc: BaseException) -> OssError:
    """The error for an exception no handler turned into an OssError."""
    return insufficient_storage() if is_disk_full(exc) else internal_error()
