#!/usr/bin/env python3
"""How fast the server answers `/history 1000` and `/search` with 1,000,000 messages stored, while mid runs.

Makes a store with a release chatroom-server (so the schema is the server's own), fills it with
MESSAGES messages (one in a hundred has the word "needle" in it) straight through SQLite, then starts
the server on it and runs chatload's mid scenario against it. Meanwhile one more connection asks in
turn `/history 1000` and `/search needle` (each answer read to its END line, the room's broadcasts
read past) and times each answer from the moment the command is written. Prints one JSON line: the
latency of each kind (p50, p99, max, how many), the answer sizes seen, chatload's result, the store's
size per message, and the server's resident memory with the history stored (before and during load).

usage: scripts/history_bench.py [--messages 1000000] [--duration 20]
Build first: swift build -c release
"""
import argparse, json, os, random, signal, socket, sqlite3, statistics, subprocess, tempfile, time

from release_server import SERVER, ROOT, wait_for_port

CHATLOAD = "/tmp/chatload"
CHATLOAD_SRC = os.path.join(ROOT, "../shared/bench/chatload.c")
WORDS = ("room deploy build test merge review lunch coffee issue ticket server client store history "
         "search release branch commit patch queue thread socket kernel latency figure chart").split()


def start_server(store, port):
    server = subprocess.Popen([SERVER, "--port", str(port), "--rate", "0", "--log-level", "error",
                               "--store", store], stdout=subprocess.DEVNULL)
    if not wait_for_port(port, time.time() + 30):
        server.kill()
        raise SystemExit("the server did not start")
    return server


def stop(server):
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def fill(store, count):
    """Adds `count` messages, a second apart and ending now, and indexes them all."""
    db = sqlite3.connect(store)
    rng = random.Random(7)
    start = int(time.time() * 1000) - count * 1000
    def rows():
        for i in range(1, count + 1):
            words = rng.choices(WORDS, k=8)
            if i % 100 == 0:
                words[rng.randrange(8)] = "needle"
            yield (i, start + i * 1000, f"user{i % 50}", f"message {i}: " + " ".join(words))
    with db:
        db.executemany("INSERT INTO messages(id, time, sender, text) VALUES (?, ?, ?, ?)", rows())
        db.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
        db.execute("UPDATE store_meta SET value = ? WHERE key IN ('indexed_id', 'high_water_id')", (count,))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


class Probe:
    """One connection that times `/history 1000` and `/search needle` answers."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buffer = b""
        self.read_line()  # WELCOME

    def read_line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise SystemExit("the server closed the probe's connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def ask(self, command, end):
        """Seconds until the `end` line, and the count it gives."""
        started = time.perf_counter()
        self.sock.sendall(command.encode() + b"\n")
        while True:
            line = self.read_line()
            if line.startswith(end + " "):
                return time.perf_counter() - started, int(line.split()[1])


def summary(seconds):
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {}
    return {"count": len(ms), "p50_ms": round(statistics.median(ms), 2),
            "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 2), "max_ms": round(ms[-1], 2)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=20)
    options = parser.parse_args()
    if subprocess.run(["gcc", "-O2", "-o", CHATLOAD, CHATLOAD_SRC]).returncode:
        raise SystemExit("cannot build chatload")
    with tempfile.TemporaryDirectory() as folder:
        store = os.path.join(folder, "history.sqlite")
        port = 7600 + random.randrange(300)
        stop(start_server(store, port))
        filled = time.time()
        fill(store, options.messages)
        filled = time.time() - filled

        server = start_server(store, port)
        try:
            probe = Probe(port)
            for command, end in (("/history 1000", "HISTORY-END"), ("/search needle", "FOUND-END")):
                probe.ask(command, end)  # the first answer of each reads the pages in
            rest_kb = rss_kb(server.pid)
            load = subprocess.Popen(
                [CHATLOAD, "--proto", "chatroom", "--port", str(port), "--server-pid", str(server.pid), "--json",
                 "--clients", "100", "--senders", "10", "--rate", "1000",
                 "--duration", str(options.duration), "--warmup", "2"],
                stdout=subprocess.PIPE, text=True)
            latencies = {"history": [], "search": []}
            counts = {"history": set(), "search": set()}
            peak_kb = rest_kb
            time.sleep(4)  # chatload connects and warms up before the probes count
            deadline = time.time() + options.duration - 4
            while time.time() < deadline:
                for kind, command, end in (("history", "/history 1000", "HISTORY-END"),
                                           ("search", "/search needle", "FOUND-END")):
                    seconds, count = probe.ask(command, end)
                    latencies[kind].append(seconds)
                    counts[kind].add(count)
                peak_kb = max(peak_kb, rss_kb(server.pid))
                time.sleep(0.1)  # the probes' pace: about four answers a second
            out, _ = load.communicate(timeout=120)
            lines = [line for line in out.splitlines() if line.startswith("{")]
            mid = json.loads(lines[-1]) if lines else {}
        finally:
            stop(server)
        size = sum(os.path.getsize(store + suffix) for suffix in ("", "-wal") if os.path.exists(store + suffix))
        print(json.dumps({
            "messages": options.messages, "fill_s": round(filled, 1),
            "bytes_per_message": round(size / options.messages, 1),
            "history_1000": summary(latencies["history"]), "history_counts": sorted(counts["history"]),
            "search_needle": summary(latencies["search"]), "search_counts": sorted(counts["search"]),
            "rss_rest_kb": rest_kb, "rss_peak_kb": peak_kb,
            "mid": {k: mid.get(k) for k in ("delivered", "expected", "p50_us", "p99_us", "cpu_us_per_delivery")},
        }))


if __name__ == "__main__":
    main()
