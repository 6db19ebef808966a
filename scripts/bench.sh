#!/usr/bin/env bash
# The one benchmark command (not a test: numbers for docs/performance.md).
# Starts DynamoDB Local and moto, runs every benchmark in one go and prints
# ONE table of their headline figures, each next to its target:
#   - tests/benches/pipeline.rs: `aftercare run` events/s next to its floor
#     (parse + one SQLite insert per transaction), at 1x and 10x;
#   - tests/benches/capacity.rs: DynamoDB requests and units per event kind,
#     emails per customer, AWS cost per 1,000 customers vs the SES floor;
#   - tests/benches/lambdas.rs: each function's start-up vs hello world,
#     peak memory and binary size;
#   - the default `aftercare demo`'s wall time.
# Each benchmark's own detailed table goes to bench-out/<name>.txt.
# Takes about 45 minutes on a 2-core machine (release builds included).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi

out=bench-out
rm -rf "$out"
mkdir -p "$out"
export AFTERCARE_FIGURES="$PWD/$out/figures.jsonl"

stop_services() {
    bash ./scripts/services.sh stop || echo "bench.sh: warning: stopping services failed" >&2
}
trap stop_services EXIT
if ! services_env="$(bash ./scripts/services.sh start)"; then
    echo "bench.sh: ERROR: could not start the local services (see messages above)" >&2
    exit 1
fi
eval "$services_env"

cargo build --release -p aftercare-cli >&2
for bench in pipeline capacity lambdas; do
    echo "bench.sh: $bench ..." >&2
    cargo bench -p aftercare-tests --bench "$bench" | tee "$out/$bench.txt" >&2
done

# The demo's wall time and peak memory (Python's rusage: no /usr/bin/time needed).
python3 - "$AFTERCARE_FIGURES" target/release/aftercare "$out/demo" <<'PY'
import json, resource, subprocess, sys, time
path, binary, demo_out = sys.argv[1:]
started = time.monotonic()
subprocess.run([binary, "demo", "--out", demo_out], check=True, stdout=subprocess.DEVNULL)
secs = time.monotonic() - started
mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
with open(path, "a") as f:
    f.write(json.dumps({"section": "local pipeline", "figure": "aftercare demo (3,000 customers, 30 days), wall time",
                        "value": secs, "unit": "s", "target": {"op": "<", "value": 30}}) + "\n")
    f.write(json.dumps({"section": "local pipeline", "figure": "aftercare demo, peak memory",
                        "value": mib, "unit": "MiB", "target": None}) + "\n")
PY
python3 - "$AFTERCARE_FIGURES" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ops = {"≤": lambda a, b: a <= b, "<": lambda a, b: a < b, "≥": lambda a, b: a >= b, ">": lambda a, b: a > b}
def fmt(v):
    return f"{v:,.4f}" if abs(v) < 1 else f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
print("| section | figure | value | unit | target | meets |")
print("|---|---|---:|---|---|---|")
short = []
for r in rows:
    t = r.get("target")
    target, meets = "", ""
    if t:
        target = f"{t['op']} {fmt(t['value'])}"
        ok = ops[t["op"]](r["value"], t["value"])
        meets = "yes" if ok else "**NO**"
        if not ok:
            short.append(f"{r['section']}: {r['figure']} = {fmt(r['value'])} (target {target})")
    print(f"| {r['section']} | {r['figure']} | {fmt(r['value'])} | {r['unit']} | {target} | {meets} |")
print()
print("Short of target:" if short else "Every figure meets its target.")
for s in short:
    print(f"- {s}")
PY
