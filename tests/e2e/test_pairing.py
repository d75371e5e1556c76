"""Pairing: /authorise, the console prompt, the trust store (issue 3)."""

import hashlib
import json
import os
import subprocess
import threading
import time
import unittest
import uuid

from harness import (SERVER, ServerTestCase, raw_request, read_response,
                     request, tls_connect, wait_closed)


def device_code(client_id):
    digest = hashlib.sha256(client_id.encode()).digest()
    return "%06d" % (int.from_bytes(digest[:4], "big") % 1000000)


def short_id(client_id):
    return hashlib.sha256(client_id.encode()).hexdigest()[:8]


def new_client():
    return str(uuid.uuid4())


class Pending(threading.Thread):
    """An /authorise request waiting for the person at the host."""

    def __init__(self, port, client_id, name="Tablet"):
        super().__init__(daemon=True)
        self.args = (port, client_id, name)
        self.result = None
        self.start()

    def run(self):
        port, client_id, name = self.args
        self.result = authorise(port, client_id, name, timeout=60)

    def outcome(self, timeout=30):
        self.join(timeout)
        if self.is_alive():
            raise AssertionError("no answer to /authorise")
        return self.result


def authorise(port, client_id, name="Tablet", timeout=30, path="/authorise"):
    return request(port, "POST", path,
                   body={"client_id": client_id, "client_name": name},
                   timeout=timeout)


