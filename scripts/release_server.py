"""What the benchmark scripts share: the release binaries, and a fresh server per run."""
import contextlib, os, signal, socket, subprocess, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, ".build/release/chatroom-server")
CLIENT = os.path.join(ROOT, ".build/release/chatroom")
BENCH = os.path.join(ROOT, ".build/release/chatroom-bench")


def wait_for_port(port, deadline):
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.02)  # the next connection attempt's pace
    return False


@contextlib.contextmanager
def running_server(port):
    """A release chatroom-server on 127.0.0.1:port with flood control off, stopped with SIGTERM at the end."""
    server = subprocess.Popen([SERVER, "--port", str(port), "--rate", "0", "--log-level", "error"])
    try:
        if not wait_for_port(port, time.time() + 10):
            raise RuntimeError("server did not start")
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
