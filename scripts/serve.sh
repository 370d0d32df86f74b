#!/usr/bin/env bash
# Serves Pace: the action server, Rasa and the demo web page under supervisord, which restarts
# whichever dies without stopping the others. Ctrl-C (or SIGTERM) stops all three.
# Ports: RASA_PORT (default 5005), ACTION_SERVER_PORT (default 5055), WEB_PORT (default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${RASA_PORT:=5005}" "${ACTION_SERVER_PORT:=5055}" "${WEB_PORT:=8080}"
# overridable so the supervision itself can be tested without starting the real servers
PACE_PYTHON=${PACE_PYTHON:-$PWD/.venv/bin/python}
SUPERVISORD=${PACE_SUPERVISORD:-$PWD/.venv/bin/supervisord}
PACE_VAR=${PACE_VAR:-$PWD/var}
PACE_DB=${PACE_DB:-$PACE_VAR/conversations.db}
export RASA_PORT ACTION_SERVER_PORT WEB_PORT PACE_PYTHON PACE_VAR PACE_DB

# conversations, logs and secrets are readable by their owner only
umask 077
mkdir -p "$PACE_VAR"
chmod 700 "$PACE_VAR"

# secrets made once and kept in var/ (mode 0600) unless set in the environment: web sessions are
# signed with PACE_SESSION_SECRET (a restart loses no conversation); the audit log names
# conversations by a hash keyed with PACE_AUDIT_KEY (the same conversation keeps its audit id)
keep_secret() {
  local name=$1 file="$PACE_VAR/$2"
  if [ -z "${!name:-}" ]; then
    [ -s "$file" ] || "$PACE_PYTHON" -c 'import secrets; print(secrets.token_hex(32))' > "$file"
    chmod 600 "$file"
    printf -v "$name" '%s' "$(cat "$file")"
  fi
  export "${name?}"
}
keep_secret PACE_SESSION_SECRET session_secret
keep_secret PACE_AUDIT_KEY audit_key
# the secret Rasa sends to the action server (endpoints.yml); a new one each start is enough
if [ -z "${PACE_ACTION_TOKEN:-}" ]; then
  PACE_ACTION_TOKEN=$("$PACE_PYTHON" -c 'import secrets; print(secrets.token_hex(24))')
fi
export PACE_ACTION_TOKEN
# Sanic (Rasa's web server) refuses larger request bodies with a 413
export SANIC_REQUEST_MAX_SIZE=${SANIC_REQUEST_MAX_SIZE:-65536}

# the messaging apps whose secrets are set in the environment, besides REST and socket.io
"$PACE_PYTHON" scripts/credentials.py "$PACE_VAR/credentials.yml"
# conversations in SQLite, or PostgreSQL with PACE_DATABASE_URL; locks in Redis with PACE_REDIS_URL
"$PACE_PYTHON" scripts/endpoints.py "$PACE_VAR/endpoints.yml"

echo "Pace: REST at http://localhost:${RASA_PORT}/webhooks/rest/webhook web page at http://localhost:${WEB_PORT}/ (Ctrl-C stops)"
exec "$SUPERVISORD" -c deploy/supervisord.conf
