#!/usr/bin/env bash
# Makes sure a PostgreSQL server is up and that the test role and database exist, so that
# `make test` always runs the store's contract suite on a real server.
#
# The tests connect with $TARAZY_TEST_POSTGRES (default below). If that URL already
# works, nothing is changed. Otherwise, as root, this starts the local cluster when it
# is installed but stopped, and creates role "tarazy" (password "tarazy", CREATEDB) and
# database "tarazy_test" through the postgres superuser on the Unix socket.
set -euo pipefail

url=${TARAZY_TEST_POSTGRES:-postgres://tarazy:tarazy@127.0.0.1:5432/tarazy_test?sslmode=disable}

if psql "$url" -Atqc 'select 1' >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "cannot reach the test database at $url" >&2
  echo "start PostgreSQL and create it, or point TARAZY_TEST_POSTGRES at a database the tests may use" >&2
  exit 1
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$ver" ]; then
    echo "PostgreSQL is not installed; run scripts/deps.sh test first" >&2
    exit 1
  fi
  echo "pg: starting PostgreSQL $ver"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
fi

as_postgres() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -Atq "$@"; }
if [ "$(as_postgres -c "select 1 from pg_roles where rolname='tarazy'")" != 1 ]; then
  as_postgres -c "create role tarazy login password 'tarazy' createdb"
fi
if [ "$(as_postgres -c "select 1 from pg_database where datname='tarazy_test'")" != 1 ]; then
  as_postgres -c "create database tarazy_test owner tarazy"
fi

if ! psql "$url" -Atqc 'select 1' >/dev/null; then
  echo "PostgreSQL is running but $url still refuses the connection (check pg_hba.conf)" >&2
  exit 1
fi
echo "pg: test database ready"
