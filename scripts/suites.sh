#!/usr/bin/env bash
# The load, faults and fuzz suites (issue #9), on loopback only and bounded in time:
#
#   bash scripts/suites.sh load|faults|fuzz|all [--nightly]
#
# Without --nightly: the CI budget (the same tests scripts/test.sh runs inside pytest: 10 s of
# load per worker count, one kill per scenario, 300 fuzz inputs per target), about 2 minutes.
# With --nightly: 60 s of load at 1, 2 and 4 workers, five kills per scenario and 100,000
# fuzz inputs per target (about 40 minutes on 2 cores). Figures are printed and appended, one
# JSON line each, to $OSSBOX_SUITE_REPORT (default ./ossbox-suites-<mode>.jsonl).
# The full-disk scenario mounts a tmpfs, which needs root; elsewhere it is skipped, saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-all}
mode=ci
if [ "${2:-}" = "--nightly" ]; then mode=nightly; fi
case "$suite" in
  load | faults | fuzz) targets=(tests/suites/test_"$suite".py) ;;
  all) targets=(tests/suites/test_load.py tests/suites/test_faults.py tests/suites/test_fuzz.py) ;;
  *)
    echo "usage: bash scripts/suites.sh load|faults|fuzz|all [--nightly]" >&2
    exit 2
    ;;
esac
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
export OSSBOX_SUITE=$mode
export OSSBOX_SUITE_REPORT=${OSSBOX_SUITE_REPORT:-$PWD/ossbox-suites-$mode.jsonl}
timeout=300
if [ "$mode" = nightly ]; then timeout=3600; fi
status=0
for target in "${targets[@]}"; do
  workers=0
  # fuzz targets are independent and CPU-bound: two at a time; load and faults measure alone
  if [ "$mode" = nightly ] && [ "$target" = tests/suites/test_fuzz.py ]; then workers=2; fi
  .venv/bin/python -m pytest -q -s -n "$workers" --timeout "$timeout" "$target" || status=$?
done
echo "figures: $OSSBOX_SUITE_REPORT"
exit "$status"
