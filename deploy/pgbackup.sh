#!/usr/bin/env bash
# Back up and restore motmap's PostgreSQL database (`make backup`, `make restore FILE=...`).
#
#   deploy/pgbackup.sh backup [FILE]   a custom-format pg_dump (-Fc, --no-owner) into FILE, by
#                                      default $BACKUP_DIR/motmap-YYYYmmdd-HHMMSS.dump (UTC;
#                                      BACKUP_DIR: backups/ beside this folder). Prints its
#                                      path and size. Folders and files are made private
#                                      (umask 077); an existing file is never overwritten.
#   deploy/pgbackup.sh restore FILE    replaces the database's contents with the backup in FILE:
#                                      pg_restore --clean --if-exists --no-owner --single-transaction,
#                                      so a restore that fails changes nothing. Asks to type
#                                      "yes" first; CONFIRM=yes answers for scripts.
#
# Where the database is:
#   docker compose (the default)  pg_dump and pg_restore run inside the stack's `postgres`
#                                 service (docker-compose.yml: user and database motmap), the
#                                 backup streamed through stdin and stdout: nothing is written
#                                 in the container. Run on the machine of the stack.
#   DATABASE_URL set              the pg_dump and pg_restore of this machine against that URL
#   (or DATABASE_URL_FILE)        (postgres://user:password@host:5432/name?sslmode=require): a
#                                 managed PostgreSQL, the Helm chart's database. They must be
#                                 as new as the server (Debian: apt-get install postgresql-client).
#   BACKUP_MODE=compose|url       chooses explicitly (compose even with DATABASE_URL set).
# The compose service and credentials can be changed with POSTGRES_SERVICE, POSTGRES_USER and
# POSTGRES_DB. The password of DATABASE_URL is never printed nor put on a command line (it is
# handed over in PGPASSWORD).
set -eu
set -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
POSTGRES_SERVICE=${POSTGRES_SERVICE:-postgres}
POSTGRES_USER=${POSTGRES_USER:-motmap}
POSTGRES_DB=${POSTGRES_DB:-motmap}

say() { printf '%s\n' "$*" >&2; }
fail() {
  say "error: $*"
  exit 1
}
usage() {
  say "usage: $0 backup [FILE]"
  say "       $0 restore FILE      (CONFIRM=yes to answer the question in scripts)"
  say "With DATABASE_URL set the local pg_dump/pg_restore use it; otherwise docker compose's postgres."
  exit 2
}

# -- where the database is --------------------------------------------------------------------

MODE=
CONNECTION= # url mode: the URL without its password
TARGET=     # what the messages call the database (never with a password)

