#!/usr/bin/env python3
"""Whether a storm of logins stalls the room: chatload's mid scenario with and without 50 logins a second.

Makes a store with ACCOUNTS accounts (through `chatroom-server accounts add`, so the hashes are the
server's own), starts a release chatroom-server on it and runs chatload's mid scenario (100 clients, 10
of them sending, 1,000 messages a second) against it. In the storm runs, one more thread opens a
connection every 1/RATE s (open loop: a new one starts on time whatever the earlier ones do), each on its
own thread: it reads WELCOME, sends `/login NAME PASSWORD` for the next account in turn, reads up to
`LOGGED-IN`, and sends `/quit`; the time from the `/login` to `LOGGED-IN` is the login's latency. Runs
alternate storm and calm, RUNS of each; each prints chatload's p50/p99 and CPU per delivery, and, in a
storm, the logins done, their rate and latency.

usage: scripts/login_storm.py [--rate 50] [--runs 3] [--duration 8]
Build first: swift build -c release
"""
import argparse, json, os, signal, socket, statistics, subprocess, tempfile, threading, time

from release_server import SERVER, ROOT, wait_for_port

CHATLOAD = "/tmp/chatload"
CHATLOAD_SRC = os.path.join(ROOT, "../shared/bench/chatload.c")
MID = ["--clients", "100", "--senders", "10", "--rate", "1000"]


def password(name):
    return f"{name}-storm-password"


def make_accounts(store, count):
    names = [f"storm{i}" for i in range(count)]
    for name in names:
        subprocess.run([SERVER, "accounts", "add", name, "--store", store], input=password(name) + "\n",
                       text=True, check=True, stdout=subprocess.DEVNULL)
    return names


def read_until(sock, buffer, wanted, deadline):
    while True:
        for line in buffer[0].split(b"\n")[:-1]:
            if line.startswith(wanted):
                buffer[0] = b""
                return True
        sock.settimeout(max(0.01, deadline - time.time()))
        data = sock.recv(65536)
        if not data:
            return False
        buffer[0] += data


def one_login(port, name, latencies, failures):
    deadline = time.time() + 20
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
            buffer = [b""]
            if not read_until(sock, buffer, b"WELCOME ", deadline):
                raise RuntimeError("no WELCOME")
            started = time.perf_counter()
            sock.sendall(f"/login {name} {password(name)}\n".encode())
            if not read_until(sock, buffer, b"LOGGED-IN ", deadline):
                raise RuntimeError("no LOGGED-IN")
            latencies.append(time.perf_counter() - started)
            sock.sendall(b"/quit\n")
    except Exception as error:  # a failed login is counted, not fatal
        failures.append(str(error))


def storm(port, names, rate, stop, latencies, failures, threads):
    interval = 1.0 / rate
    next_at = time.time()
    index = 0
    while not stop.is_set():
        now = time.time()
        if now < next_at:
            stop.wait(next_at - now)
            continue
        thread = threading.Thread(target=one_login, args=(port, names[index % len(names)], latencies, failures))
        thread.start()
        threads.append(thread)
        index += 1
        next_at += interval


def run(store, port, duration, rate, names):
    server = subprocess.Popen([SERVER, "--port", str(port), "--rate", "0", "--log-level", "error",
                               "--store", store], stdout=subprocess.DEVNULL)
    try:
        if not wait_for_port(port, time.time() + 30):
            raise SystemExit("the server did not start")
        stop, latencies, failures, threads = threading.Event(), [], [], []
        storming = None
        if rate > 0:
            storming = threading.Thread(target=storm, args=(port, names, rate, stop, latencies,
                                                            failures, threads))
            storming.start()
        started = time.time()
        load = subprocess.run([CHATLOAD, "--proto", "chatroom", "--port", str(port), "--server-pid",
                               str(server.pid), "--json", *MID, "--duration", str(duration), "--warmup", "2"],
                              capture_output=True, text=True, check=True)
        elapsed = time.time() - started
        stop.set()
        if storming:
            storming.join()
        for thread in threads:
            thread.join()
        result = json.loads(load.stdout)
        line = {"storm": rate > 0, "delivered": result["delivered"], "expected": result["expected"],
                "p50_ms": result["p50_us"] / 1000, "p99_ms": result["p99_us"] / 1000,
                "cpu_us_per_delivery": result["cpu_us_per_delivery"]}
        if rate > 0:
            ordered = sorted(latencies)
            line.update({"logins": len(latencies), "failed": len(failures), "logins_per_s": len(latencies) / elapsed,
                         "login_p50_ms": 1000 * statistics.median(ordered) if ordered else None,
                         "login_p99_ms": 1000 * ordered[int(0.99 * (len(ordered) - 1))] if ordered else None})
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
    options = parser.parse_args()
    subprocess.run(["gcc", "-O2", "-o", CHATLOAD, CHATLOAD_SRC], check=True)
    with tempfile.TemporaryDirectory() as folder:
        store = os.path.join(folder, "storm.sqlite")
        names = make_accounts(store, options.accounts)
        port = 7400 + os.getpid() % 200
        for _ in range(options.runs):
            for rate in (options.rate, 0):
                print(json.dumps(run(store, port, options.duration, rate, names)), flush=True)


if __name__ == "__main__":
    main()
