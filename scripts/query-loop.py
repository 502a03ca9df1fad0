#!/usr/bin/env python3
"""Queries a running semdex query service in a loop and counts what a user would see.

Used to watch a generation switch (`semdex reindex`) from the outside: every request must
answer 200 with at least one hit, before, during and after the switch.

    scripts/query-loop.py --url http://127.0.0.1:8080 --queries ../shared/data/eval/esci-dev/queries.jsonl \
        --clients 2 --pause-ms 50 --stop-file /tmp/stop-loop

Runs until the stop file exists (or --seconds pass), then prints requests, failures by status,
empty answers, latency percentiles and each generation seen with the time it was first seen.
"""
import argparse
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--queries", required=True, help="JSON lines with a 'text' field (BEIR queries.jsonl)")
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--mode", default="hybrid")
    p.add_argument("--pause-ms", type=float, default=0, help="each client's pause between requests")
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (0: only the stop file)")
    p.add_argument("--stop-file", default=None)
    args = p.parse_args()

    with open(args.queries, encoding="utf-8") as f:
        queries = [json.loads(line)["text"] for line in f if line.strip()]
    lock = threading.Lock()
    statuses, latencies, generations = {}, [], {}
    empty = [0]
    stop = threading.Event()
    start = time.time()

    def client(n):
        i = n
        while not stop.is_set():
            q = queries[i % len(queries)]
            i += args.clients
            url = f"{args.url}/api/search?" + urllib.parse.urlencode({"q": q, "k": 10, "mode": args.mode, "threshold": 0})
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=30) as r:
                    status, body = r.status, json.load(r)
            except urllib.error.HTTPError as e:
                status, body = e.code, None
            except OSError as e:
                status, body = type(e).__name__, None
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                latencies.append(ms)
                if body is not None:
                    if not body.get("hits"):
                        empty[0] += 1
                    g = body.get("generation")
                    generations.setdefault(g, round(time.time() - start, 1))
            if args.pause_ms:
                time.sleep(args.pause_ms / 1000)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
    for t in threads:
        t.start()
    last = 0
    while True:
        time.sleep(1)
        elapsed = time.time() - start
        if (args.seconds and elapsed >= args.seconds) or (args.stop_file and os.path.exists(args.stop_file)):
            break
        if elapsed - last >= 30:
            last = elapsed
            with lock:
                print(f"{elapsed:7.0f} s  {len(latencies)} requests  {statuses}  empty {empty[0]}  generations {generations}",
                      flush=True)
    stop.set()
    for t in threads:
        t.join()
    latencies.sort()

    def pct(x):
        return latencies[min(len(latencies) - 1, int(x * len(latencies)))] if latencies else 0

    failed = sum(c for s, c in statuses.items() if s != 200)
    print(json.dumps({
        "seconds": round(time.time() - start, 1),
        "requests": len(latencies),
        "by_status": {str(k): v for k, v in statuses.items()},
        "failed": failed,
        "empty": empty[0],
        "p50_ms": round(pct(0.50), 1), "p95_ms": round(pct(0.95), 1), "p99_ms": round(pct(0.99), 1),
        "generations_first_seen_at_s": generations,
    }, indent=2))


if __name__ == "__main__":
    main()
