#!/usr/bin/env bash
# The single entry point behind the npm scripts: bash scripts/vigil.sh <command> [args...]
#
#   build       compile TypeScript to dist/ (tsc + tsc-alias) and copy the apps' static files
#   infra-up    ensure Kafka and PostgreSQL; print KAFKA_BROKERS and DATABASE_URL
#   infra-down  stop the local Kafka broker started by infra-up/start/test
#   start       infra + build + the five services; stays in the foreground (Ctrl-C stops)
#   test        infra (database vigil_test) + build + jest --ci [jest args...]
#   demo        build + tools/demo against the running services
#   bench       infra (database vigil_bench) + build + tools/bench [scenario...] [options]
#   test-faults a broker of its own + database vigil_faults + build + the fault suite (jest.faults.config.js)
#   lint        eslint [args...]
#
# KAFKA_BROKERS and DATABASE_URL are used as given when set; otherwise a single-node
# Kafka from the official jars (scripts/lib/kafka.sh) and the local PostgreSQL are used.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# shellcheck source=SCRIPTDIR/lib/node.sh
source "$ROOT/scripts/lib/node.sh"
# shellcheck source=SCRIPTDIR/lib/kafka.sh
source "$ROOT/scripts/lib/kafka.sh"
# shellcheck source=SCRIPTDIR/lib/postgres.sh
source "$ROOT/scripts/lib/postgres.sh"

export VIGIL_HOME="${VIGIL_HOME:-$ROOT/.vigil}"

# app:port, in start order (the reporting API last).
VIGIL_APPS=(alarm-ingestion:4001 sla-calculator:4002 escalation:4003 notifier:4004 reporting-api:4000)

usage() {
  cat <<'EOF'
usage: bash scripts/vigil.sh <command> [args...]

  build        compile TypeScript to dist/
  infra-up     ensure Kafka (KAFKA_BROKERS) and PostgreSQL (DATABASE_URL); print both
  infra-down   stop the local Kafka broker
  start        infra + build + the five services, in the foreground (Ctrl-C stops them)
  test         infra (database vigil_test) + build + jest --ci [jest args...]
               (VIGIL_STOP_INFRA=1 stops the local Kafka broker afterwards)
  demo         build + play the demo against the running services
  bench        infra + build + benchmarks [scenario...] [options] (bench -- --help)
  test-faults  the fault suite: kills and cuts real processes under load, then audits
  lint         eslint [args...]
EOF
}

log() { echo "vigil: $*" >&2; }

bin() {
  local tool="$1"
  shift
  if [ ! -x "$ROOT/node_modules/.bin/$tool" ]; then
    log "node_modules/.bin/$tool is missing; is it in package.json's devDependencies?"
    return 1
  fi
  "$ROOT/node_modules/.bin/$tool" "$@"
}

