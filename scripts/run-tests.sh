#!/usr/bin/env bash
# Runs the suite (or what the arguments select) on SQLite or (with TEST_DATABASE_URL) on PostgreSQL.
# Prints which database it used and what was skipped. In CI (CI=true) a test skipped for lack of a
# service is a failure.
#
# KASSE_TEST_WORKERS: pytest-xdist worker processes ("auto": one per core; 0: none, everything in this
# process; the default, for a file or two). `make test` and `make test-fast` use "auto".
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

# A data directory per database, so that a SQLite run and a PostgreSQL run can go on at the same time.
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  export DATABASE_URL="$TEST_DATABASE_URL"
  export KASSE_DATA_DIR="$(pwd)/var/test/postgres"
  echo "== kasse tests on PostgreSQL ($TEST_DATABASE_URL)"
else
  export KASSE_DATA_DIR="$(pwd)/var/test/sqlite"
  export DATABASE_URL="sqlite:///$KASSE_DATA_DIR/kasse.sqlite3"
  echo "== kasse tests on SQLite (set TEST_DATABASE_URL=postgres://... for PostgreSQL)"
fi
mkdir -p "$KASSE_DATA_DIR"
# Test modules are compiled (and their asserts rewritten) once, not at every run: that is a third of a
# run's CPU time when the environment says not to write bytecode.
unset PYTHONDONTWRITEBYTECODE

workers=()
if [ "${KASSE_TEST_WORKERS:-0}" != "0" ]; then
  # Tests go to whichever worker is free, one at a time, in the plugin's order (the longest first), so a
  # worker busy with a long test holds up no queue of short ones; the tests of an xdist_group (a module that
  # shares processes between its tests) go to one worker together (docs/testing.md).
  workers=(-n "$KASSE_TEST_WORKERS" --dist loadgroup --no-loadscope-reorder)
fi

# The short summary names every test that was rerun (R, pytest-rerunfailures) besides failures, errors and
# skips (a: pyproject's -ra); in CI with the traceback of the try that failed, so that a flake can be fixed.
report=(-raR)
if [ "${CI:-}" = "true" ]; then
  # and the 40 slowest test phases: where CI's minutes go (issue 13's time budget)
  report+=(--rerun-show-tracebacks --durations=40)
fi

set +e
$BIN/python -m pytest -p no:cacheprovider "${report[@]}" "${workers[@]}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
fi
exit "$status"
