"""loadtest.smoke: openmfd-loadtest against the real server.

Starts openmfd-server (dry-run keyboard, fresh data dir, 127.0.0.1, port 0)
with clients pre-paired through `clients add`, runs the actions (over
WebSocket and over polling), screens and storm scenarios with --json and
checks that nothing failed and the counts add up, that reconnecting panels
resume their TLS sessions, and that a server with another id is refused.
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
    """The running server, its port and its id, read from its first lines."""
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
    port = None
    while True:
        try:
            line = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            proc.kill()
            raise AssertionError("the server did not say where it listens")
        if line.startswith("listening on https://"):
            port = int(line.rsplit(":", 1)[1])
        elif line.startswith("server id: ") and port is not None:
            return proc, port, line.split(": ", 1)[1].strip()


def run_load(loadtest, port, ids_path, pid, *args):
    """One loadtest run: its JSON report and its exit code."""
    run = subprocess.run(
        [loadtest, "--port", str(port), "--ids", ids_path, "--json",
         "--server-pid", str(pid), "--timeout", "20", *args],
        capture_output=True, text=True, timeout=RUN_TIMEOUT)
    print(run.stdout, run.stderr, sep="", end="")
    return json.loads(run.stdout), run.returncode


def load(loadtest, port, ids_path, pid, *args):
    """One loadtest run's JSON report, which must show no error."""
    report, code = run_load(loadtest, port, ids_path, pid, *args)
    assert report["errors"] == 0, f"errors: {report['error_kinds']}"
    assert code == 0, f"exit code {code}"
    return report


def check_wrong_server(report, code, clients):
    """Every panel stops at /info when the server is not the one expected."""
    assert code == 1, f"exit code {code}"
    assert report["connects"] == 0, report["connects"]
    assert report["error_kinds"] == {"server_id_mismatch": clients}, \
        report["error_kinds"]


def check_actions(report):
    assert report["connects"] == 20, report["connects"]
    assert report["connected_at_start"] == 20
    assert report["acks_ok"] > 0
    assert report["requests"] == report["acks_ok"], "unanswered requests"
    assert report["ack_us"]["count"] == report["acks_ok"]
    assert report["send_lag_us"]["count"] == 0  # closed loop: no schedule
    assert report["server_rss_kib"]["peak"] > 0


def check_screens(report):
    assert report["connects"] == 20, report["connects"]
    assert report["requests"] == report["acks_ok"] > 0
    # 4 screens of 5: every set reaches the 4 other members.
    assert report["expected_deliveries"] == 4 * report["requests"]
    assert report["deliveries"] == report["expected_deliveries"]
    # Open loop: every request's lateness against its schedule is known.
    assert report["send_lag_us"]["count"] == report["requests"]


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
        proc, port, server_id = start_server(server, data_dir)
        try:
            for transport in ("websocket", "polling"):
                check_actions(load(loadtest, port, ids_path, proc.pid,
                                   "--server-id", server_id,
                                   "--transport", transport,
                                   "--clients", "20", "--duration", "2",
                                   "--scenario", "actions"))
            check_wrong_server(*run_load(loadtest, port, ids_path, proc.pid,
                                         "--server-id", str(uuid.uuid4()),
                                         "--clients", "3", "--duration", "1"),
                               3)
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
