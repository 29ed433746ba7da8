"""RAM request parameters: presence, names, lengths, formats and ranges, with RAM's codes.

RAM spells its parameter errors `InvalidParameter.<Name>.InvalidChars` / `.Length` /
`.Format` with messages such as `The parameter - "UserName" contains invalid chars.`
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ossbox.server.rpc.errors import RpcError, missing_parameter
from ossbox.store.ram import PolicyType


def invalid(name: str, problem: str = "") -> RpcError:
    code = f"InvalidParameter.{name}" + (f".{problem}" if problem else "")
    messages = {
        "InvalidChars": f'The parameter - "{name}" contains invalid chars.',
        "Length": f'The parameter - "{name}" beyond the length limit.',
        "Format": f'The format of the parameter - "{name}" is incorrect.',
        "": f'The parameter - "{name}" is incorrect.',
    }
    return RpcError(400, code, messages[problem])


def out_of_range(name: str, low: int, high: int) -> RpcError:
    message = f'The parameter - "{name}" MUST be in the range of {low} and {high}.'
    return RpcError(400, f"InvalidParameter.{name}", message)


@dataclass(frozen=True)
class NameRule:
    """Allowed characters and length of one kind of name."""

    chars: re.Pattern[str]
    max_length: int


USER_NAME = NameRule(re.compile(r"[A-Za-z0-9.@_-]+", re.ASCII), 64)
GROUP_NAME = NameRule(re.compile(r"[A-Za-z0-9.@_-]+", re.ASCII), 64)
ROLE_NAME = NameRule(re.compile(r"[A-Za-z0-9.@_-]+", re.ASCII), 64)
POLICY_NAME = NameRule(re.compile(r"[A-Za-z0-9-]+", re.ASCII), 128)
OIDC_PROVIDER_NAME = NameRule(re.compile(r"[A-Za-z0-9.-]+", re.ASCII), 128)
ACCESS_KEY_ID = NameRule(re.compile(r"[A-Za-z0-9.]+", re.ASCII), 128)
DISPLAY_NAME = NameRule(re.compile(r"[A-Za-z0-9.@_\-\u4e00-\u9fa5 ]+"), 128)

_MOBILE_PHONE = re.compile(r"[0-9]{1,4}-[0-9]{4,20}", re.ASCII)
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_TRUE_FALSE = {"true": True, "false": False}


class Params:
    """Typed, validated access to one call's parameters."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self.raw = raw

    def optional(self, name: str) -> str | None:
        """The value, or None when absent or empty."""
        return self.raw.get(name) or None

    def required(self, name: str) -> str:
        value = self.optional(name)
        if value is None:
            raise missing_parameter(name)
        return value

    def name(self, param: str, rule: NameRule) -> str:
        return check_name(param, self.required(param), rule)

    def optional_name(self, param: str, rule: NameRule) -> str | None:
        value = self.optional(param)
        return None if value is None else check_name(param, value, rule)

    def text(self, name: str, max_length: int) -> str | None:
        """Free text of at most `max_length` characters (None when absent)."""
        value = self.raw.get(name)
        if value is not None and len(value) > max_length:
            raise invalid(name, "Length")
        return value

    def display_name(self, name: str) -> str | None:
        value = self.raw.get(name)
        return None if value is None or value == "" else check_name(name, value, DISPLAY_NAME)

    def mobile_phone(self, name: str) -> str | None:
        return self._formatted(name, _MOBILE_PHONE)

    def email(self, name: str) -> str | None:
        return self._formatted(name, _EMAIL)

    def _formatted(self, name: str, pattern: re.Pattern[str]) -> str | None:
        value = self.raw.get(name)
        if value and pattern.fullmatch(value) is None:
            raise invalid(name, "Format")
        return value

    def integer(self, name: str, low: int, high: int) -> int | None:
        raw = self.optional(name)
        if raw is None:
            return None
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not low <= int(raw) <= high:
            raise out_of_range(name, low, high)
        return int(raw)

    def boolean(self, name: str) -> bool:
        raw = self.optional(name)
        if raw is None:
            return False
        value = _TRUE_FALSE.get(raw.lower())
        if value is None:
            raise invalid(name)
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> str | None:
        value = self.optional(name)
        if value is not None and value not in allowed:
            raise invalid(name)
        return value

    def policy_type(self) -> PolicyType:
        value = self.required("PolicyType")
        if value == "System":
            return "System"
        if value == "Custom":
            return "Custom"
        raise invalid("PolicyType")

    def optional_policy_type(self) -> PolicyType | None:
        return None if self.optional("PolicyType") is None else self.policy_type()

    def version_id(self) -> str:
        value = self.required("VersionId")
        if re.fullmatch(r"v[1-9][0-9]{0,8}", value, re.ASCII) is None:
            raise invalid("VersionId", "Format")
        return value

    def status(self) -> Literal["Active", "Inactive"]:
        value = self.required("Status")
        if value == "Active":
            return "Active"
        if value == "Inactive":
            return "Inactive"
        raise invalid("Status")

    def paging(self) -> tuple[str, int]:
        """(Marker, MaxItems): MaxItems 1..1000, default 100."""
        max_items = self.integer("MaxItems", 1, 1000)
        return self.optional("Marker") or "", 100 if max_items is None else max_items


def check_name(param: str, value: str, rule: NameRule) -> str:
    if len(value) > rule.max_length:
        raise invalid(param, "Length")
    if rule.chars.fullmatch(value) is None:
        raise invalid(param, "InvalidChars")
    return value
