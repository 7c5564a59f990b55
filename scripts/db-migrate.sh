#!/usr/bin/env bash
# Applies sql/migrations/NNN_*.sql in order to the database, skipping those that
# schema_version already lists.  Usage: db-migrate.sh MYSQL_ARGS...
# (e.g. db-migrate.sh --socket=var/mysql.sock -uroot pchat)
# Installed by the pchatd package as pchat-db-migrate, it takes the migrations from
# /usr/share/pchat/sql/migrations.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
migrations="$top/sql/migrations"
[ -d "$migrations" ] || migrations=/usr/share/pchat/sql/migrations
current=$(mysql "$@" -N -B -e "SELECT COALESCE(MAX(version),0) FROM schema_version" 2>/dev/null || echo 0)
for f in "$migrations"/[0-9][0-9][0-9]_*.sql; do
  base=$(basename "$f" .sql)
  v=$((10#${base%%_*}))
  [ "$v" -gt "$current" ] || continue
  echo "db-migrate: applying $base"
  { cat "$f"; echo "INSERT INTO schema_version (version, name) VALUES ($v, '$base');"; } | mysql "$@"
done
