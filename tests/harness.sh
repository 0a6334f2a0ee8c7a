# Shared by the end-to-end checks (tests/schemathesis/run, tests/clients/run); source it.
# Gives them the pinned Python tools and a release server on a fresh database: SQLite, or
# PostgreSQL when SERVER_DATABASE_URL names a server (postgres://…), where each server gets a
# schema of its own, dropped when the servers stop. SERVER_BIN, when set, is the server
# binary to run instead of building the release one (a debug build, for a check on a busy
# machine).

HARNESS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER_PIDS=()
SERVER_SCHEMAS=()

# A virtualenv with tests/requirements.txt, reused while the pins are unchanged.
python_env() {
    local venv="$HARNESS_ROOT/target/test-venv"
    local stamp="$venv/.requirements"
    if ! cmp -s "$HARNESS_ROOT/tests/requirements.txt" "$stamp"; then
        rm -rf "$venv"
        if ! python3 -m venv "$venv" 2>/dev/null; then
            rm -rf "$venv"
            (apt-get install -y -qq python3-venv >/dev/null 2>&1 \
                || (apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null))
            python3 -m venv "$venv"
        fi
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$HARNESS_ROOT/tests/requirements.txt"
        cp "$HARNESS_ROOT/tests/requirements.txt" "$stamp"
    fi
    PYTHON="$venv/bin/python"
    VENV_BIN="$venv/bin"
}

# The release binary, built if missing or stale (cargo decides), unless SERVER_BIN names one.
server_binary() {
    if [ -n "${SERVER_BIN:-}" ]; then
        return 0
    fi
    (cd "$HARNESS_ROOT" && cargo build --release --quiet --bin zhaoshang)
    SERVER_BIN="$HARNESS_ROOT/target/release/zhaoshang"
}

# Sets DATABASE to the URL of a fresh database in DIR: a SQLite file there, or a new schema on
# the PostgreSQL server SERVER_DATABASE_URL names (not in a subshell: it records the schema).
fresh_database() {
    local dir="$1"
    if [[ "${SERVER_DATABASE_URL:-}" == postgres* ]]; then
        local schema
        schema="zs_e2e_$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
        psql "$SERVER_DATABASE_URL" -qc "CREATE SCHEMA $schema" >/dev/null
        SERVER_SCHEMAS+=("$schema")
        local separator='?'
        [[ "$SERVER_DATABASE_URL" == *\?* ]] && separator='&'
        DATABASE="${SERVER_DATABASE_URL}${separator}options=-c%20search_path%3D${schema}"
    else
        DATABASE="sqlite://$dir/zhaoshang.db?mode=rwc"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server DIR [--demo]: serves a fresh database in DIR; sets SERVER_URL and ADMIN_TOKEN
# (the token the first start prints).
start_server() {
    local dir="$1"
    shift
    local port
    port="$(free_port)"
    fresh_database "$dir"
    "$SERVER_BIN" --database-url "$DATABASE" serve --bind "127.0.0.1:$port" "$@" \
        >"$dir/server.out" 2>"$dir/server.log" &
    SERVER_PIDS+=("$!")
    SERVER_URL="http://127.0.0.1:$port"
    for _ in $(seq 1 120); do
        if grep -q "is listening" "$dir/server.out" 2>/dev/null \
            && python3 -c "import urllib.request; urllib.request.urlopen('$SERVER_URL/health')" 2>/dev/null; then
            ADMIN_TOKEN="$(grep -A1 '^Admin token' "$dir/server.out" | tail -n 1 | tr -d ' ')"
            [ -n "$ADMIN_TOKEN" ] || { echo "the server printed no admin token" >&2; return 1; }
            return 0
        fi
        kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null || break
        sleep 0.5
    done
    echo "the server did not start; its log:" >&2
    tail -n 50 "$dir/server.log" >&2
    return 1
}

stop_servers() {
    local pid schema
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    SERVER_PIDS=()
    for schema in "${SERVER_SCHEMAS[@]}"; do
        psql "$SERVER_DATABASE_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
    done
    SERVER_SCHEMAS=()
}
