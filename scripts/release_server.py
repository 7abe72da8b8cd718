"""What the benchmark scripts share: the release binaries, and a fresh server per run."""
import contextlib, os, signal, socket, subprocess, tempfile, time

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
def running_server(port, store=None):
    """A release chatroom-server on 127.0.0.1:port with flood control off, stopped with SIGTERM at the end.

    It stores its history in a fresh temporary file (never in the working tree) unless `store` names one,
    or is "none".
    """
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen([SERVER, "--port", str(port), "--rate", "0", "--log-level", "error",
                                   "--store", store or os.path.join(folder, "bench.sqlite")])
        try:
            if not wait_for_port(port, time.time() + 10):
                raise RuntimeError("server did not start")
            yield server
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
