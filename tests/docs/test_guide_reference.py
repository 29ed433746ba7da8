"""The guide's `ossbox serve` reference names every flag the command has (and no other)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.md"


def serve_flags() -> set[str]:
    help_text = subprocess.run(
        [sys.executable, "-m", "ossbox.cli.main", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(re.findall(r"(--[a-z][a-z0-9-]+)", help_text)) - {"--help"}


def test_the_serve_reference_lists_every_flag() -> None:
    text = GUIDE.read_text()
    section = text.split("## `ossbox serve` configuration reference", 1)[1].split("\n## ", 1)[0]
    table = {m for m in re.findall(r"^\| `(--[a-z0-9-]+)", section, re.MULTILINE)}
    assert table == serve_flags()
