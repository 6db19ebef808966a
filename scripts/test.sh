#!/usr/bin/env bash
# The project's one test command: starts DynamoDB Local and moto (see
# scripts/services.sh), runs the whole workspace's tests against them, and
# stops them again. It checks formatting and clippy first. Extra arguments go
# to `cargo test`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# rustup installs cargo here; a non-login shell may not have it on PATH.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "test.sh: ERROR: cargo not found on PATH (install the Rust toolchain with rustup)" >&2
    exit 127
fi

# A clean build gains nothing from incremental state, and it costs gigabytes
# of disk a CI runner may not have. Export CARGO_INCREMENTAL=1 to keep it.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# Lints first: formatting and clippy are part of "the tests pass".
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

# shellcheck disable=SC2317 # invoked by the EXIT trap
stop_services() {
    bash ./scripts/services.sh stop || echo "test.sh: warning: stopping services failed" >&2
}
trap stop_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! services_env="$(bash ./scripts/services.sh start)"; then
    echo "test.sh: ERROR: could not start the local services (see messages above)" >&2
    exit 1
fi
eval "$services_env"
echo "test.sh: DynamoDB Local at $AFTERCARE_DYNAMODB_ENDPOINT, moto (SES v2) at $AFTERCARE_SES_ENDPOINT" >&2

status=0
cargo test --workspace --all-targets "$@" || status=$?
exit "$status"
