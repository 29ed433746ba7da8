"""The RPC protocol error and its JSON / XML body: `{"RequestId","HostId","Code","Message"}`."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from ossbox.server.errors import ProtocolError


class RpcError(ProtocolError):
    def body(self, request_id: str, host_id: str, response_format: str) -> tuple[str, bytes]:
        """(content type, body) in the caller's Format."""
        fields = {
            "RequestId": request_id,
            "HostId": host_id,
            "Code": self.code,
            "Message": self.message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={self.code}",
        }
        if response_format.upper() == "XML":
            inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
            xml = f'<?xml version="1.0" encoding="UTF-8"?><Error>{inner}</Error>'
            return "text/xml;charset=utf-8", xml.encode()
        return "application/json;charset=utf-8", json.dumps(fields).encode()


def missing_parameter(name: str) -> RpcError:
    return RpcError(
        400,
        "MissingParameter",
        f'The input parameter "{name}" that is mandatory for processing this request '
        "is not supplied.",
    )


def invalid_action(action: str) -> RpcError:
    return RpcError(
        404,
        "InvalidAction.NotFound",
        f"Specified api is not found, please check your url and method. ({action})",
    )


def invalid_version(version: str) -> RpcError:
    return RpcError(400, "InvalidVersion", f"Specified parameter Version is not valid. ({version})")


def access_key_not_found() -> RpcError:
    return RpcError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")


def access_key_inactive() -> RpcError:
    return RpcError(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
