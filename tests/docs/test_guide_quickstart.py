"""The guide's quick start, run as a newcomer would: its ```bash blocks, in order, in one fresh
shell (bash -e), in an empty directory, on a free port, with only the virtual environment on
PATH. If the guide rots, this fails."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from ossbox.testing import free_port

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.md"
BLOCK = re.compile(r"^```bash\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def quickstart_blocks(text: str) -> list[str]:
    begin, end = "<!-- quickstart:begin -->", "<!-- quickstart:end -->"
    assert begin in text and end in text, "the quick start markers are missing"
    section = text.split(begin, 1)[1].split(end, 1)[0]
    return BLOCK.findall(section)


def test_the_quickstart_has_the_steps_it_promises() -> None:
    script = "\n".join(quickstart_blocks(GUIDE.read_text()))
    for step in ("ossbox serve", "ossbox ram create-user", "ossbox explain", "ossbox sign-url"):
        assert step in script
    assert script.count("9000") >= 5  # the port the test swaps for a free one


def test_the_quickstart_runs_in_a_fresh_shell(tmp_path: Path) -> None:
    port = str(free_port())
    script = "\n".join(quickstart_blocks(GUIDE.read_text())).replace("9000", port)
    (tmp_path / "quickstart.sh").write_text(script)
    venv_bin = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
    }
    process = subprocess.Popen(
        ["bash", "-e", "quickstart.sh"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the background server is in this group: cleaned up below
    )
    try:
        output, _ = process.communicate(timeout=180)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    assert process.returncode == 0, output
    assert "hello ossbox" in output  # written and read back as root
    assert "read: hello ossbox" in output  # the RAM user may read
    assert "write refused: AccessDenied" in output  # and may not write
    assert "Denied: oss:PutObject" in output and "(exit status 1: denied)" in output
    allowed = "Allowed: oss:GetObject on acs:oss:*:*:examplebucket/hello.txt is allowed by policy"
    assert f'{allowed} "AppReadOnly"' in output
    url = next(line for line in output.splitlines() if line.startswith("http://"))
    assert "x-oss-signature=" in url
    assert output.rstrip().endswith("hello ossbox")  # fetched through the signed URL, then stopped
    assert (tmp_path / "ossbox-quickstart" / "ossbox-data" / "root-credentials").exists()
