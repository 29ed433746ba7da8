"""The master key: AES-256-GCM sealing of secrets at rest (AccessKey secrets, STS tokens)."""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ossbox.atomic_files import create_private

ENV_VAR = "OSSBOX_MASTER_KEY"
KEY_FILE = "master.key"
_FORMAT = b"\x01"  # leading byte of sealed data, so the format can evolve
_NONCE_LEN = 12
_TAG_LEN = 16

log = logging.getLogger(__name__)


class SealError(Exception):
    """Sealed data is malformed, was tampered with, or was sealed under another key/aad."""


class MasterKeyError(Exception):
    """The master key cannot be loaded (bad env value, unreadable or malformed key file)."""


class MasterKey:
    """A 32-byte AES-256-GCM key. Its repr names the source, never the material."""

    __slots__ = ("_aead", "source")

    def __init__(self, key: bytes, *, source: str = "memory") -> None:
        if len(key) != 32:
            raise MasterKeyError("master key must be 32 bytes")
        self._aead = AESGCM(key)
        self.source = source

    def __repr__(self) -> str:
        return f"MasterKey(source={self.source!r})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("MasterKey cannot be pickled")

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(secrets.token_bytes(32), source="generated")

    @classmethod
    def load_or_create(cls, data_dir: Path) -> MasterKey:
        """From $OSSBOX_MASTER_KEY (base64 of 32 bytes) if set, else DIR/master.key.

        The file is created atomically with mode 0600 when absent; an existing file readable
        by group/other is tightened to 0600 with a warning.
        """
        env = os.environ.get(ENV_VAR)
        if env:
            return cls(_decode_key(env, where=f"${ENV_VAR}"), source="env")
        path = data_dir / KEY_FILE
        if not path.exists():
            create_private(path, base64.b64encode(secrets.token_bytes(32)) + b"\n")
        _tighten_mode(path)
        try:
            text = path.read_text("ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise MasterKeyError(f"cannot read master key file {path}: {exc}") from None
        return cls(_decode_key(text, where=str(path)), source="file")

    def seal(self, plaintext: bytes, *, aad: bytes) -> bytes:
        """Encrypt and authenticate `plaintext`, bound to `aad` (which is not stored)."""
        nonce = secrets.token_bytes(_NONCE_LEN)
        return _FORMAT + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, sealed: bytes, *, aad: bytes) -> bytes:
        """Decrypt what `seal` produced with the same aad; SealError on any mismatch."""
        if len(sealed) < 1 + _NONCE_LEN + _TAG_LEN or sealed[:1] != _FORMAT:
            raise SealError("sealed data is malformed")
        nonce = sealed[1 : 1 + _NONCE_LEN]
        try:
            return self._aead.decrypt(nonce, sealed[1 + _NONCE_LEN :], aad)
        except InvalidTag:
            raise SealError("sealed data failed authentication") from None


def _decode_key(text: str, *, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"master key in {where} is not valid base64") from None
    if len(key) != 32:
        raise MasterKeyError(f"master key in {where} must decode to 32 bytes, got {len(key)}")
    return key


def _tighten_mode(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("master key file %s had mode %o; setting it to 0600", path, mode)
        try:
            path.chmod(0o600)
        except OSError as exc:
            raise MasterKeyError(
                f"master key file {path} is accessible by group/other and cannot be fixed: {exc}"
            ) from None
