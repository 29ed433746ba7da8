"""How much the suites do, and where their figures go.

`ci` (the default: what `scripts/test.sh` and CI's pytest run) keeps every suite to seconds;
`nightly` (OSSBOX_SUITE=nightly, as `bash scripts/suites.sh SUITE --nightly` sets) runs the
full budgets of issue #9. Each suite prints its figures and, when OSSBOX_SUITE_REPORT names a
file, appends them to it as one JSON line per measurement.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def nightly() -> bool:
    return os.environ.get("OSSBOX_SUITE", "ci") == "nightly"


def pick(ci: Any, nightly_value: Any) -> Any:
    return nightly_value if nightly() else ci


def report(suite: str, **figures: Any) -> None:
    line = json.dumps({"suite": suite, "mode": pick("ci", "nightly"), **figures})
    print(f"\n[suite] {line}", file=sys.stderr)
    path = os.environ.get("OSSBOX_SUITE_REPORT")
    if path:
        with open(path, "a") as out:
            out.write(line + "\n")
