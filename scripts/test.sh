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
# The official Secrets Manager client (tests/compat/test_kms_seed.py) runs in its own venv.
if [ ! -x .venv-kms/bin/python ]; then
  kms_python=""
  for candidate in "$(command -v python3.10 || true)" "$HOME"/.pyenv/versions/3.10*/bin/python3.10 \
                   "$(command -v python3.9 || true)" "$HOME"/.pyenv/versions/3.9*/bin/python3.9; do
    # A pyenv shim exists even where its version is not active, so try each one for real.
    if [ -n "$candidate" ] && "$candidate" -c 'import sys; assert (3, 9) <= sys.version_info[:2] <= (3, 10)' 2>/dev/null; then
      kms_python="$candidate"; break
    fi
  done
  if [ -z "$kms_python" ]; then
    echo "scripts/test.sh: aliyun-secret-manager-client needs Python 3.9 or 3.10; none found" >&2
    exit 1
  fi
  "$kms_python" -m venv .venv-kms
fi
.venv-kms/bin/python -m pip install -q --disable-pip-version-check \
  -r scripts/kms-client-requirements.txt
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy --strict src
# pytest exits 5 when it collects nothing; that is a failure here, never a silent pass.
.venv/bin/python -m pytest -n 2 -q "$@"
