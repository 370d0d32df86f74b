#!/usr/bin/env bash
# Starts the action server, the Rasa server and the demo web page in the foreground; Ctrl-C stops all.
# Ports: RASA_PORT (default 5005), ACTION_SERVER_PORT (default 5055), WEB_PORT (default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${RASA_PORT:=5005}" "${ACTION_SERVER_PORT:=5055}" "${WEB_PORT:=8080}"
export RASA_PORT ACTION_SERVER_PORT WEB_PORT
# overridable so the supervision itself can be tested without starting the real servers
RASA=${PACE_RASA:-.venv/bin/rasa}
PYTHON=${PACE_PYTHON:-.venv/bin/python}
mkdir -p var

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# the messaging apps whose secrets are set in the environment, besides REST and socket.io
"$PYTHON" scripts/credentials.py var/credentials.yml

"$RASA" run actions --port "$ACTION_SERVER_PORT" --actions actions &
pids+=($!)
"$RASA" run --model models/pace.tar.gz --port "$RASA_PORT" \
  --credentials var/credentials.yml --endpoints endpoints.yml --cors "*" &
pids+=($!)
"$PYTHON" scripts/web.py &
pids+=($!)
echo "Pace: REST at http://localhost:${RASA_PORT}/webhooks/rest/webhook web page at http://localhost:${WEB_PORT}/ (Ctrl-C stops)"
# whichever server exits first ends the run, and the trap stops the other one
wait -n
