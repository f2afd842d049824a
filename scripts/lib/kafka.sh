# shellcheck shell=bash
# A single-node Apache Kafka broker (KRaft, broker+controller in one JVM) run from the
# official jars on Maven Central, for development and tests on machines without Docker.
# See docs/adr/0002-local-infrastructure-from-official-jars.md.
#
#   vigil_ensure_kafka       exports KAFKA_BROKERS; starts the broker when needed
#   vigil_stop_kafka         stops the broker this script started (pid file)
#   vigil_kafka_run_class    runs a Kafka class from the jars, e.g.
#                            vigil_kafka_run_class org.apache.kafka.tools.TopicCommand \
#                              --bootstrap-server "$KAFKA_BROKERS" --list
#
# Meant to be sourced: functions return non-zero on failure and never call exit, and
# nothing here depends on `set -e` being on or off. Everything lives in the git-ignored
# .cache/ folder of the repository: .cache/m2 (Maven repository), .cache/kafka/<version>/libs
# (the jars) and .cache/kafka/run (server.properties, data, kafka.log, kafka.pid).

VIGIL_KAFKA_VERSION="${VIGIL_KAFKA_VERSION:-3.9.2}"   # keep in step with tools/kafka/pom.xml

_vigil_kafka_root() {
  (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
}

_vigil_kafka_port() { echo "${VIGIL_KAFKA_PORT:-19092}"; }
_vigil_kafka_controller_port() { echo "${VIGIL_KAFKA_CONTROLLER_PORT:-19093}"; }

# True when something accepts TCP connections on 127.0.0.1:$1.
_vigil_port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Pid from the pid file when that process is alive and really is our broker.
_vigil_kafka_pid() {
  local run_dir="$1" pid
  [ -f "$run_dir/kafka.pid" ] || return 1
  pid="$(cat "$run_dir/kafka.pid" 2>/dev/null)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

_vigil_kafka_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    return 1
  fi
}

# Fetches the broker's runtime jars into .cache/kafka/<version>/libs (once).
_vigil_kafka_fetch_jars() {
  local root="$1" libs="$2" tmp started
  [ -f "$libs/.complete" ] && return 0
  if ! command -v mvn >/dev/null 2>&1; then
    echo "vigil: Maven (mvn) is needed to fetch the Kafka jars; install it or set KAFKA_BROKERS" >&2
    return 1
  fi
  echo "vigil: fetching Apache Kafka $VIGIL_KAFKA_VERSION jars from Maven Central into .cache/kafka/$VIGIL_KAFKA_VERSION/libs" >&2
  started=$SECONDS
  tmp="$libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp" "$root/.cache/m2"
  # Maven's output goes to .cache/kafka/fetch.log and is shown only on failure.
  if ! mvn -B -Dstyle.color=never -f "$root/tools/kafka/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$VIGIL_KAFKA_VERSION" \
      -DoutputDirectory="$tmp" -Dmaven.repo.local="$root/.cache/m2" \
      >"$root/.cache/kafka/fetch.log" 2>&1 </dev/null; then
    echo "vigil: fetching the Kafka jars with Maven failed; last lines of .cache/kafka/fetch.log:" >&2
    tail -n 30 "$root/.cache/kafka/fetch.log" >&2
    rm -rf "$tmp"
    return 1
  fi
  if ! ls "$tmp"/kafka_2.13-"$VIGIL_KAFKA_VERSION".jar >/dev/null 2>&1; then
    echo "vigil: Maven did not deliver kafka_2.13-$VIGIL_KAFKA_VERSION.jar" >&2
    rm -rf "$tmp"
    return 1
  fi
  touch "$tmp/.complete"
  rm -rf "$libs"
  mv "$tmp" "$libs"
  local jars=("$libs"/*.jar)
  echo "vigil: Kafka jars ready (${#jars[@]} jars, $((SECONDS - started)) s)" >&2
}

_vigil_kafka_write_config() {
  local run_dir="$1" port controller_port
  port="$(_vigil_kafka_port)"
  controller_port="$(_vigil_kafka_controller_port)"
  mkdir -p "$run_dir/data"
  cat >"$run_dir/server.properties" <<EOF
# Written by scripts/lib/kafka.sh on every start; edit that script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$run_dir/data
num.partitions=12
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=104857600
EOF
}

# vigil_kafka_run_class <main class> [args...]: runs a class from the Kafka jars
# (quiet tools logging). Fetches the jars first if needed.
vigil_kafka_run_class() {
  local root libs java
  root="$(_vigil_kafka_root)"
  libs="$root/.cache/kafka/$VIGIL_KAFKA_VERSION/libs"
  _vigil_kafka_fetch_jars "$root" "$libs" || return 1
  java="$(_vigil_kafka_java)" || { echo "vigil: java not found (Java 17+ is needed for Kafka)" >&2; return 1; }
  "$java" -Xmx256m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$root/tools/kafka/tools-log4j.properties" \
    -cp "$libs/*" "$@"
}

# Shows why a start failed: the first errors, then the end of the log.
_vigil_kafka_show_log() {
  local log_file="$1"
  [ -f "$log_file" ] || return 0
  if grep -qE '^\[[^]]*\] (ERROR|FATAL)' "$log_file"; then
    echo "vigil: first errors in .cache/kafka/run/kafka.log:" >&2
    grep -E -m 5 '^\[[^]]*\] (ERROR|FATAL)|^[a-zA-Z.]*(Exception|Error): ' "$log_file" >&2
  fi
  echo "vigil: last lines of .cache/kafka/run/kafka.log:" >&2
  tail -n 25 "$log_file" >&2
}

vigil_ensure_kafka() {
  local root libs run_dir port lock_fd rc
  if [ -n "${KAFKA_BROKERS:-}" ]; then
    return 0
  fi
  port="$(_vigil_kafka_port)"
  if _vigil_port_open "$port"; then
    export KAFKA_BROKERS="127.0.0.1:$port"
    echo "vigil: Kafka already answers on $KAFKA_BROKERS" >&2
    return 0
  fi
  root="$(_vigil_kafka_root)"
  libs="$root/.cache/kafka/$VIGIL_KAFKA_VERSION/libs"
  run_dir="${VIGIL_KAFKA_RUN_DIR:-$root/.cache/kafka/run}"
  mkdir -p "$run_dir" || return 1

  # One starter at a time (two terminals running `npm start` and `npm test`).
  lock_fd=""
  if command -v flock >/dev/null 2>&1; then
    if exec {lock_fd}>"$run_dir/.lock"; then
      flock -w 300 "$lock_fd" || echo "vigil: could not lock .cache/kafka/run/.lock within 300 s; going on" >&2
    fi
  fi
  if _vigil_kafka_start "$root" "$libs" "$run_dir" "$port"; then rc=0; else rc=$?; fi
  if [ -n "$lock_fd" ]; then
    exec {lock_fd}>&-
  fi
  return $rc
}

_vigil_kafka_start() {
  local root="$1" libs="$2" run_dir="$3" port="$4" java pid cluster_id waited limit started launched
  started=$SECONDS

  # Another starter may have finished while we waited for the lock.
  if _vigil_port_open "$port"; then
    export KAFKA_BROKERS="127.0.0.1:$port"
    echo "vigil: Kafka already answers on $KAFKA_BROKERS" >&2
    return 0
  fi
  java="$(_vigil_kafka_java)" || {
    echo "vigil: java not found; Java 17+ is needed to run the local Kafka broker (or set KAFKA_BROKERS)" >&2
    return 1
  }

  pid="$(_vigil_kafka_pid "$run_dir")" || pid=""
  if [ -z "$pid" ]; then
    rm -f "$run_dir/kafka.pid"
    _vigil_kafka_fetch_jars "$root" "$libs" || return 1
    _vigil_kafka_write_config "$run_dir" || return 1

    if [ ! -f "$run_dir/data/meta.properties" ]; then
      cluster_id="$(vigil_kafka_run_class kafka.tools.StorageTool random-uuid 2>>"$run_dir/format.log")" || cluster_id=""
      if [ -z "$cluster_id" ]; then
        echo "vigil: kafka-storage random-uuid failed:" >&2
        tail -n 20 "$run_dir/format.log" >&2
        return 1
      fi
      echo "vigil: formatting Kafka storage in .cache/kafka/run/data (cluster $cluster_id)" >&2
      if ! vigil_kafka_run_class kafka.tools.StorageTool format --ignore-formatted \
          -t "$cluster_id" -c "$run_dir/server.properties" >>"$run_dir/format.log" 2>&1; then
        echo "vigil: formatting Kafka storage failed:" >&2
        tail -n 20 "$run_dir/format.log" >&2
        return 1
      fi
    fi

    [ -f "$run_dir/kafka.log" ] && mv -f "$run_dir/kafka.log" "$run_dir/kafka.log.1"
    echo "vigil: starting Kafka $VIGIL_KAFKA_VERSION (KRaft, single node) on 127.0.0.1:$port; log: .cache/kafka/run/kafka.log" >&2
    # setsid + nohup: its own session, so it outlives the calling script and ignores
    # the terminal's Ctrl-C/hang-up. The inner bash records its pid, closes every inherited
    # descriptor above 2 (our lock, pipes of npm/CI runners that would otherwise wait for
    # the broker to exit), then becomes java.
    (
      cd "$run_dir" || exit 1
      # shellcheck disable=SC2016,SC2086  # $$ is the inner shell's; heap options split on purpose
      setsid nohup bash -c '
        echo $$ >"$0"
        for fd in /proc/$$/fd/*; do
          fd=${fd##*/}
          [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
        done
        exec "$@"' "$run_dir/kafka.pid" \
        "$java" ${VIGIL_KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} \
        -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        -Dkafka.logs.dir="$run_dir" \
        -Dlog4j.configuration="file:$root/tools/kafka/log4j.properties" \
        -cp "$libs/*" kafka.Kafka "$run_dir/server.properties" \
        >"$run_dir/kafka.log" 2>&1 </dev/null &
    )
    # The pid file appears as soon as the detached bash runs.
    waited=0
    while [ ! -s "$run_dir/kafka.pid" ] && [ "$waited" -lt 50 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
  else
    echo "vigil: Kafka (pid $pid) is still starting; waiting for it" >&2
  fi

  limit="${VIGIL_KAFKA_START_TIMEOUT:-90}"   # counted from the launch, not the jar fetch
  launched=$SECONDS
  while :; do
    if _vigil_port_open "$port" && grep -q 'Kafka Server started' "$run_dir/kafka.log" 2>/dev/null; then
      break
    fi
    if ! _vigil_kafka_pid "$run_dir" >/dev/null; then
      echo "vigil: Kafka exited during startup" >&2
      _vigil_kafka_show_log "$run_dir/kafka.log"
      rm -f "$run_dir/kafka.pid"
      return 1
    fi
    if [ $((SECONDS - launched)) -ge "$limit" ]; then
      echo "vigil: Kafka did not become ready within ${limit} s (it keeps running; vigil_stop_kafka stops it)" >&2
      _vigil_kafka_show_log "$run_dir/kafka.log"
      return 1
    fi
    sleep 0.5
  done
  export KAFKA_BROKERS="127.0.0.1:$port"
  echo "vigil: Kafka ready on $KAFKA_BROKERS ($((SECONDS - started)) s)" >&2
  return 0
}

vigil_stop_kafka() {
  local root run_dir pid waited
  root="$(_vigil_kafka_root)"
  run_dir="${VIGIL_KAFKA_RUN_DIR:-$root/.cache/kafka/run}"
  pid="$(_vigil_kafka_pid "$run_dir")" || pid=""
  if [ -z "$pid" ]; then
    rm -f "$run_dir/kafka.pid"
    echo "vigil: no Kafka broker started by Vigil is running" >&2
    return 0
  fi
  echo "vigil: stopping Kafka (pid $pid)" >&2
  kill -TERM "$pid" 2>/dev/null || true
  waited=0
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 300 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "vigil: Kafka did not stop within 30 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$run_dir/kafka.pid"
  echo "vigil: Kafka stopped" >&2
  return 0
}
