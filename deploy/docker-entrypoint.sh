#!/bin/sh
# Chooses what the Vigil image runs: one of the five services, or the `vigil` CLI.
set -eu
command="${1:-alarm-ingestion}"
case "$command" in
  alarm-ingestion | sla-calculator | escalation | notifier | reporting-api)
    shift || true
    exec node --enable-source-maps "/app/dist/apps/$command/src/main.js" "$@"
    ;;
  vigil | cli)
    shift
    exec node /app/tools/cli/bin/vigil.js "$@"
    ;;
  *)
    echo "vigil image: unknown command '$command' (alarm-ingestion, sla-calculator, escalation, notifier, reporting-api, vigil)" >&2
    exit 64
    ;;
esac
