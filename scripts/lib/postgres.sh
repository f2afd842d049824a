# shellcheck shell=bash
# PostgreSQL for development and tests: the server is expected to run already (locally,
# or as a CI service container); databases and schemas are created by the Node code.
#
#   vigil_ensure_postgres <dbname>   exports DATABASE_URL (kept when already set) and
#                                    waits, bounded, until the server accepts connections
#
# Meant to be sourced: returns non-zero on failure, never calls exit.

# Prints "host port" of a postgres:// or postgresql:// URL (defaults 127.0.0.1 5432).
_vigil_pg_host_port() {
  local url="$1" rest hostport host port
  rest="${url#*://}"          # user:pass@host:port/db?x
  rest="${rest%%/*}"          # user:pass@host:port
  rest="${rest%%\?*}"
  hostport="${rest##*@}"      # host:port
  case "$hostport" in
    \[*\]:*) host="${hostport%%]:*}"; host="${host#[}"; port="${hostport##*]:}" ;;
    \[*\]) host="${hostport#[}"; host="${host%]}"; port="" ;;
    *:*) host="${hostport%%:*}"; port="${hostport##*:}" ;;
    *) host="$hostport"; port="" ;;
  esac
  echo "${host:-127.0.0.1} ${port:-5432}"
}

# Strips the password from a URL for printing.
_vigil_pg_redact() {
  echo "$1" | sed -E 's#(://[^:/@]+):[^@/]*@#\1:***@#'
}

vigil_ensure_postgres() {
  local db="${1:-vigil}" host port limit started ready said
  if [ -z "${DATABASE_URL:-}" ]; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
  fi
  read -r host port <<<"$(_vigil_pg_host_port "$DATABASE_URL")"
  limit="${VIGIL_POSTGRES_WAIT:-30}"
  started=$SECONDS
  ready=0
  said=0
  while :; do
    if command -v pg_isready >/dev/null 2>&1; then
      # Exit 0: accepting connections; 1: rejecting (starting up); 2: no answer.
      if pg_isready -q -h "$host" -p "$port" -t 3 >/dev/null 2>&1; then ready=1; fi
    elif timeout 3 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then
      ready=1
    fi
    [ "$ready" = 1 ] && break
    if [ $((SECONDS - started)) -ge "$limit" ]; then
      echo "vigil: PostgreSQL does not answer on $host:$port (waited ${limit} s)." >&2
      echo "vigil:   DATABASE_URL=$(_vigil_pg_redact "$DATABASE_URL")" >&2
      echo "vigil:   Start PostgreSQL (15 or newer) there, or point DATABASE_URL at a running server." >&2
      return 1
    fi
    if [ "$said" = 0 ]; then
      echo "vigil: waiting for PostgreSQL on $host:$port ..." >&2
      said=1
    fi
    sleep 1
  done
  echo "vigil: PostgreSQL answers on $host:$port" >&2
  return 0
}
