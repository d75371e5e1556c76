"""Foundation: identity over TLS, HTTP basics, limits, shutdown (issue 2)."""

import fcntl
import os
import re
import signal
import socket
import ssl
import stat
import subprocess
import time
import uuid
import unittest

from harness import (SERVER, ServerTestCase, client_context, peer_fingerprint,
                     raw_request, read_response, request, tls_connect,
                     wait_closed)

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                   r"[0-9a-f]{12}$")


class FoundationTest(ServerTestCase):

    def hold_connections(self, server, count):
        """`count` connections, each with a request served."""
        held = [tls_connect(server.port) for _ in range(count)]
        for sock in held:
            sock.sendall(raw_request("GET", "/info"))
            self.assertEqual(read_response(sock)[0], 200)
        return held

    def assertRefused(self, server):
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            with tls_connect(server.port, timeout=5) as extra:
                extra.sendall(raw_request("GET", "/info"))
                read_response(extra, timeout=5)

    def assertServedSoon(self, server):
        """A place frees as soon as the server sees a close."""
        deadline = time.monotonic() + 5
        while True:
            try:
                self.assertEqual(request(server.port, "GET", "/info")[0], 200)
                return
            except (ssl.SSLError, ConnectionError, OSError):
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.1)

    def test_info_matches_served_certificate(self):
        server = self.start()
        with tls_connect(server.port) as sock:
            served = peer_fingerprint(sock)
            self.assertIn(sock.version(), ("TLSv1.3", "TLSv1.2"))
            sock.sendall(raw_request("GET", "/info"))
            status, headers, body = read_response(sock)
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        import json
        info = json.loads(body)
        self.assertEqual(list(info), ["server_id", "name", "version", "api",
                                      "tls_fingerprint"])
        self.assertRegex(info["server_id"], UUID4)
        self.assertEqual(info["api"], 1)
        self.assertEqual(info["tls_fingerprint"], served)
        self.assertEqual(info["name"], socket.gethostname())
        self.assertEqual(server.banner["server id"], info["server_id"])
        self.assertEqual(server.banner["tls fingerprint"], served)
        self.assertEqual(server.banner["listening"],
                         f"listening on https://127.0.0.1:{server.port}")
        self.assertStopsCleanly(server)

    def test_data_dir_is_created_private(self):
        self.data_dir = os.path.join(self.data_dir, "nested", "dir")
        server = self.start()
        mode = stat.S_IMODE(os.stat(self.data_dir).st_mode)
        self.assertEqual(mode, 0o700)
        key_mode = stat.S_IMODE(
            os.stat(os.path.join(self.data_dir, "tls-key.pem")).st_mode)
        self.assertEqual(key_mode, 0o600)
        self.assertEqual(sorted(os.listdir(self.data_dir)),
                         ["server-id", "tls-cert.pem", "tls-key.pem"])
        self.assertStopsCleanly(server)

    def test_restart_keeps_id_and_certificate(self):
        first = self.start()
        _, _, info1 = request(first.port, "GET", "/info")
        self.assertStopsCleanly(first)
        second = self.start()
        _, _, info2 = request(second.port, "GET", "/info")
        with tls_connect(second.port) as sock:
            served = peer_fingerprint(sock)
        self.assertEqual(info1["server_id"], info2["server_id"])
        self.assertEqual(info1["tls_fingerprint"], info2["tls_fingerprint"])
        self.assertEqual(served, info1["tls_fingerprint"])
        self.assertStopsCleanly(second)

    def test_unknown_path_is_404_json(self):
        server = self.start()
        status, _, body = request(server.port, "GET", "/nope")
        self.assertEqual((status, body), (404, {"error": "not_found"}))

    def test_wrong_method_is_405_with_allow(self):
        server = self.start()
        status, headers, body = request(server.port, "DELETE", "/info")
        self.assertEqual((status, body), (405, {"error": "method_not_allowed"}))
        self.assertEqual(headers["allow"], "GET")

    def test_keep_alive_serves_several_requests(self):
        server = self.start()
        with tls_connect(server.port) as sock:
            for _ in range(3):
                sock.sendall(raw_request("GET", "/info"))
                status, _, _ = read_response(sock)
                self.assertEqual(status, 200)

    def test_tls_1_1_is_refused(self):
        server = self.start()
        ctx = client_context(ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1_1)
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # let the client offer 1.1
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            with tls_connect(server.port, ctx) as sock:
                sock.sendall(raw_request("GET", "/info"))
                read_response(sock)
        # The same client at TLS 1.2 gets in: the refusal is the version's.
        ctx12 = client_context(ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2)
        with tls_connect(server.port, ctx12) as sock:
            self.assertEqual(sock.version(), "TLSv1.2")

    def test_plain_http_is_closed_while_tls_is_served(self):
        server = self.start()
        tls = tls_connect(server.port)
        plain = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        plain.sendall(b"GET /info HTTP/1.1\r\nHost: localhost\r\n\r\n")
        received = b""
        plain.settimeout(5)
        try:
            while True:
                chunk = plain.recv(4096)
                if not chunk:
                    break
                received += chunk
        except (ConnectionError, socket.timeout):
            pass
        plain.close()
        self.assertFalse(received.startswith(b"HTTP/"), received)
        tls.sendall(raw_request("GET", "/info"))
        self.assertEqual(read_response(tls)[0], 200)
        tls.close()

    def test_oversized_header_is_refused(self):
        server = self.start()
        status, _, body = request(server.port, "GET", "/info",
                                  headers={"X-Big": "a" * 16384})
        self.assertEqual((status, body), (431, {"error": "header_too_large"}))
        self.assertEqual(request(server.port, "GET", "/info")[0], 200)

    def test_oversized_body_is_refused(self):
        server = self.start()
        status, _, body = request(server.port, "POST", "/info",
                                  body=b"x" * 5000)
        self.assertEqual((status, body), (413, {"error": "payload_too_large"}))

    def test_malformed_request_is_400(self):
        server = self.start()
        with tls_connect(server.port) as sock:
            sock.sendall(b"GET /info HTTP/1.1\r\nBad Header\r\n\r\n")
            status, _, _ = read_response(sock)
        self.assertEqual(status, 400)

    def test_stalled_half_header_is_dropped_while_others_are_served(self):
        server = self.start("--request-timeout", "1")
        stalled = tls_connect(server.port)
        stalled.sendall(b"GET /info HTTP/1.1\r\nHost: loc")
        started = time.monotonic()
        self.assertEqual(request(server.port, "GET", "/info")[0], 200)
        self.assertTrue(wait_closed(stalled, 5.0))
        elapsed = time.monotonic() - started
        self.assertGreater(elapsed, 0.7)
        self.assertLess(elapsed, 4.0)
        stalled.close()

    def test_idle_connection_is_dropped(self):
        server = self.start("--idle-timeout", "1")
        idle = tls_connect(server.port)
        started = time.monotonic()
        self.assertTrue(wait_closed(idle, 5.0))
        self.assertGreater(time.monotonic() - started, 0.7)
        idle.close()

    def test_idle_timeout_applies_after_a_request_too(self):
        server = self.start("--idle-timeout", "1")
        sock = tls_connect(server.port)
        sock.sendall(raw_request("GET", "/info"))
        self.assertEqual(read_response(sock)[0], 200)
        started = time.monotonic()
        self.assertTrue(wait_closed(sock, 5.0))
        self.assertGreater(time.monotonic() - started, 0.7)
        sock.close()

    def test_connection_close_and_http_1_0_are_honoured(self):
        server = self.start()
        for head in (b"GET /info HTTP/1.1\r\nHost: x\r\nConnection: close"
                     b"\r\n\r\n", b"GET /info HTTP/1.0\r\n\r\n"):
            sock = tls_connect(server.port)
            sock.sendall(head)
            status, headers, _ = read_response(sock)
            self.assertEqual(status, 200)
            self.assertEqual(headers.get("connection"), "close")
            self.assertTrue(wait_closed(sock, 3.0))
            sock.close()

    def test_stalled_tls_handshake_is_dropped(self):
        server = self.start("--handshake-timeout", "1")
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        started = time.monotonic()
        self.assertTrue(wait_closed(raw, 5.0))
        self.assertGreater(time.monotonic() - started, 0.7)
        raw.close()

    def test_connection_cap_refuses_extra_connections(self):
        server = self.start("--max-connections", "3")
        held = self.hold_connections(server, 3)
        self.assertRefused(server)
        held.pop().close()
        self.assertServedSoon(server)
        logs = server.logs()
        self.assertEqual(logs.count("connection limit (3) reached"), 1, logs)
        for sock in held:
            sock.close()
        self.assertStopsCleanly(server)

    def test_incomplete_websocket_upgrade_is_a_json_400(self):
        # Without a key or version 13 the WebSocket handshake cannot happen:
        # refused before a session is opened for it, with a JSON answer.
        server = self.start()
        upgrade = {"Upgrade": "websocket", "Connection": "Upgrade",
                   "Sec-WebSocket-Version": "13",
                   "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
        for drop in ("Sec-WebSocket-Key", "Sec-WebSocket-Version"):
            headers = {k: v for k, v in upgrade.items() if k != drop}
            status, hdrs, body = request(
                server.port, "GET", "/socket.io/?EIO=4&transport=websocket",
                headers=headers)
            self.assertEqual((status, body),
                             (400, {"code": 3, "message": "Bad request"}))
            self.assertEqual(hdrs["content-type"], "application/json")
        self.assertNotIn("opened from", server.logs())
        self.assertStopsCleanly(server)

    def test_one_address_gets_its_share_of_connections(self):
        server = self.start("--max-connections-per-address", "2")
        held = self.hold_connections(server, 2)
        for _ in range(3):
            self.assertRefused(server)
        held.pop().close()
        self.assertServedSoon(server)
        for sock in held:
            sock.close()
        self.assertStopsCleanly(server)
        logs = server.logs()
        self.assertEqual(logs.count("its share: further ones"), 2, logs)

    def test_one_address_gets_a_connection_rate(self):
        # A host opening connections in a loop keeps the io thread doing
        # TLS handshakes; past its rate they are closed before any.
        # Burst 1, one more every 2 s: the second connection is refused
        # however slowly the first was served.
        server = self.start("--connection-rate-per-address", "0.5")
        self.assertEqual(request(server.port, "GET", "/info")[0], 200)
        self.assertRefused(server)
        # Another address is not held back.
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=10,
                                       source_address=("127.0.0.2", 0))
        with client_context().wrap_socket(raw) as other:
            other.sendall(raw_request("GET", "/info"))
            self.assertEqual(read_response(other)[0], 200)
        self.assertServedSoon(server)  # one every 2 s comes back
        self.assertStopsCleanly(server)
        logs = server.logs()
        self.assertEqual(logs.count("opens connections faster than"), 1, logs)

    def test_one_address_gets_its_share_of_sessions(self):
        # An unconnected session lives 10 s; without a share per address one
        # host could hold every session and shut the panels out.
        server = self.start("--max-sessions-per-address", "2")
        handshake = "/socket.io/?EIO=4&transport=polling"
        sids = []
        for _ in range(2):
            status, _, body = request(server.port, "GET", handshake)
            self.assertEqual(status, 200)
            sids.append(body.decode()[1:].split('"sid":"')[1].split('"')[0])
        for _ in range(3):
            status, _, body = request(server.port, "GET", handshake)
            self.assertEqual((status, body),
                             (429, {"error": "too_many_sessions_from_address"}))
        # A session that ends gives its place back.
        status, _, _ = request(
            server.port, "POST", f"{handshake}&sid={sids[0]}", b"1",
            {"Content-Type": "text/plain"})
        self.assertEqual(status, 200)
        deadline = time.monotonic() + 5
        while request(server.port, "GET", handshake)[0] != 200:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertStopsCleanly(server)
        # Once each time the share fills, not once per refused handshake.
        logs = server.logs()
        self.assertEqual(logs.count("its share: further handshakes"), 2, logs)

    def test_sigterm_with_open_connection_exits_zero(self):
        server = self.start()
        sock = tls_connect(server.port)
        self.assertEqual(server.stop(signal.SIGTERM), 0)
        self.assertTrue(wait_closed(sock, 2.0))
        sock.close()

    def test_sigint_exits_zero(self):
        server = self.start()
        self.assertEqual(server.stop(signal.SIGINT), 0)


