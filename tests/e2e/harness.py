"""Drives the real openmfd-server binary over real TLS on 127.0.0.1.

Each test starts its own server on port 0 with a fresh data dir, reads the
`listening on` line for the port, and stops it with SIGTERM. Every wait is
bounded.
"""

import hashlib
import json
import os
import queue
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

SERVER = os.environ.get("OPENMFD_SERVER", "build/openmfd-server")
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")
START_TIMEOUT = 30.0  # sanitizer builds start slowly
STOP_TIMEOUT = 15.0


class Server:
    """One running server process and its output, line by line."""

    def __init__(self, data_dir, args=(), stdin=subprocess.DEVNULL):
        self.data_dir = data_dir
        cmd = [SERVER, "--data-dir", data_dir, "--bind", "127.0.0.1",
               "--port", "0", "--log-level", "debug", *args]
        self.proc = subprocess.Popen(
            cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1)
        self.stdout_lines = queue.Queue()
        self.stderr_text = []
        self.stdout_text = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, True),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, False),
                         daemon=True).start()
        self.port = None
        self.banner = {}

    def _pump(self, stream, is_stdout):
        for line in stream:
            if is_stdout:
                self.stdout_text.append(line)
                self.stdout_lines.put(line)
            else:
                self.stderr_text.append(line)

    def wait_ready(self):
        """Reads the start-up lines; returns self once listening."""
        deadline = time.monotonic() + START_TIMEOUT
        while "tls fingerprint" not in self.banner:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.proc.poll() is not None:
                raise AssertionError(
                    "server did not start: " + "".join(self.stderr_text))
            try:
                line = self.stdout_lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line.startswith("listening on https://"):
                self.port = int(line.rsplit(":", 1)[1])
                self.banner["listening"] = line.strip()
            elif ": " in line:
                key, value = line.strip().split(": ", 1)
                self.banner[key] = value
        return self

    def wait_stdout(self, predicate, timeout=10.0):
        """Waits for a stdout line that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.stdout_lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if predicate(line):
                return line
        raise AssertionError("expected line never came; stdout: "
                             + "".join(self.stdout_text))

    def release(self):
        """Kills the process if it still runs and closes its pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()

    def logs(self):
        return "".join(self.stderr_text)

    def stop(self, sig=signal.SIGTERM):
        """Signals the server and returns its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("server did not stop within "
                                 f"{STOP_TIMEOUT} s after {sig}")


def client_context(minimum=ssl.TLSVersion.TLSv1_2, maximum=None):
    """A TLS client context that accepts the self-signed certificate (tests
    pin it by fingerprint instead)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = minimum
    if maximum is not None:
        ctx.maximum_version = maximum
    return ctx


def tls_connect(port, ctx=None, timeout=10.0):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return (ctx or client_context()).wrap_socket(sock)


def read_response(sock, timeout=10.0):
    """Reads one HTTP/1.1 response (Content-Length bodies only)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before a response: %r" % data)
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return status, headers, body[:length]


def request(port, method, path, body=None, headers=None, timeout=10.0):
    """One request on a fresh TLS connection: (status, headers, json|bytes)."""
    with tls_connect(port, timeout=timeout) as sock:
        sock.sendall(raw_request(method, path, body, headers))
        status, hdrs, data = read_response(sock, timeout)
    try:
        return status, hdrs, json.loads(data) if data else None
    except ValueError:
        return status, hdrs, data


def raw_request(method, path, body=None, headers=None):
    headers = dict(headers or {})
    payload = b""
    if body is not None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
        headers["Content-Length"] = str(len(payload))
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def peer_fingerprint(sock):
    der = sock.getpeercert(binary_form=True)
    return "sha256/" + hashlib.sha256(der).hexdigest()


def wait_closed(sock, timeout):
    """True when the peer closes `sock` within `timeout` seconds."""
    sock.settimeout(timeout)
    try:
        while True:
            if not sock.recv(4096):
                return True
    except (socket.timeout, TimeoutError):
        return False
    except (ConnectionError, ssl.SSLError, OSError):
        return True


class ServerTestCase(unittest.TestCase):
    """Gives each test a fresh data dir and stops its servers afterwards."""

    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="openmfd-e2e-")
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            server.release()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        # A sanitizer report fails the test even when the exit code was
        # what the test expected (a refused start exits non-zero anyway).
        for server in self.servers:
            for marker in SANITIZER_MARKERS:
                self.assertNotIn(marker, server.logs())

    def start(self, *args, stdin=subprocess.DEVNULL, data_dir=None):
        server = Server(data_dir or self.data_dir, args, stdin=stdin)
        self.servers.append(server)
        return server.wait_ready()

    def assertStopsCleanly(self, server):
        self.assertEqual(server.stop(), 0, server.logs())
