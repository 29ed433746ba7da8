#!/usr/bin/env bash
# The whole test suite, from a fresh clone: builds the venv, installs ossbox with its dev extras
# (the official Alibaba Cloud clients included), then lint, format check, mypy --strict, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# The browser test (tests/compat/test_browser.py) drives Debian's chromium through its
# chromedriver; install both once, from apt, when either is missing. Never a downloaded browser.
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    chromium chromium-driver
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy --strict src
# pytest exits 5 when it collects nothing; that is a failure here, never a silent pass.
.venv/bin/python -m pytest -n 2 -q "$@"
