#!/usr/bin/env python3
"""Throughput and latency of `aftercare serve` (issue: SPEC 6 pages).

Not a test: prints a table for docs/performance.md. A bounded load from this
second process on 127.0.0.1 (fixed concurrency, fixed request counts):

  1. survey-page GETs (`/s/{token}?score=N`), a mail scanner's pattern;
  2. answer POSTs, every survey answered once and a fifth of them updated;

while the server's scheduler sends a backlog of due surveys (due work
runs during both phases). Afterwards the KPIs are read back: every survey
answered counts exactly once (nothing lost, nothing doubled).

Usage: scripts/bench_serve.py BIN [--customers N] [--backlog N] [--concurrency C]
"""
import argparse, datetime as dt, email, http.client, json, os, pathlib, random
import re, statistics, subprocess, sys, tempfile, threading, time
from email import policy

ap = argparse.ArgumentParser()
ap.add_argument("bin")
ap.add_argument("--customers", type=int, default=1000)
ap.add_argument("--backlog", type=int, default=2000)
ap.add_argument("--concurrency", type=int, default=8)
ap.add_argument("--gets", type=int, default=10000)
args = ap.parse_args()

now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
# A fixed-offset zone where it is about noon now: every send is in contact hours.
offset = (12 - now.hour) % 24
offset = offset - 24 if offset > 12 else offset
tz = "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")

def closed(i, at):
    return {"version": "0", "id": f"ev-{i}", "detail-type": "TicketClosed", "source": "bench",
            "detail": {"ticket_id": f"t-{i}", "occurred_at": iso(at), "opened_at": iso(at - dt.timedelta(hours=3)),
                       "resolved": True, "contacts": 1,
                       "customer": {"id": f"c-{i}", "email": f"c-{i}@example.com", "locale": random.choice(["en", "ko", "vi", "zh"]),
                                    "time_zone": tz}}}

work = pathlib.Path(tempfile.mkdtemp(prefix="aftercare-bench-serve-"))
events = work / "events.jsonl"
with events.open("w") as f:
    for i in range(args.customers):  # surveys out two days ago: the links to answer
        f.write(json.dumps(closed(i, now - dt.timedelta(days=2))) + "\n")
    for i in range(args.customers, args.customers + args.backlog):  # due an hour ago, not yet sent
        f.write(json.dumps(closed(i, now - dt.timedelta(hours=3))) + "\n")
env = dict(os.environ, AFTERCARE_SECRET="bench-secret-0123456789abcdef")
data = work / "data"
subprocess.run([args.bin, "run", "--quiet", "--data", data, "--events", events,
                "--until", iso(now - dt.timedelta(hours=3) + dt.timedelta(minutes=1))], env=env, check=True,
               stdout=subprocess.DEVNULL)

links = []
for p in sorted((data / "outbox").glob("survey-*.eml")):
    m = email.message_from_binary_file(p.open("rb"), policy=policy.default)
    text = m.get_body(("plain",)).get_content()
    found = re.findall(r"http://127\.0\.0\.1:8080(/s/[A-Za-z0-9_.-]+)\?score=", text)
    links.append(found[0])
assert len(links) == args.customers, (len(links), args.customers)

serve = subprocess.Popen([args.bin, "serve", "--listen", "127.0.0.1:0", "--data", data], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
line = serve.stdout.readline()
host, port = re.search(r"http://(127\.0\.0\.1):(\d+)", line).groups()

def outbox_surveys():
    return len(list((data / "outbox").glob("survey-*.eml")))

def load(requests):
    """requests: list of (method, path, body). Returns latencies in ms and failures."""
    lat, fails, lock = [], [], threading.Lock()
    it = iter(requests)
    def worker():
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        while True:
            with lock:
                job = next(it, None)
            if job is None:
                break
            method, path, body = job
            headers = {"content-type": "application/x-www-form-urlencoded"} if body else {}
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                ok = r.status == 200 or path == "/no/such/page"
            except Exception:
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
                ok = False
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                lat.append(ms)
                if not ok:
                    fails.append(path)
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    t0 = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    return lat, fails, time.perf_counter() - t0

backlog_before = outbox_surveys() - args.customers
# Baseline, same run: a 404 page (the router and a template, no store, no
# HMAC) through the same client; the rows below are read against it.
b_lat, b_fail, b_secs = load([("GET", "/no/such/page", None)] * args.gets)
b_fail = [f for f in b_fail if f]  # a 404 is the expected answer here
gets = [("GET", f"{random.choice(links)}?score={random.randint(1, 5)}", None) for _ in range(args.gets)]
g_lat, g_fail, g_secs = load(gets)
answers = [("POST", l, f"score={random.randint(1, 5)}&comment=bench") for l in links]
updates = [("POST", l, "score=5&comment=updated") for l in random.sample(links, len(links) // 5)]
posts = answers + updates
random.shuffle(posts)
# An update must follow its first answer: run the first answers, then the updates.
p_lat, p_fail, p_secs = load(answers)
u_lat, u_fail, u_secs = load(updates)
backlog_sent = outbox_surveys() - args.customers - backlog_before
serve.terminate(); serve.wait(timeout=60)

def kpi(field):
    total = 0
    for back in range(4):
        day = (now - dt.timedelta(days=back)).date().isoformat()
        out = subprocess.run([args.bin, "report", "--data", data, "--date", day, "--format", "json"], env=env,
                             check=True, capture_output=True, text=True).stdout
        total += json.loads(out)["csat"][field] or 0
    return total

def row(name, lat, fails, secs):
    q = statistics.quantiles(lat, n=100)
    rate = len(lat) / secs
    print(f"{name:<34}{len(lat):>9}{rate:>10.0f}{rate / (len(b_lat) / b_secs):>9.2f}"
          f"{statistics.median(lat):>9.1f}{q[98]:>9.1f}{len(fails):>9}")

print(f"concurrency {args.concurrency}; {args.customers} surveys to answer; backlog of {args.backlog} due surveys "
      f"({backlog_before} sent before the load, {backlog_sent} by the scheduler during it)")
print(f"{'phase':<34}{'requests':>9}{'req/s':>10}{'vs 404':>9}{'p50 ms':>9}{'p99 ms':>9}{'failures':>9}")
row("baseline: a 404 page", b_lat, b_fail, b_secs)
row("survey page GET", g_lat, g_fail, g_secs)
row("answer POST (first answers)", p_lat, p_fail, p_secs)
row("answer POST (updates)", u_lat, u_fail, u_secs)
responses = kpi("responses")
print(f"answers: {len(links)} surveys answered, {len(updates)} updated; the KPIs count {responses} responses "
      f"({'none lost or doubled' if responses == len(links) else 'MISMATCH'})")
sys.exit(0 if responses == len(links) and not (g_fail or p_fail or u_fail) else 1)
