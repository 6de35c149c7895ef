#!/usr/bin/env bash
# Install what the tests need, then run the whole suite on SQLite and, when it can, on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "installing Debian's chromium for browser tests..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core) >/dev/null 2>&1 \
    || echo "could not install chromium: browser tests will be skipped" >&2
fi
if ! command -v redis-server >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "installing Debian's redis-server for the scale-out and prepare-lock tests..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null 2>&1 \
    || echo "could not install redis-server: the scale-out tests will be skipped" >&2
fi
export MEDCODE_DATA_DIR="${MEDCODE_TEST_DATA_DIR:-$PWD/var/test}"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy .
.venv/bin/lint-imports --no-logo
echo "== test suite on SQLite ==" >&2
env -u DATABASE_URL .venv/bin/pytest "$@"
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >/dev/null 2>&1 || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do pg_up && break; sleep 1; done
fi
if pg_up; then
  # Only the tests that open the operational database run again: the rest cannot see the difference
  # (conftest.py, uses_database).
  echo "== tests that use the database, on PostgreSQL ==" >&2
  DATABASE_URL="${MEDCODE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/medcode}" MEDCODE_TEST_DATABASE_ONLY=1 \
    .venv/bin/pytest "$@"
else
  echo "PostgreSQL is not reachable and could not be started: ran on SQLite only" >&2
fi
