"""The guide's pytest-plugin sample, run the way an application's CI would run it: written to a
fresh directory outside this repository (so none of this project's conftest files apply) and
collected by pytest, which finds `ossbox_server` / `ossbox_admin` through the entry point."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.md"


def ci_sample(text: str) -> str:
    section = text.split("## Running in CI: the pytest plugin", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"^```python\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    assert match, "the CI section has no Python sample"
    return match[1]


def test_the_ci_sample_passes_with_only_the_installed_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_app.py").write_text(ci_sample(GUIDE.read_text()))

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
