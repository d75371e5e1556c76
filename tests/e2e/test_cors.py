"""CORS (DESIGN §3): only --allow-origin origins, preflight answered."""

import time
import unittest

from harness import Server, ServerTestCase, raw_request, read_response, request, \
    tls_connect

PANEL = "https://panel.example:8443"


class CorsTest(ServerTestCase):

    def test_no_origin_is_allowed_by_default(self):
        server = self.start()
        status, headers, body = request(server.port, "GET", "/info",
                                        headers={"Origin": PANEL})
        self.assertEqual((status, body), (403, {"error": "origin_not_allowed"}))
        self.assertNotIn("access-control-allow-origin", headers)
        # Without an Origin (a native panel) nothing changes.
        status, headers, _ = request(server.port, "GET", "/info")
        self.assertEqual(status, 200)
        self.assertNotIn("access-control-allow-origin", headers)

    def test_allowed_origin_gets_cors_headers(self):
        server = self.start("--allow-origin", PANEL.upper(),
                            "--allow-origin", "https://other.example")
        status, headers, body = request(server.port, "GET", "/info",
                                        headers={"Origin": PANEL})
        self.assertEqual(status, 200)
        self.assertIn("server_id", body)
        self.assertEqual(headers["access-control-allow-origin"], PANEL)
        self.assertEqual(headers["vary"], "Origin")
        status, _, body = request(server.port, "GET", "/info",
                                  headers={"Origin": "https://evil.example"})
        self.assertEqual((status, body), (403, {"error": "origin_not_allowed"}))

    def test_preflight_is_answered_for_allowed_origins_only(self):
        server = self.start("--allow-origin", PANEL)
        asks = {"Origin": PANEL, "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type"}
        status, headers, _ = request(server.port, "OPTIONS", "/authorise",
                                     headers=asks)
        self.assertEqual(status, 204)
        self.assertEqual(headers["access-control-allow-origin"], PANEL)
        self.assertEqual(headers["access-control-allow-methods"], "GET, POST")
        self.assertEqual(headers["access-control-allow-headers"],
                         "Content-Type")
        asks["Origin"] = "https://evil.example"
        status, headers, _ = request(server.port, "OPTIONS", "/authorise",
                                     headers=asks)
        self.assertEqual(status, 403)
        self.assertNotIn("access-control-allow-origin", headers)

    def test_engineio_answers_carry_the_headers(self):
        server = self.start("--allow-origin", PANEL)
        # The handshake and a poll answered later by the session itself.
        status, headers, body = request(
            server.port, "GET", "/socket.io/?EIO=4&transport=polling",
            headers={"Origin": PANEL})
        self.assertEqual(status, 200)
        self.assertEqual(headers["access-control-allow-origin"], PANEL)
        sid = body.decode()[1:].split('"sid":"')[1].split('"')[0]
        with tls_connect(server.port) as sock:
            sock.sendall(raw_request(
                "POST", f"/socket.io/?EIO=4&transport=polling&sid={sid}",
                b"1", {"Origin": PANEL, "Content-Type": "text/plain"}))
            status, headers, _ = read_response(sock)
        self.assertEqual(status, 200)
        self.assertEqual(headers["access-control-allow-origin"], PANEL)

    def test_websocket_from_another_origin_is_refused(self):
        server = self.start("--allow-origin", PANEL)
        upgrade = {"Origin": "https://evil.example", "Upgrade": "websocket",
                   "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                   "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
        status, _, body = request(
            server.port, "GET", "/socket.io/?EIO=4&transport=websocket",
            headers=upgrade)
        self.assertEqual((status, body), (403, {"error": "origin_not_allowed"}))

    def test_bad_allow_origin_stops_the_start(self):
        for bad in ("*", "null", "https://panel.example/app"):
            with self.subTest(bad=bad):
                server = Server(self.data_dir, ("--allow-origin", bad))
                self.servers.append(server)
                self.assertNotEqual(server.proc.wait(timeout=30), 0)
                deadline = time.monotonic() + 10
                while ("not an origin" not in server.logs()
                       and time.monotonic() < deadline):
                    time.sleep(0.05) # the reader thread drains stderr
                self.assertIn("not an origin", server.logs())


if __name__ == "__main__":
    unittest.main()