class CommandLineTest(ServerTestCase):

    def run_server(self, *args, timeout=20):
        return subprocess.run([SERVER, "--data-dir", self.data_dir, *args],
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def test_version_and_help(self):
        version = self.run_server("--version")
        self.assertEqual(version.returncode, 0)
        self.assertRegex(version.stdout.strip(), r"^\d+\.\d+\.\d+$")
        help_text = self.run_server("--help")
        self.assertEqual(help_text.returncode, 0)
        for option in ("--bind", "--port", "--data-dir", "--log-level"):
            self.assertIn(option, help_text.stdout)

    def test_bad_options_name_themselves(self):
        for args, named in ((["--port", "abc"], "--port"),
                            (["--port", "70000"], "--port"),
                            (["--log-level", "loud"], "--log-level"),
                            (["--frobnicate"], "--frobnicate"),
                            (["--bind", "not-an-ip", "--port", "0"], "--bind")):
            result = self.run_server(*args)
            self.assertNotEqual(result.returncode, 0, args)
            self.assertIn(named, result.stdout + result.stderr, args)

    def test_port_in_use_is_a_clear_error(self):
        server = self.start()
        other = os.path.join(self.data_dir, "other")
        result = subprocess.run(
            [SERVER, "--data-dir", other, "--bind", "127.0.0.1", "--port",
             str(server.port)], capture_output=True, text=True, timeout=20,
            stdin=subprocess.DEVNULL)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(f"cannot listen on 127.0.0.1:{server.port}",
                      result.stderr)

    def test_config_file_applies_under_the_command_line(self):
        with open(os.path.join(self.data_dir, "config.toml"), "w") as f:
            f.write('bind = "127.0.0.2"\nmax-connections = 1\n')
        server = self.start()  # the harness passes --bind 127.0.0.1
        self.assertTrue(server.banner["listening"].startswith(
            "listening on https://127.0.0.1:"))
        first = tls_connect(server.port)
        first.sendall(raw_request("GET", "/info"))
        self.assertEqual(read_response(first)[0], 200)
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            with tls_connect(server.port, timeout=5) as second:
                second.sendall(raw_request("GET", "/info"))
                read_response(second, timeout=5)
        first.close()

    def test_data_dir_others_can_write_to_is_refused(self):
        # Whoever can write there could plant a trust.json pairing their
        # own device.
        os.chmod(self.data_dir, 0o777)
        result = self.run_server("--bind", "127.0.0.1", "--port", "0")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(f"cannot use the data dir {self.data_dir}: other users "
                      "can write to it (chmod 700 it)", result.stderr)
        self.assertNotIn("listening on", result.stdout)
        added = subprocess.run(
            [SERVER, "clients", "add", "--id", str(uuid.uuid4()), "--name",
             "x", "--data-dir", self.data_dir], capture_output=True,
            text=True, timeout=20, stdin=subprocess.DEVNULL)
        self.assertNotEqual(added.returncode, 0)
        self.assertIn("other users can write to it", added.stderr)
        self.assertEqual(os.listdir(self.data_dir), [])

    def test_clients_command_gives_up_on_a_lock_held_elsewhere(self):
        # Another program stopped while it holds trust.lock.
        with open(os.path.join(self.data_dir, "trust.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            started = time.monotonic()
            added = subprocess.run(
                [SERVER, "clients", "add", "--id", str(uuid.uuid4()),
                 "--name", "x", "--data-dir", self.data_dir],
                capture_output=True, text=True, timeout=20,
                stdin=subprocess.DEVNULL)
            elapsed = time.monotonic() - started
        self.assertNotEqual(added.returncode, 0)
        self.assertIn("trust.lock: another program holds it", added.stderr)
        self.assertGreater(elapsed, 1.5)
        self.assertLess(elapsed, 10)

    def test_unknown_config_key_stops_the_start(self):
        with open(os.path.join(self.data_dir, "config.toml"), "w") as f:
            f.write("colour = 1\n")
        result = self.run_server("--port", "0")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("colour", result.stdout + result.stderr)


class CorruptionTest(ServerTestCase):
    """A damaged identity stops the start, names the file, changes nothing."""

    def prepare(self):
        server = self.start()
        self.assertStopsCleanly(server)

    def assertRefused(self, culprit):
        snapshot = self.snapshot()
        result = subprocess.run(
            [SERVER, "--data-dir", self.data_dir, "--bind", "127.0.0.1",
             "--port", "0"], capture_output=True, text=True, timeout=20,
            stdin=subprocess.DEVNULL)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(os.path.join(self.data_dir, culprit), result.stderr)
        self.assertNotIn("listening on", result.stdout)
        self.assertEqual(self.snapshot(), snapshot, "a file was changed")

    def snapshot(self):
        out = {}
        for name in sorted(os.listdir(self.data_dir)):
            with open(os.path.join(self.data_dir, name), "rb") as f:
                out[name] = f.read()
        return out

    def write(self, name, data):
        path = os.path.join(self.data_dir, name)
        mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.exists(path) \
            else 0o600
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)

    def test_garbage_server_id(self):
        self.prepare()
        self.write("server-id", b"not-a-uuid\n")
        self.assertRefused("server-id")

    def test_empty_server_id(self):
        self.prepare()
        self.write("server-id", b"")
        self.assertRefused("server-id")

    def test_garbage_key(self):
        self.prepare()
        self.write("tls-key.pem", b"-----BEGIN PRIVATE KEY-----\nxx\n")
        self.assertRefused("tls-key.pem")

    def test_garbage_certificate(self):
        self.prepare()
        self.write("tls-cert.pem", b"hello")
        self.assertRefused("tls-cert.pem")

    def test_certificate_missing(self):
        self.prepare()
        os.remove(os.path.join(self.data_dir, "tls-cert.pem"))
        self.assertRefused("tls-cert.pem")

    def test_key_missing(self):
        self.prepare()
        os.remove(os.path.join(self.data_dir, "tls-key.pem"))
        self.assertRefused("tls-key.pem")

    def test_key_of_another_server(self):
        self.prepare()
        other = os.path.join(self.data_dir, "other")
        os.mkdir(other)
        self.assertStopsCleanly(self.start(data_dir=other))
        with open(os.path.join(other, "tls-key.pem"), "rb") as f:
            foreign_key = f.read()
        import shutil
        shutil.rmtree(other)
        self.write("tls-key.pem", foreign_key)
        self.assertRefused("tls-cert.pem")

    def test_key_readable_by_others(self):
        self.prepare()
        os.chmod(os.path.join(self.data_dir, "tls-key.pem"), 0o644)
        self.assertRefused("tls-key.pem")

    def test_unreadable_server_id(self):
        if os.geteuid() == 0:
            # root reads anything; a folder in its place is unreadable as a file
            self.prepare()
            os.remove(os.path.join(self.data_dir, "server-id"))
            os.mkdir(os.path.join(self.data_dir, "server-id"))
            result = subprocess.run(
                [SERVER, "--data-dir", self.data_dir, "--port", "0",
                 "--bind", "127.0.0.1"], capture_output=True, text=True,
                timeout=20, stdin=subprocess.DEVNULL)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn(os.path.join(self.data_dir, "server-id"),
                          result.stderr)
            return
        self.prepare()
        os.chmod(os.path.join(self.data_dir, "server-id"), 0)
        self.assertRefused("server-id")


if __name__ == "__main__":
    unittest.main()
