#!/usr/bin/env python3
"""Whether a storm of logins stalls the room: chatload's mid scenario with and without 50 logins a second.

Makes a store with ACCOUNTS accounts (through `chatroom-server accounts add`, so the hashes are the
server's own), starts a release chatroom-server on it and runs chatload's mid scenario (100 clients, 10
of them sending, 1,000 messages a second) against it. In the storm runs, scripts/login_storm.c (one
epoll thread, so that the generator itself costs little of the two cores) opens a connection every
1/RATE s for as long as chatload runs (an open loop: a new one starts on time whatever the earlier ones
do); each reads WELCOME, sends `/login NAME PASSWORD` for the next account in turn, reads up to
`LOGGED-IN` (skipping the room's lines meanwhile) and sends `/quit`; the time from the `/login` to
`LOGGED-IN` is the login's latency. Runs
alternate storm and calm, RUNS of each; each prints chatload's p50/p99 and CPU per delivery, and, in a
storm, the logins done, their rate and latency.

usage: scripts/login_storm.py [--room mid|team] [--rate 50] [--runs 3] [--duration 8]
Build first: swift build -c release
"""
import argparse, json, os, resource, signal, subprocess, tempfile, time

from release_server import SERVER, ROOT, wait_for_port

CHATLOAD = "/tmp/chatload"
CHATLOAD_SRC = os.path.join(ROOT, "../shared/bench/chatload.c")
STORM = "/tmp/login_storm"
STORM_SRC = os.path.join(ROOT, "scripts/login_storm.c")
ROOMS = {
    # chatload's mid: 100 clients, 10 of them sending, 1,000 messages a second (100,000 deliveries a second).
    "mid": ["--clients", "100", "--senders", "10", "--rate", "1000"],
    # A busy team room: 50 clients, 10 sending, 200 messages a second (10,000 deliveries a second).
    "team": ["--clients", "50", "--senders", "10", "--rate", "200"],
}


def password(name):
    return f"{name}-storm-password"


def make_accounts(store, count):
    names = [f"storm{i}" for i in range(count)]
    for name in names:
        subprocess.run([SERVER, "accounts", "add", name, "--store", store], input=password(name) + "\n",
                       text=True, check=True, stdout=subprocess.DEVNULL)
    return names


def run(store, port, duration, rate, names, room):
    server = subprocess.Popen([SERVER, "--port", str(port), "--rate", "0", "--log-level", "error",
                               "--store", store], stdout=subprocess.DEVNULL)
    try:
        if not wait_for_port(port, time.time() + 30):
            raise SystemExit("the server did not start")
        storming = None
        if rate > 0:
            storming = subprocess.Popen([STORM, str(port), str(rate), str(duration + 2), "storm", str(len(names))],
                                        stdout=subprocess.PIPE, text=True)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        load = subprocess.run([CHATLOAD, "--proto", "chatroom", "--port", str(port), "--server-pid",
                               str(server.pid), "--json", *ROOMS[room], "--duration", str(duration), "--warmup", "2"],
                              capture_output=True, text=True, check=True)
        storm_result = json.loads(storming.communicate()[0]) if storming else None
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = json.loads(load.stdout)
        line = {"room": room, "storm": rate > 0, "delivered": result["delivered"], "expected": result["expected"],
                "p50_ms": result["p50_us"] / 1000, "p99_ms": result["p99_us"] / 1000,
                "cpu_us_per_delivery": result["cpu_us_per_delivery"]}
        line["server_cpu_s"] = result.get("server_cpu_s")
        # chatload's and the storm's own CPU, the machine's other load.
        line["generators_cpu_s"] = round(used.ru_utime + used.ru_stime - children.ru_utime - children.ru_stime, 2)
        if storm_result:
            line.update(storm_result)
        return line
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--room", choices=sorted(ROOMS), default="mid")
    options = parser.parse_args()
    subprocess.run(["gcc", "-O2", "-o", CHATLOAD, CHATLOAD_SRC], check=True)
    subprocess.run(["gcc", "-O2", "-o", STORM, STORM_SRC], check=True)
    with tempfile.TemporaryDirectory() as folder:
        store = os.path.join(folder, "storm.sqlite")
        names = make_accounts(store, options.accounts)
        port = 7400 + os.getpid() % 200
        for _ in range(options.runs):
            for rate in (options.rate, 0):
                print(json.dumps(run(store, port, options.duration, rate, names, options.room)), flush=True)


if __name__ == "__main__":
    main()
