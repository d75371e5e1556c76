"""loadtest.smoke: openmfd-loadtest against the real server.

Starts openmfd-server (dry-run keyboard, fresh data dir, 127.0.0.1, port 0)
with clients pre-paired through `clients add`, runs the actions and screens
and storm scenarios with --json and checks that nothing failed and the counts
add up, and that reconnecting panels resume their TLS sessions.
Timings are not checked: this runs under sanitizers and on busy machines.

Usage: smoke.py SERVER LOADTEST
"""

import json
import queue
import subprocess
import sys
import tempfile
import threading
import uuid

START_TIMEOUT = 30.0  # sanitizer builds start slowly
RUN_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0
PAIRED = 5  # more clients than ids: clients share them in turn


def pair_clients(server, data_dir, ids_path):
    with open(ids_path, "w") as ids:
        for n in range(PAIRED):
            client_id = str(uuid.uuid4())
            subprocess.run([server, "clients", "add", "--id", client_id,
                            "--name", f"smoke {n}", "--data-dir", data_dir],
                           check=True, stdout=subprocess.DEVNULL,
                           timeout=START_TIMEOUT)
            ids.write(f"{client_id} smoke {n}\n")


def start_server(server, data_dir):
    """The running server and its port, read from `listening on`."""
    proc = subprocess.Popen(
        [server, "--data-dir", data_dir, "--bind", "127.0.0.1", "--port", "0",
         "--injector", "dry-run", "--key-hold-ms", "0",
         # Every simulated panel comes from 127.0.0.1; a storm's ended
         # sessions may still count while their panels reconnect.
         "--max-sessions-per-address", "1000",
         "--max-connections-per-address", "1000",
         "--connection-rate-per-address", "0",
         "--log-level", "error"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    lines = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            proc.kill()
            raise AssertionError("the server did not say where it listens")
        if line.startswith("listening on https://"):
            return proc, int(line.rsplit(":", 1)[1])


def load(loadtest, port, ids_path, pid, *args):
    """One loadtest run's JSON report."""
    run = subprocess.run(
        [loadtest, "--port", str(port), "--ids", ids_path, "--json",
         "--server-pid", str(pid), "--timeout", "20", *args],
        capture_output=True, text=True, timeout=RUN_TIMEOUT)
    print(run.stdout, run.stderr, sep="", end="")
    report = json.loads(run.stdout)
    assert report["errors"] == 0, f"errors: {report['error_kinds']}"
    assert run.returncode == 0, f"exit code {run.returncode}"
    return report


def check_actions(report):
    assert report["connects"] == 20, report["connects"]
    assert report["connected_at_start"] == 20
    assert report["acks_ok"] > 0
    assert report["requests"] == report["acks_ok"], "unanswered requests"
    assert report["ack_us"]["count"] == report["acks_ok"]
    assert report["server_rss_kib"]["peak"] > 0


def check_screens(report):
    assert report["connects"] == 20, report["connects"]
    assert report["requests"] == report["acks_ok"] > 0
    # 4 screens of 5: every set reaches the 4 other members.
    assert report["expected_deliveries"] == 4 * report["requests"]
    assert report["deliveries"] == report["expected_deliveries"]


def check_storm(report, clients, resuming):
    assert report["churn_connects"] > clients, report["churn_connects"]
    resumed = report["tls_resumed_connects"]
    if resuming:
        # Each panel's first connect is a full handshake, every later one
        # offers the ticket the one before was given.
        assert resumed == report["connects"] - clients, \
            (resumed, report["connects"])
    else:
        assert resumed == 0, resumed


def main(server, loadtest):
    with tempfile.TemporaryDirectory(prefix="openmfd-smoke-") as tmp:
        data_dir, ids_path = f"{tmp}/data", f"{tmp}/ids"
        pair_clients(server, data_dir, ids_path)
        proc, port = start_server(server, data_dir)
        try:
            check_actions(load(loadtest, port, ids_path, proc.pid,
                               "--clients", "20", "--duration", "2",
                               "--scenario", "actions"))
            check_screens(load(loadtest, port, ids_path, proc.pid,
                               "--clients", "20", "--duration", "1",
                               "--scenario", "screens",
                               "--screen-members", "5",
                               # 20 changes a second per panel: within the
                               # server's allowance of 30.
                               "--rate", "80"))
            for resuming, extra in ((True, []), (False, ["--full-handshakes"])):
                check_storm(load(loadtest, port, ids_path, proc.pid,
                                 "--clients", "5", "--duration", "1",
                                 "--scenario", "storm", *extra),
                            5, resuming)
        finally:
            proc.terminate()
            code = proc.wait(timeout=STOP_TIMEOUT)
        assert code == 0, f"the server exited with {code}"
    print("loadtest smoke: ok")


if __name__ == "__main__":
    main(*sys.argv[1:3])
