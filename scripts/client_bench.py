#!/usr/bin/env python3
"""Measures the TUI client under a broadcast flood, the way a person runs it: in a tmux pane.

Each run starts a release chatroom-server (`--rate 0`) and `chatroom --name viewer` in a detached
100x30 tmux session, then:

- start-up: from launching the client to the pane showing it renamed to viewer, with the full layout
  (polled every 2 ms, so an upper bound);
- flood: chatroom-bench broadcasts --messages messages at --rate a second from one sender among
  10 clients. Every 10 ms the script captures the pane and reads the send time out of the newest
  bench message on it (chatroom-bench marks each with its CLOCK_MONOTONIC send time): the age of
  the newest message on screen, p50 and max over the flood (an upper bound: the capture's own time
  is included). After the flood a probe connection broadcasts one line and the script times it onto
  the screen (`final_probe_ms`);
- CPU per received message: the client's CPU time (every thread, from /proc/PID/task/*/schedstat,
  in nanoseconds) across the flood, divided by the broadcasts it received;
- memory: VmRSS once the flood is in the scrollback;
- idle: the client's CPU time over --idle seconds afterwards, in nanoseconds and in the clock ticks
  top and ps count.

usage: scripts/client_bench.py [--runs 3] [--rate 1000] [--messages 10000] [--idle 60]
Build first: swift build -c release
"""
import argparse, glob, json, re, socket, statistics, subprocess, time

from release_server import BENCH, CLIENT, running_server

SESSION = "chatroom-client-bench"


def tmux(*args):
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


# chatroom-bench marks each message `~B<sender>.<sequence>.<send time, CLOCK_MONOTONIC ns>~`.
TOKEN = re.compile(r"~B\d+\.\d+\.(\d+)~")


def screen():
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_for_screen(predicate, deadline, poll=0.002):
    """Polls the pane until predicate(text) holds; returns (seen_at, text) or (None, last text)."""
    text = ""
    while time.monotonic() < deadline:
        text = screen()
        if predicate(text):
            return time.monotonic(), text
        time.sleep(poll)
    return None, text


def cpu_ns(pid):
    """CPU time of every thread of a process, in nanoseconds."""
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(path) as file:
                total += int(file.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended between the glob and the read
    return total


def clock_ticks(pid):
    """User plus system CPU in clock ticks, as top and ps see it (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as file:
        for line in file:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


class Probe:
    """A plain connection that broadcasts a line and times it onto the viewer's screen."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.settimeout(5)
        welcome = self.sock.makefile("r", encoding="utf-8").readline()
        if not welcome.startswith("WELCOME "):
            raise RuntimeError(f"probe got {welcome!r}")

    def send_and_time(self, token, deadline_s=2.0):
        """The line's latency onto the screen in ms, or None when it did not show within the deadline."""
        sent = time.monotonic()
        self.sock.sendall(f"/bc {token}\n".encode())
        seen, _ = wait_for_screen(lambda text: token + "\n" in text or token + " " in text, sent + deadline_s)
        return None if seen is None else (seen - sent) * 1000

    def close(self):
        try:
            self.sock.sendall(b"/quit\n")
            self.sock.close()
        except OSError:
            pass


def flood_command(port, rate, messages):
    return [BENCH, "--port", str(port), "--clients", "10", "--senders", "1", "--rate", str(rate),
            "--duration", str(messages / rate), "--warmup", "0", "--json", "--quiet"]


def run_once(options, port):
    with running_server(port):
        try:
            return measure(options, port)
        finally:
            tmux("kill-session", "-t", SESSION)


def measure(options, port):
    result = {}
    tmux("kill-session", "-t", SESSION)
    launched = time.monotonic()
    tmux("new-session", "-d", "-s", SESSION, "-x", "100", "-y", "30",
         f"exec {CLIENT} --host 127.0.0.1 --port {port} --name viewer")
    # Drawn: the welcome line in the pane and the input prompt on the last row.
    drawn, text = wait_for_screen(lambda t: "you are now viewer" in t and t.rstrip("\n").split("\n")[-1].startswith(">"),
                                  launched + 5)
    if drawn is None:
        raise RuntimeError("client did not draw:\n" + text)
    result["startup_ms"] = (drawn - launched) * 1000
    pid = int(tmux("display-message", "-p", "-t", SESSION, "#{pane_pid}").strip())
    probe = Probe(port)
    wait_for_screen(lambda t: "joined" in t, time.monotonic() + 2)

    before = cpu_ns(pid)
    flood = subprocess.Popen(flood_command(port, options.rate, options.messages),
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ages = []
    while flood.poll() is None:
        text = screen()
        captured = time.monotonic_ns()
        sent = [int(ns) for ns in TOKEN.findall(text)]
        if sent:
            ages.append((captured - sent[-1]) / 1e6)
        time.sleep(0.01)  # the sampling pace, not a wait for anything
    report = json.loads([l for l in flood.stdout.read().splitlines() if l.startswith("{")][-1])
    final = probe.send_and_time("probe-after-the-flood")  # the flood is over: the newest line must be on screen
    after = cpu_ns(pid)
    received = options.messages + 1
    ages.sort()
    result.update({
        "flood_delivered": report.get("delivered"),
        "cpu_us_per_message": (after - before) / 1000 / received,
        "cpu_s": (after - before) / 1e9,
        "newest_age_p50_ms": statistics.median(ages) if ages else None,
        "newest_age_max_ms": ages[-1] if ages else None,
        "samples": len(ages),
        "final_probe_ms": final,
        "rss_mib": rss_kib(pid) / 1024,
    })
    if options.idle > 0:
        idle_before, ticks_before = cpu_ns(pid), clock_ticks(pid)
        time.sleep(options.idle)  # the idle period being measured
        result["idle_cpu_ms"] = (cpu_ns(pid) - idle_before) / 1e6
        result["idle_ticks"] = clock_ticks(pid) - ticks_before
    probe.close()
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--idle", type=float, default=60)
    parser.add_argument("--port", type=int, default=7450)
    options = parser.parse_args()
    runs = []
    for index in range(options.runs):
        result = run_once(options, options.port + index)
        runs.append(result)
        print(json.dumps({"run": index + 1, **{k: round(v, 3) if isinstance(v, float) else v
                                              for k, v in result.items()}}), flush=True)
    keys = ["startup_ms", "cpu_us_per_message", "newest_age_p50_ms", "newest_age_max_ms", "final_probe_ms",
            "rss_mib", "idle_cpu_ms", "idle_ticks"]
    medians = {k: round(statistics.median([r[k] for r in runs if r.get(k) is not None]), 3)
               for k in keys if any(r.get(k) is not None for r in runs)}
    print(json.dumps({"median_of": len(runs), **medians}))


if __name__ == "__main__":
    main()
