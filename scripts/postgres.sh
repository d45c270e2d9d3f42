#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the test suite and exports INLET_TEST_DATABASE_URL.
# Source it from another script; the server stops when that script exits. Installs PostgreSQL
# with apt-get when no server binaries are found. PostgreSQL refuses to run as root, so as root
# the server runs as the `postgres` user.
if [ -n "${INLET_TEST_DATABASE_URL:-}" ]; then
  echo "Using PostgreSQL at INLET_TEST_DATABASE_URL"
  return 0 2>/dev/null || exit 0
fi

find_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_bin=$(find_pg_bin)
if [ -z "$pg_bin" ]; then
  echo "PostgreSQL server not found; installing it with apt-get"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  pg_bin=$(find_pg_bin)
fi
if [ -z "$pg_bin" ]; then
  echo "Could not find or install the PostgreSQL server" >&2
  exit 1
fi

pg_dir=$(mktemp -d /tmp/inlet-pg.XXXXXX)
pg_port=${INLET_TEST_PG_PORT:-$((20000 + RANDOM % 20000))}
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$pg_dir"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync >"$pg_dir/initdb.log" 2>&1 || {
  cat "$pg_dir/initdb.log" >&2
  exit 1
}
# Durability settings are off because this cluster lives only for one test run.
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 start \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null || {
  cat "$pg_dir/server.log" >&2
  exit 1
}

stop_postgres() {
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_postgres EXIT

export INLET_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') started on 127.0.0.1:$pg_port"