percent_decode() {
  local text=${1//\\/\\\\}
  printf '%b' "${text//%/\\x}"
}

# Splits the password off DATABASE_URL: libpq reads it from PGPASSWORD, so it is neither printed
# nor visible on a command line; the rest of the URL (host, port, name, ?sslmode=...) is passed
# as it is.
use_url() {
  local url=$1 scheme rest authority path userinfo hostport user password name
  case $url in
    *://*) ;;
    *) fail "DATABASE_URL is not a URL (expected postgres://user:password@host:5432/name)" ;;
  esac
  scheme=${url%%://*}
  case $scheme in
    postgres | postgresql | pgsql | postgis) ;;
    *) fail "DATABASE_URL is a $scheme:// URL: only a PostgreSQL database can be backed up here" ;;
  esac
  rest=${url#*://}
  authority=${rest%%[/?]*}
  path=${rest:${#authority}}
  userinfo=
  hostport=$authority
  if [[ $authority == *@* ]]; then
    userinfo=${authority%%@*}
    hostport=${authority#*@}
  fi
  user=${userinfo%%:*}
  password=
  if [[ $userinfo == *:* ]]; then
    password=$(percent_decode "${userinfo#*:}")
  fi
  if [ -n "$password" ]; then
    export PGPASSWORD=$password
  fi
  CONNECTION="postgresql://${user:+$user@}$hostport$path"
  name=${path#/}
  name=${name%%\?*}
  TARGET="database ${name:-(default)} on ${hostport:-localhost}${user:+ as $user} (DATABASE_URL)"
}

# Sets MODE and TARGET, checking that the given client (pg_dump or pg_restore) can be run.
choose_mode() {
  local tool=$1 url
  MODE=${BACKUP_MODE:-}
  if [ -z "$MODE" ]; then
    if [ -n "${DATABASE_URL:-}${DATABASE_URL_FILE:-}" ]; then MODE=url; else MODE=compose; fi
  fi
  case $MODE in
    url)
      if [ -n "${DATABASE_URL:-}" ] && [ -n "${DATABASE_URL_FILE:-}" ]; then
        fail "both DATABASE_URL and DATABASE_URL_FILE are set: set one"
      elif [ -n "${DATABASE_URL_FILE:-}" ]; then
        [ -r "$DATABASE_URL_FILE" ] || fail "DATABASE_URL_FILE: cannot read $DATABASE_URL_FILE"
        url=$(cat -- "$DATABASE_URL_FILE")
      elif [ -n "${DATABASE_URL:-}" ]; then
        url=$DATABASE_URL
      else
        fail "BACKUP_MODE=url needs DATABASE_URL (or DATABASE_URL_FILE)"
      fi
      use_url "$url"
      command -v "$tool" >/dev/null 2>&1 \
        || fail "$tool is not installed here (Debian: apt-get install postgresql-client)"
      ;;
    compose)
      if ! docker compose version >/dev/null 2>&1; then
        fail "docker compose is not available here. Run this on the machine of the docker compose stack, or set DATABASE_URL to use this machine's pg_dump and pg_restore."
      fi
      TARGET="database $POSTGRES_DB in the docker compose service $POSTGRES_SERVICE"
      ;;
    *) fail "BACKUP_MODE must be compose or url, not $MODE" ;;
  esac
}

# Runs a PostgreSQL client (pg_dump or pg_restore) against the database, with the given options;
# the backup always goes through its stdin or stdout, in both modes alike.
pg() {
  local tool=$1
  shift
  if [ "$MODE" = compose ]; then
    # docker compose reads the whole file, whose app services require SECRET_KEY (from the
    # shell or .env); exec into postgres does not use it, so a cron job runs without it too.
    (cd "$ROOT" && SECRET_KEY=${SECRET_KEY:-not-used-by-exec} docker compose exec -T \
      "$POSTGRES_SERVICE" "$tool" -U "$POSTGRES_USER" -d "$POSTGRES_DB" "$@")
  else
    "$tool" -d "$CONNECTION" "$@"
  fi
}

is_custom_dump() {
  [ "$(head -c 5 -- "$1")" = PGDMP ]
}

# -- backup -----------------------------------------------------------------------------------

PARTIAL=
forget_partial() {
  if [ -n "$PARTIAL" ]; then rm -f -- "$PARTIAL"; fi
}

backup() {
  local file=${1:-} bytes size
  choose_mode pg_dump
  umask 077
  if [ -z "$file" ]; then
    mkdir -p -- "${BACKUP_DIR:-$ROOT/backups}"
    file="${BACKUP_DIR:-$ROOT/backups}/motmap-$(date -u +%Y%m%d-%H%M%S).dump"
  else
    mkdir -p -- "$(dirname -- "$file")"
  fi
  [ ! -e "$file" ] || fail "$file already exists: not overwritten (give another FILE)"
  say "Backing up the $TARGET ..."
  PARTIAL="$file.partial"
  trap forget_partial EXIT
  trap 'exit 130' INT TERM
  # Through a pipe in both modes, as docker compose exec hands it over.
  pg pg_dump --format=custom --no-owner | cat >"$PARTIAL" \
    || fail "pg_dump failed (see above): no backup written"
  is_custom_dump "$PARTIAL" || fail "pg_dump's output is not a backup: no backup written"
  mv -- "$PARTIAL" "$file"
  PARTIAL=
  bytes=$(wc -c <"$file" | tr -d ' ')
  size=$(du -h -- "$file" | cut -f1)
  printf 'Backup written: %s (%s, %s bytes)\n' "$file" "$size" "$bytes"
}

# -- restore ----------------------------------------------------------------------------------

confirm() {
  local answer
  if [ "${CONFIRM:-}" = yes ]; then
    return 0
  fi
  if [ -n "${CONFIRM:-}" ] || [ ! -t 0 ]; then
    fail "not restored: this replaces everything in the $TARGET. Type yes when asked (run it in a terminal), or set CONFIRM=yes."
  fi
  say "This replaces everything in the $TARGET with the backup $1."
  if [ "$MODE" = compose ]; then
    say "Stop the app first if it runs: docker compose stop web worker beat"
  fi
  printf 'Type yes to restore: ' >&2
  read -r answer || answer=
  [ "$answer" = yes ] || fail "not restored: the answer was not yes"
}

restore() {
  local file=${1:-}
  [ -n "$file" ] || fail "restore needs the backup to restore: $0 restore backups/motmap-YYYYmmdd-HHMMSS.dump (make restore FILE=...)"
  [ -e "$file" ] || fail "no such backup: $file"
  if [ ! -f "$file" ] || [ ! -r "$file" ]; then fail "cannot read the backup $file"; fi
  is_custom_dump "$file" || fail "$file is not a backup made by pg_dump --format=custom (make backup)"
  choose_mode pg_restore
  confirm "$file"
  say "Restoring $file into the $TARGET ..."
  # --single-transaction: all or nothing (it stops at the first error); --no-privileges: the
  # roles of the machine the backup came from need not exist here.
  cat -- "$file" | pg pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
    || fail "pg_restore failed (see above): nothing was changed, the $TARGET is as it was"
  say "Restored: the $TARGET now holds the backup $file."
}

case ${1:-} in
  backup)
    [ $# -le 2 ] || usage
    backup "${2:-}"
    ;;
  restore)
    [ $# -le 2 ] || usage
    restore "${2:-}"
    ;;
  *) usage ;;
esac