class PairingTest(ServerTestCase):

    def start_with_console(self, *args):
        return self.start(*args, stdin=subprocess.PIPE)

    def answer(self, server, text):
        server.proc.stdin.write(text + "\n")
        server.proc.stdin.flush()

    def wait_prompt(self, server, client_id, timeout=20):
        """Waits for a prompt not seen before; checks its device code."""
        seen = getattr(self, "prompts_seen", 0)
        deadline = time.monotonic() + timeout
        while True:
            prompts = [l for l in list(server.stdout_text)
                       if "device code:" in l]
            if len(prompts) > seen:
                break
            if time.monotonic() > deadline:
                raise AssertionError("no new prompt; stdout: "
                                     + "".join(server.stdout_text))
            time.sleep(0.02)
        self.prompts_seen = seen + 1
        self.assertIn(device_code(client_id), prompts[seen])
        return prompts[seen]

    def pair(self, server, client_id, name="Tablet"):
        pending = Pending(server.port, client_id, name)
        self.wait_prompt(server, client_id)
        self.answer(server, "y")
        status, _, body = pending.outcome()
        self.assertEqual(status, 200, body)
        return body

    def test_approve_gives_a_token_and_trust(self):
        server = self.start_with_console()
        client = new_client()
        pending = Pending(server.port, client, "My \u202eTablet")
        prompt = server.wait_stdout(lambda l: "Pairing request" in l)
        self.assertIn('"My Tablet"', prompt)  # the bidi override is gone
        self.assertIn("127.0.0.1", prompt)
        self.assertIn(short_id(client), prompt)
        self.wait_prompt(server, client)
        self.answer(server, "y")
        status, _, body = pending.outcome()
        self.assertEqual(status, 200, body)
        self.assertEqual(list(body), ["token", "expires_in"])
        self.assertEqual(body["expires_in"], 900)
        self.assertGreaterEqual(len(body["token"]), 43)
        # Trusted from now on: no prompt, a fresh token at once.
        status, _, again = authorise(server.port, client, "Renamed", timeout=5)
        self.assertEqual(status, 200)
        self.assertNotEqual(again["token"], body["token"])
        status, _, alias = authorise(server.port, client, timeout=5,
                                     path="/auth")
        self.assertEqual(status, 200)
        self.assertEqual(sum("device code" in l for l in server.stdout_text), 1)
        self.assertStopsCleanly(server)

    def test_deny_is_remembered_until_cleared(self):
        server = self.start_with_console()
        client = new_client()
        pending = Pending(server.port, client)
        self.wait_prompt(server, client)
        self.answer(server, "n")
        self.assertEqual(pending.outcome()[:3:2], (403, {"error": "denied"}))
        prompts = sum("device code" in l for l in server.stdout_text)
        status, _, body = authorise(server.port, client, timeout=5)
        self.assertEqual((status, body), (403, {"error": "denied"}))
        self.assertEqual(sum("device code" in l for l in server.stdout_text),
                         prompts)
        # The operator clears denials from the command line.
        result = subprocess.run(
            [SERVER, "clients", "clear-denied", "--data-dir", self.data_dir],
            capture_output=True, text=True, timeout=20)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("cleared 1 denied device", result.stdout)
        time.sleep(1.2)  # the server applies outside changes within 1 s
        pending = Pending(server.port, client)
        self.wait_prompt(server, client)
        time.sleep(2.1)  # it may have come up within 2 s of the last
        self.answer(server, "y")
        self.assertEqual(pending.outcome()[0], 200)

    def test_no_answer_times_out_and_is_not_remembered(self):
        server = self.start_with_console("--approval-timeout", "3")
        client = new_client()
        started = time.monotonic()
        status, _, body = authorise(server.port, client)
        elapsed = time.monotonic() - started
        self.assertEqual((status, body), (403, {"error": "approval_timeout"}))
        self.assertGreater(elapsed, 2.8)
        self.assertLess(elapsed, 7)
        self.wait_prompt(server, client)  # the prompt that timed out
        pending = Pending(server.port, client)  # asked again, not denied
        self.wait_prompt(server, client)
        time.sleep(2.1)  # answers right after an unanswered prompt are held
        self.answer(server, "y")
        self.assertEqual(pending.outcome()[0], 200)

    def test_closed_stdin_times_out(self):
        server = self.start("--approval-timeout", "1")  # stdin at EOF
        status, _, body = authorise(server.port, new_client())
        self.assertEqual((status, body), (403, {"error": "approval_timeout"}))

    def test_concurrent_unknown_clients_queue(self):
        server = self.start_with_console()
        first, second = new_client(), new_client()
        a = Pending(server.port, first, "First")
        self.wait_prompt(server, first)
        b = Pending(server.port, second, "Second")
        time.sleep(0.3)  # the second waits behind the first
        self.assertEqual(sum("device code" in l for l in server.stdout_text), 1)
        # Typed twice (or pasted): the second answer was meant for the
        # first request too, not for the one that comes up right after.
        self.answer(server, "y\nn")
        self.assertEqual(a.outcome()[0], 200)
        self.wait_prompt(server, second)
        server.wait_stdout(lambda l: "just changed" in l)
        time.sleep(2.1)
        self.answer(server, "n")
        self.assertEqual(b.outcome()[0], 403)

    def test_second_request_joins_the_prompt(self):
        server = self.start_with_console()
        client = new_client()
        a = Pending(server.port, client)
        self.wait_prompt(server, client)
        b = Pending(server.port, client)
        time.sleep(0.3)
        self.answer(server, "y")
        self.assertEqual(a.outcome()[0], 200)
        self.assertEqual(b.outcome()[0], 200)
        self.assertEqual(sum("device code" in l for l in server.stdout_text), 1)

    def test_hanging_up_withdraws_the_prompt(self):
        server = self.start_with_console()
        first, second = new_client(), new_client()
        sock = tls_connect(server.port)
        body = json.dumps({"client_id": first, "client_name": "Gone"})
        sock.sendall(raw_request("POST", "/authorise", body.encode()))
        self.wait_prompt(server, first)
        b = Pending(server.port, second, "Next")
        time.sleep(0.2)
        sock.close()
        server.wait_stdout(lambda l: "withdrawn" in l)
        self.wait_prompt(server, second)  # the next request comes up
        # A "y" typed right after the switch was meant for the request
        # that left: it is refused, not applied to the new one.
        self.answer(server, "y")
        server.wait_stdout(lambda l: "just changed" in l)
        time.sleep(2.1)
        self.answer(server, "y")
        self.assertEqual(b.outcome()[0], 200)
        self.assertIn("Gone", server.logs())

    def test_held_request_with_pipelined_bytes_is_still_answered(self):
        server = self.start_with_console("--approval-timeout", "1")
        body = json.dumps({"client_id": new_client(), "client_name": "P"})
        with tls_connect(server.port) as sock:
            # Enough pipelined bytes to fill the read buffer: no read is
            # pending while the request waits for the person at the host.
            sock.sendall(raw_request("POST", "/authorise", body.encode())
                         + b"X" * 9000)
            status, _, data = read_response(sock, timeout=10)
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(data), {"error": "approval_timeout"})

    def test_burst_from_one_address_gets_429(self):
        server = self.start_with_console("--approval-timeout", "3")
        pending = [Pending(server.port, new_client(), f"c{i}")
                   for i in range(8)]
        outcomes = [p.outcome(timeout=40) for p in pending]
        limited = [o for o in outcomes if o[0] == 429]
        self.assertTrue(limited, outcomes)
        for status, headers, body in limited:
            self.assertEqual(body, {"error": "too_many_requests"})
            self.assertGreaterEqual(int(headers["retry-after"]), 1)
        self.assertIn("too many pairing requests from 127.0.0.1",
                      server.logs())

    def test_bad_requests(self):
        server = self.start_with_console()
        good = {"client_id": new_client(), "client_name": "x"}
        cases = [
            (b"{not json", "application/json", 400, "bad_json"),
            (json.dumps({"client_name": "x"}).encode(), "application/json",
             400, "missing_client_id"),
            (json.dumps({"client_id": str(uuid.uuid1()), "client_name": "x"})
             .encode(), "application/json", 400, "bad_client_id"),
            (json.dumps({"client_id": good["client_id"]}).encode(),
             "application/json", 400, "missing_client_name"),
            (json.dumps({"client_id": good["client_id"], "client_name": 5})
             .encode(), "application/json", 400, "bad_client_name"),
            (json.dumps(good).encode(), "text/plain", 415,
             "unsupported_media_type"),
            (b'{"client_id": "' + b"a" * 5000 + b'"}', "application/json",
             413, "payload_too_large"),
        ]
        for body, ctype, status, error in cases:
            got = request(server.port, "POST", "/authorise", body=body,
                          headers={"Content-Type": ctype})
            self.assertEqual((got[0], got[2]), (status, {"error": error}),
                             error)
        self.assertFalse(any("device code" in l for l in server.stdout_text))
        self.assertEqual(request(server.port, "GET", "/info")[0], 200)

    def test_revoke_from_the_command_line_while_running(self):
        server = self.start_with_console()
        client = new_client()
        self.pair(server, client)
        result = subprocess.run(
            [SERVER, "clients", "revoke", short_id(client)[:6], "--data-dir",
             self.data_dir], capture_output=True, text=True, timeout=20)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("revoked Tablet", result.stdout)
        # Within a second the server no longer trusts it: it asks again.
        deadline = time.monotonic() + 1.5
        while "revoked Tablet" not in server.logs():
            self.assertLess(time.monotonic(), deadline, server.logs())
            time.sleep(0.05)
        pending = Pending(server.port, client)
        self.wait_prompt(server, client)
        time.sleep(2.1)  # it came up within 2 s of the last: answers wait
        self.answer(server, "n")
        self.assertEqual(pending.outcome()[0], 403)

    def test_console_commands(self):
        server = self.start_with_console()
        client = new_client()
        self.pair(server, client, "Cockpit")
        self.answer(server, "clients")
        server.wait_stdout(lambda l: short_id(client) in l and "Cockpit" in l)
        self.answer(server, "revoke cockpit")
        server.wait_stdout(lambda l: "revoked Cockpit" in l)
        self.answer(server, "help")
        server.wait_stdout(lambda l: "clear-denied" in l)
        self.answer(server, "y")
        server.wait_stdout(lambda l: "no pairing request is waiting" in l)

    def test_restart_keeps_trust_and_nothing_secret_leaks(self):
        server = self.start_with_console()
        client = new_client()
        token = self.pair(server, client)["token"]
        self.assertStopsCleanly(server)
        again = self.start_with_console()
        status, _, body = authorise(again.port, client, timeout=5)
        self.assertEqual(status, 200)
        self.assertStopsCleanly(again)
        secrets = [client, client.replace("-", ""), token, body["token"]]
        texts = [server.logs(), "".join(server.stdout_text), again.logs(),
                 "".join(again.stdout_text)]
        for name in os.listdir(self.data_dir):
            with open(os.path.join(self.data_dir, name), "rb") as f:
                texts.append(f.read().decode("latin-1"))
        for text in texts:
            for secret in secrets:
                self.assertNotIn(secret, text)
        with open(os.path.join(self.data_dir, "trust.json")) as f:
            store = json.load(f)
        self.assertEqual(store["clients"][0]["id_sha256"],
                         hashlib.sha256(client.encode()).hexdigest())
        mode = os.stat(os.path.join(self.data_dir, "trust.json")).st_mode
        self.assertEqual(mode & 0o077, 0)

    def test_sigterm_answers_a_held_request_and_exits_zero(self):
        server = self.start_with_console()
        client = new_client()
        pending = Pending(server.port, client)
        self.wait_prompt(server, client)
        started = time.monotonic()
        self.assertEqual(server.stop(), 0)
        self.assertLess(time.monotonic() - started, 5)
        status, _, body = pending.outcome(timeout=5)
        self.assertEqual((status, body), (503, {"error": "unavailable"}))

    def test_corrupt_trust_store_stops_the_start(self):
        path = os.path.join(self.data_dir, "trust.json")
        with open(path, "w") as f:
            f.write('{"version": 1, "generation": 3, "clients": [{}]}')
        with open(path) as f:
            before = f.read()
        result = subprocess.run(
            [SERVER, "--data-dir", self.data_dir, "--bind", "127.0.0.1",
             "--port", "0"], capture_output=True, text=True, timeout=20,
            stdin=subprocess.DEVNULL)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(path, result.stderr)
        with open(path) as f:
            self.assertEqual(f.read(), before)


