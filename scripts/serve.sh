#!/usr/bin/env bash
# Runs the server from a fresh clone: builds the venv, installs ossbox, starts `ossbox serve` on its
# embedded default (SQLite + files under ./ossbox-data). Extra arguments go to `ossbox serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
exec .venv/bin/ossbox serve --data ./ossbox-data "$@"