ensure_dependencies() {
  local stamp="$ROOT/node_modules/.package-lock.json"
  if [ -f "$ROOT/package-lock.json" ]; then
    if [ ! -d "$ROOT/node_modules" ] || [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
      log "installing dependencies (npm ci)"
      npm ci --loglevel=error --no-audit --no-fund
    fi
  elif [ ! -d "$ROOT/node_modules" ] || [ ! -f "$stamp" ] || [ "$ROOT/package.json" -nt "$stamp" ]; then
    log "installing dependencies (npm install; no package-lock.json yet)"
    npm install --loglevel=error --no-audit --no-fund
  fi
}

build() {
  local started=$SECONDS
  log "building (tsc -p tsconfig.build.json)"
  bin tsc -p tsconfig.build.json
  bin tsc-alias -p tsconfig.build.json
  # tsc emits only JavaScript: what an app serves as it is (apps/*/src/**/static/) is copied beside it.
  local dir
  while IFS= read -r -d '' dir; do
    rm -rf "dist/$dir"
    mkdir -p "dist/$dir"
    cp -R "$dir/." "dist/$dir/"
  done < <(find apps/*/src -type d -name static -print0)
  log "built in $((SECONDS - started)) s"
}

infra() {
  vigil_ensure_kafka
  vigil_ensure_postgres "$1"
}

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

http_ok() {
  local url="$1"
  if command -v curl >/dev/null 2>&1; then
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null)" = 200 ]
  else
    node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
      .then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' "$url"
  fi
}

# ---- start -------------------------------------------------------------------------
CHILD_PIDS=()
CHILD_NAMES=()

stop_children() {
  local i pid waited
  for pid in "${CHILD_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  waited=0
  for i in "${!CHILD_PIDS[@]}"; do
    pid="${CHILD_PIDS[$i]}"
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 300 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "${CHILD_NAMES[$i]} did not stop within 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
}

on_signal() {
  trap - INT TERM HUP
  echo >&2
  log "stopping the services (SIGTERM) ..."
  stop_children
  log "stopped"
  exit 0
}

child_died() {
  local name="$1" log_file="$ROOT/.vigil/logs/$1.log"
  log "$name exited; last lines of .vigil/logs/$name.log:"
  tail -n 40 "$log_file" >&2 || true
}

start() {
  local t0=$SECONDS t_launch entry app port i pid all_ready limit
  infra vigil
  build

  for entry in "${VIGIL_APPS[@]}"; do
    app="${entry%%:*}"
    port="${entry##*:}"
    if [ ! -f "$ROOT/dist/apps/$app/src/main.js" ]; then
      log "dist/apps/$app/src/main.js is missing after the build"
      exit 1
    fi
    if port_open "$port"; then
      log "port $port ($app) is already in use; is another 'npm start' running?"
      exit 1
    fi
  done

  mkdir -p "$ROOT/.vigil/logs"
  trap on_signal INT TERM HUP
  t_launch=$SECONDS
  for entry in "${VIGIL_APPS[@]}"; do
    app="${entry%%:*}"
    port="${entry##*:}"
    # setsid: the services get signals from us only (one SIGTERM), not the terminal's
    # Ctrl-C as well. A background child of a non-interactive shell is never a process
    # group leader, so setsid execs in place and $! is the node process itself.
    PORT="$port" setsid node --enable-source-maps "dist/apps/$app/src/main.js" \
      >"$ROOT/.vigil/logs/$app.log" 2>&1 </dev/null &
    CHILD_PIDS+=("$!")
    CHILD_NAMES+=("$app")
    log "started $app (pid $!, port $port, log .vigil/logs/$app.log)"
  done

  limit="${VIGIL_START_TIMEOUT:-120}"
  declare -A ready=()
  while :; do
    all_ready=1
    for i in "${!CHILD_PIDS[@]}"; do
      pid="${CHILD_PIDS[$i]}"
      app="${CHILD_NAMES[$i]}"
      port="${VIGIL_APPS[$i]##*:}"
      if ! kill -0 "$pid" 2>/dev/null; then
        child_died "$app"
        trap - INT TERM HUP
        stop_children
        exit 1
      fi
      if [ -z "${ready[$app]:-}" ]; then
        if http_ok "http://127.0.0.1:$port/health/readiness"; then
          ready[$app]=1
          log "$app ready ($((SECONDS - t_launch)) s)"
        else
          all_ready=0
        fi
      fi
    done
    [ "$all_ready" = 1 ] && break
    if [ $((SECONDS - t_launch)) -ge "$limit" ]; then
      for i in "${!CHILD_NAMES[@]}"; do
        app="${CHILD_NAMES[$i]}"
        if [ -z "${ready[$app]:-}" ]; then
          log "$app is not ready after ${limit} s (http://127.0.0.1:${VIGIL_APPS[$i]##*:}/health/readiness); last lines of .vigil/logs/$app.log:"
          tail -n 40 "$ROOT/.vigil/logs/$app.log" >&2 || true
        fi
      done
      trap - INT TERM HUP
      stop_children
      exit 1
    fi
    sleep 0.5
  done

  echo
  echo "Vigil is up — all five services ready in $((SECONDS - t_launch)) s ($((SECONDS - t0)) s including infrastructure and build)."
  echo
  for entry in "${VIGIL_APPS[@]}"; do
    printf '  %-16s http://127.0.0.1:%s\n' "${entry%%:*}" "${entry##*:}"
  done
  echo
  echo "  API docs         <service URL>/docs     health: <service URL>/health"
  echo "  try it           npm run demo"
  echo
  echo "  KAFKA_BROKERS=$KAFKA_BROKERS"
  echo "  DATABASE_URL=$(_vigil_pg_redact "$DATABASE_URL")"
  echo "  logs: .vigil/logs/<service>.log    Ctrl-C stops the services (Kafka keeps running; npm run infra:down stops it)"
  echo

  # Foreground until a signal (handled by on_signal) or a service exits on its own.
  while :; do
    wait -n 2>/dev/null || true
    for i in "${!CHILD_PIDS[@]}"; do
      if ! kill -0 "${CHILD_PIDS[$i]}" 2>/dev/null; then
        child_died "${CHILD_NAMES[$i]}"
        trap - INT TERM HUP
        log "stopping the other services"
        stop_children
        exit 1
      fi
    done
  done
}

# ---- lint --------------------------------------------------------------------------
# The module-boundary rule reads Nx's project graph, which `nx show projects` computes.
lint() {
  local started=$SECONDS
  log "linting (eslint with Nx module boundaries)"
  NX_DAEMON=false bin nx show projects >/dev/null
  NX_DAEMON=false bin eslint . "$@"
  log "linted in $((SECONDS - started)) s"
}

# ---- test --------------------------------------------------------------------------
# Debian packages some tests drive: chromium for the dashboard's browser test
# (playwright-core, no downloaded browser) and promtool (package `prometheus`) for the
# alert rules. Installed here when missing; where apt cannot run, the tests that need
# one are skipped, saying so loudly.
ensure_debian_package() {
  local package="$1" binary="$2" purpose="$3" skip_var="$4"
  [ -x "$binary" ] && return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo="none"; fi
  fi
  if [ "$sudo" != none ] && command -v apt-get >/dev/null 2>&1; then
    log "installing $package for $purpose (apt-get install $package)"
    if $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$package" >/dev/null 2>&1 \
      || { $sudo apt-get update >/dev/null 2>&1 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$package" >/dev/null 2>&1; }; then
      [ -x "$binary" ] && return 0
    fi
  fi
  log "WARNING: no $binary and apt-get cannot install $package here: $purpose is SKIPPED"
  export "$skip_var=1"
}

ensure_chromium() {
  ensure_debian_package chromium "${VIGIL_CHROMIUM:-/usr/bin/chromium}" "the dashboard's browser test" VIGIL_SKIP_BROWSER_TESTS
}

ensure_promtool() {
  ensure_debian_package prometheus "${VIGIL_PROMTOOL:-/usr/bin/promtool}" "the alert rules' promtool checks" VIGIL_SKIP_PROMTOOL_TESTS
}

run_tests() {
  local rc=0
  infra vigil_test
  ensure_chromium
  ensure_promtool
  build
  lint
  bin jest --ci "$@" || rc=$?
  if [ "${VIGIL_STOP_INFRA:-0}" = 1 ]; then
    vigil_stop_kafka || true
  fi
  return "$rc"
}

# ---- bench -------------------------------------------------------------------------
# The bench starts its own processes (alarm-ingestion on a free port against database
# vigil_bench, Alertmanager) and stops them; here only what `start` needs as well.
run_bench() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      -h | --help)
        build
        node dist/tools/bench/src/main.js --help
        return
        ;;
    esac
  done
  local own_broker=0 rc=0
  if [ -z "${KAFKA_BROKERS:-}" ]; then
    # The broker's version is known only for the local one (printed with the figures).
    export VIGIL_KAFKA_VERSION
    # A broker of its own, started fresh: hundreds of thousands of bench events must not
    # land in the topics that `npm start` and the tests read from the beginning.
    export VIGIL_KAFKA_PORT="${VIGIL_BENCH_KAFKA_PORT:-19192}" VIGIL_KAFKA_CONTROLLER_PORT="${VIGIL_BENCH_KAFKA_CONTROLLER_PORT:-19193}"
    export VIGIL_KAFKA_RUN_DIR="$ROOT/.cache/kafka/bench"
    vigil_stop_kafka >/dev/null 2>&1 || true
    rm -rf "$VIGIL_KAFKA_RUN_DIR"
    own_broker=1
    # The bench then starts every scenario after the first on a fresh broker of its own.
    export VIGIL_BENCH_OWN_BROKER=1
  fi
  infra vigil_bench
  build
  node --enable-source-maps dist/tools/bench/src/main.js "$@" || rc=$?
  if [ "$own_broker" = 1 ]; then
    vigil_stop_kafka || true
    rm -rf "$VIGIL_KAFKA_RUN_DIR"
  fi
  return "$rc"
}

# ---- test-faults -------------------------------------------------------------------
# The suite stops and restarts its broker, so it always runs one of its own (fresh, on
# its own ports), never the broker of `npm start` or `npm test`.
run_faults() {
  local rc=0
  if [ -n "${KAFKA_BROKERS:-}" ]; then
    log "test:faults stops and restarts Kafka itself and needs a broker of its own: unset KAFKA_BROKERS"
    return 2
  fi
  export VIGIL_KAFKA_PORT="${VIGIL_FAULTS_KAFKA_PORT:-19292}" VIGIL_KAFKA_CONTROLLER_PORT="${VIGIL_FAULTS_KAFKA_CONTROLLER_PORT:-19293}"
  export VIGIL_KAFKA_RUN_DIR="$ROOT/.cache/kafka/faults"
  vigil_stop_kafka >/dev/null 2>&1 || true
  rm -rf "$VIGIL_KAFKA_RUN_DIR"
  infra vigil_faults
  # A fresh database as well as a fresh broker: what an earlier run left (deliveries still
  # retrying to a receiver long gone, on the same channel) must not starve this run's.
  node -e '
    const { Client } = require("pg");
    const url = new URL(process.env.DATABASE_URL);
    const name = decodeURIComponent(url.pathname.slice(1));
    if (!name.startsWith("vigil_faults")) process.exit(0);
    url.pathname = "/postgres";
    const client = new Client({ connectionString: url.toString() });
    client.connect()
      .then(() => client.query(`drop database if exists "${name.replace(/"/g, "\"\"")}" with (force)`))
      .then(() => client.end(), (error) => { console.error(`vigil: could not drop ${name}: ${error.message}`); process.exit(1); });
  '
  build
  # The suite restarts the broker through scripts/lib/kafka.sh with these same variables.
  export VIGIL_FAULTS_OWN_BROKER=1
  bin jest --ci -c jest.faults.config.js "$@" || rc=$?
  vigil_stop_kafka || true
  rm -rf "$VIGIL_KAFKA_RUN_DIR"
  return "$rc"
}

# ---- main --------------------------------------------------------------------------
main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    infra-up)
      vigil_ensure_node
      infra vigil
      echo "KAFKA_BROKERS=$KAFKA_BROKERS"
      echo "DATABASE_URL=$DATABASE_URL"
      ;;
    infra-down)
      vigil_stop_kafka
      ;;
    build | start | test | test-faults | demo | lint | bench)
      vigil_ensure_node
      ensure_dependencies
      case "$cmd" in
        build) build ;;
        start) start ;;
        test) run_tests "$@" ;;
        test-faults) run_faults "$@" ;;
        demo)
          build
          node --enable-source-maps tools/cli/bin/vigil.js demo "$@"
          ;;
        lint) lint "$@" ;;
        bench) run_bench "$@" ;;
      esac
      ;;
    -h | --help | help)
      usage
      ;;
    *)
      [ -n "$cmd" ] && echo "vigil: unknown command '$cmd'" >&2
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