class ClientsCommandTest(ServerTestCase):

    def clients(self, *args, stdin=None):
        return subprocess.run([SERVER, "clients", *args, "--data-dir",
                               self.data_dir], capture_output=True,
                              text=True, timeout=20, input=stdin)

    def test_add_reads_the_id_from_stdin(self):
        # Out of the process list, where other users could read it.
        client = new_client()
        added = self.clients("add", "--id", "-", "--name", "Piped",
                             stdin=f"  {client.upper()}  \r\n")
        self.assertEqual(added.returncode, 0, added.stderr)
        self.assertIn(short_id(client), self.clients("list").stdout)
        empty = self.clients("add", "--id", "-", "--name", "x", stdin="")
        self.assertNotEqual(empty.returncode, 0)
        self.assertIn("UUID", empty.stderr)

    def test_add_list_revoke_offline(self):
        client = new_client()
        added = self.clients("add", "--id", client, "--name", "Panel One")
        self.assertEqual(added.returncode, 0, added.stderr)
        listed = self.clients("list")
        self.assertIn(short_id(client), listed.stdout)
        self.assertIn("Panel One", listed.stdout)
        self.assertNotIn(client, listed.stdout)
        # A device added by hand gets a token without a prompt.
        server = self.start()
        status, _, body = authorise(server.port, client, timeout=5)
        self.assertEqual(status, 200, body)
        self.assertStopsCleanly(server)
        missing = self.clients("revoke", "ffffffff")
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("no paired device matches", missing.stderr)
        revoked = self.clients("revoke", "Panel One")
        self.assertEqual(revoked.returncode, 0, revoked.stderr)
        self.assertIn("no paired devices", self.clients("list").stdout)

    def test_bad_arguments(self):
        bad = self.clients("add", "--id", "nope", "--name", "x")
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("UUID", bad.stderr)
        self.assertNotEqual(self.clients("frobnicate").returncode, 0)
        self.assertNotEqual(self.clients("revoke").returncode, 0)

    def test_concurrent_adds_lose_nothing(self):
        ids = [new_client() for _ in range(12)]
        procs = [subprocess.Popen([SERVER, "clients", "add", "--id", i,
                                   "--name", f"n{k}", "--data-dir",
                                   self.data_dir],
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
                 for k, i in enumerate(ids)]
        for p in procs:
            self.assertEqual(p.wait(timeout=30), 0)
        listed = self.clients("list").stdout
        for i in ids:
            self.assertIn(short_id(i), listed)


if __name__ == "__main__":
    unittest.main()
