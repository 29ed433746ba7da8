#!/usr/bin/env bash
# The whole test suite, from a fresh clone: builds the venv, installs ossbox with its dev extras
# (the official Alibaba Cloud clients included), then lint, format check, mypy --strict, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy --strict src
# pytest exits 5 when it collects nothing; that is a failure here, never a silent pass.
.venv/bin/python -m pytest -n 2 -q "$@"
