#!/usr/bin/env bash
# Runs the whole suite once, on SQLite or (with TEST_DATABASE_URL) on PostgreSQL.
# Prints which database it used and what was skipped. In CI (CI=true) a test
# skipped for lack of a service is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  export DATABASE_URL="$TEST_DATABASE_URL"
  echo "== kasse tests on PostgreSQL ($TEST_DATABASE_URL)"
else
  export DATABASE_URL="sqlite:///$(pwd)/var/test/kasse.sqlite3"
  echo "== kasse tests on SQLite (set TEST_DATABASE_URL=postgres://... for PostgreSQL)"
fi
export KASSE_DATA_DIR="$(pwd)/var/test"
mkdir -p "$KASSE_DATA_DIR"

set +e
$BIN/python -m pytest -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
fi
exit "$status"
