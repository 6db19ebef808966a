#!/usr/bin/env bash
# Performance of the local pipeline (not a test: numbers for docs/performance.md).
# - events per second of `aftercare run` on the embedded store, for the demo's
#   input events at 1x (3,000 customers) and 10x (30,000 customers) over 30 days,
#   with the demo's roster; per-event cost as a ratio to the 1x run;
# - peak memory (max RSS) of each run;
# - wall time of the full default `aftercare demo` (with simulated answers and calls).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -p aftercare-cli >&2
bin=target/release/aftercare
out=bench-out
rm -rf "$out"
mkdir -p "$out"

declare -A secs kb count
for scale in 1 10; do
    customers=$((3000 * scale))
    "$bin" demo --customers "$customers" --events-only "$out/events-$scale.jsonl" >/dev/null
    count[$scale]=$(wc -l <"$out/events-$scale.jsonl")
    /usr/bin/time -f "%e %M" -o "$out/time-$scale" \
        "$bin" run --config cli/demo-settings.toml --data "$out/data-$scale" --events "$out/events-$scale.jsonl" --quiet >"$out/run-$scale.txt"
    read -r secs[$scale] kb[$scale] <"$out/time-$scale"
done
/usr/bin/time -f "%e %M" -o "$out/time-demo" "$bin" demo --out "$out/demo" >/dev/null
read -r demo_secs demo_kb <"$out/time-demo"

python3 - "$out" "${count[1]}" "${secs[1]}" "${kb[1]}" "${count[10]}" "${secs[10]}" "${kb[10]}" "$demo_secs" "$demo_kb" <<'PY'
import sys
out, n1, s1, k1, n10, s10, k10, ds, dk = sys.argv[1:]
n1, n10 = int(n1), int(n10)
s1, s10, ds = float(s1), float(s10), float(ds)
per1, per10 = s1 / n1 * 1e6, s10 / n10 * 1e6
print(f"{'run':<28}{'events':>9}{'seconds':>9}{'events/s':>10}{'µs/event':>10}{'vs 1x':>7}{'peak MiB':>10}")
print(f"{'aftercare run, 1x data':<28}{n1:>9}{s1:>9.2f}{n1/s1:>10.0f}{per1:>10.1f}{1.0:>7.2f}{int(k1)/1024:>10.1f}")
print(f"{'aftercare run, 10x data':<28}{n10:>9}{s10:>9.2f}{n10/s10:>10.0f}{per10:>10.1f}{per10/per1:>7.2f}{int(k10)/1024:>10.1f}")
print(f"{'aftercare demo (default)':<28}{'':>9}{ds:>9.2f}{'':>10}{'':>10}{'':>7}{int(dk)/1024:>10.1f}")
PY
