#!/usr/bin/env python3
"""Runs the performance scenarios against a release chatroom-server and prints medians.

Each run gets a fresh server (`--rate 0`, flood control off). Both load generators are run in turn:
the project's chatroom-bench and the independent chatload (../shared/bench/chatload.c).

usage: scripts/benchmarks.py [--runs 3] [--tools bench,chatload] [scenario ...]
       scenarios: mid many sat idle scale ceiling:RATE (default: mid many sat idle scale)
Build first: swift build -c release
"""
import argparse, json, os, shutil, statistics, subprocess, sys

from release_server import BENCH, ROOT, running_server

CHATLOAD_SRC = os.path.join(ROOT, "../shared/bench/chatload.c")
CHATLOAD = "/tmp/chatload"

SCENARIOS = {
    "mid": "--clients 100 --senders 10 --rate 1000 --duration 8 --warmup 2",
    "many": "--clients 1000 --senders 20 --rate 100 --duration 8 --warmup 2",
    "sat": "--clients 100 --senders 20 --rate 5000 --duration 8 --warmup 2",
    "idle": "--clients 5000 --rate 0",
    "scale": "--clients 10000 --rate 0",
}


def scenario_args(name):
    if name.startswith("ceiling:"):
        return f"--clients 200 --senders 20 --rate {name.split(':')[1]} --duration 8 --warmup 2"
    return SCENARIOS[name]


def run_once(tool, name, port):
    with running_server(port) as server:
        # chatload counts a probe connection as nothing; start from a fresh process all the same.
        args = scenario_args(name).split()
        if tool == "bench":
            cmd = [BENCH, "--port", str(port), "--server-pid", str(server.pid), "--json", "--quiet"] + args
        else:
            cmd = [CHATLOAD, "--proto", "chatroom", "--port", str(port), "--server-pid", str(server.pid), "--json"] + args
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=400).stdout
        line = [l for l in out.splitlines() if l.startswith("{")]
        return json.loads(line[-1]) if line else {}


def median(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tools", default="bench,chatload")
    parser.add_argument("scenarios", nargs="*", default=["mid", "many", "sat", "idle", "scale"])
    options = parser.parse_args()
    if not shutil.which("gcc") or subprocess.run(["gcc", "-O2", "-o", CHATLOAD, CHATLOAD_SRC]).returncode:
        sys.exit("cannot build chatload")
    port = 7400
    keys = ["deliveries_per_s", "p50_us", "p99_us", "max_us", "cpu_us_per_delivery", "connect_s",
            "rss_per_conn_kb", "ready", "delivered", "expected", "achieved_rate", "threads"]
    for name in options.scenarios:
        for tool in options.tools.split(","):
            results = []
            for _ in range(options.runs):
                port += 1
                results.append(run_once(tool, name, port))
            summary = {k: median([r.get(k) for r in results]) for k in keys}
            if summary["rss_per_conn_kb"] is None:
                per = [(r["rss_idle_kb"] - r["rss_base_kb"]) / r["clients"] for r in results
                       if r.get("rss_idle_kb") and r.get("clients")]
                summary["rss_per_conn_kb"] = median(per)
            print(json.dumps({"scenario": name, "tool": tool, "runs": len(results), "median": summary,
                              "p99_us_runs": [r.get("p99_us") for r in results],
                              "cpu_us_runs": [r.get("cpu_us_per_delivery") for r in results]}), flush=True)


if __name__ == "__main__":
    main()
