"use strict";
// The Engine.IO v4 cases, run on both apps: engineIoCases("/engine.io/",
// { echo: true }) for the echo app, engineIoCases("/socket.io/",
// { socketio: true }) for the Socket.IO app (whose sessions end without a
// Socket.IO CONNECT within connectTimeout, so the long cases connect first).

const assert = require("node:assert/strict");
const { describe } = require("node:test");
const {
  MAX_PAYLOAD, PING_INTERVAL, PING_TIMEOUT, SEP, WAIT_MS, RawSocket, check,
  checkOpen, eioPath, http, openPolling, openWebSocket, poll, post, sleep,
} = require("./harness");

// Timer slack: how much earlier than due a server's timer may seem to fire
// (measured here, after the answer travelled), how much later it may fire
// on a loaded 2-core machine under a sanitizer (SLOW_MS, a checked bound),
// and how long to wait at most (LATE_MS, a timeout).
const EARLY_MS = 60;
const SLOW_MS = 800;
const LATE_MS = 1500;

/// `ms`, the time something took, is `due` give or take the slack.
function onTime(ms, due, what) {
  assert.ok(ms >= due - EARLY_MS && ms <= due + SLOW_MS,
    `${what} after ${ms} ms, due after ${due} ms`);
}

/// The WebSocket refused the session: it closed without sending a packet.
async function refusedWs(target) {
  const sock = new RawSocket(target);
  await sock.closedWithin();
  assert.deepEqual(sock.frames.map((e) => e.frame), [],
    `${target}: packets on a refused WebSocket`);
}

/// Polls `sid` until a payload contains `marker`; returns all packets seen.
async function pollUntil(app, sid, marker, tries = 5) {
  let seen = [];
  for (let i = 0; i < tries; i++) {
    const res = await poll(app, sid);
    assert.equal(res.status, 200, res.text);
    const packets = res.text.split(SEP);
    seen = seen.concat(packets);
    if (packets.includes("2")) { // a ping came first: keep the session
      assert.equal((await post(app, sid, "3")).status, 200);
    }
    if (res.text.includes(marker)) return seen;
  }
  throw new Error(`no ${marker} in ${tries} polls: ${JSON.stringify(seen)}`);
}

/// A Socket.IO CONNECT to "/" on a polling session, up to the "auth" event.
async function connectPolling(app, sid) {
  const res = await post(app, sid, "40");
  assert.equal(res.status, 200, res.text);
  const seen = await pollUntil(app, sid, '42["auth"');
  assert.ok(seen.some((p) => p.startsWith("40{")), JSON.stringify(seen));
}

/// A Socket.IO CONNECT to "/" on a WebSocket session, up to "auth".
async function connectWs(sock) {
  sock.send("40");
  assert.match(await sock.next(), /^40\{/);
  assert.equal(await sock.next(), '42["auth",{}]');
}

function engineIoCases(app, { echo = false, socketio = false } = {}) {
  const url = (query) => eioPath(app, query);

  describe(`Engine.IO handshake on ${app}`, () => {
    check("polling: GET opens a session with the announced values", async () => {
      const res = await http("GET", url("EIO=4&transport=polling"));
      assert.equal(res.status, 200);
      assert.equal(res.text[0], "0", res.text);
      checkOpen(JSON.parse(res.text.slice(1)), ["websocket"]);
    });

    check("polling: sids differ between sessions", async () => {
      const a = await openPolling(app);
      const b = await openPolling(app);
      assert.notEqual(a.sid, b.sid);
    });

    check("polling: a missing or unknown EIO version is a 400", async () => {
      for (const q of ["transport=polling", "EIO=abc&transport=polling",
        "EIO=3&transport=polling", "EIO=&transport=polling"]) {
        assert.equal((await http("GET", url(q))).status, 400, q);
      }
    });

    check("polling: a missing or unknown transport is a 400", async () => {
      for (const q of ["EIO=4", "EIO=4&transport=abc", "EIO=4&transport=",
        "EIO=4&transport=websocket" /* without Upgrade */]) {
        assert.equal((await http("GET", url(q))).status, 400, q);
      }
    });

    check("polling: a handshake by POST or PUT is a 400", async () => {
      for (const method of ["POST", "PUT"]) {
        const res = await http(method, url("EIO=4&transport=polling"),
          { body: method === "POST" ? "4x" : undefined });
        assert.equal(res.status, 400, method);
      }
    });

    check("polling: an unknown sid is a 400", async () => {
      const res = await poll(app, "no-such-session-id");
      assert.equal(res.status, 400);
    });

    check("websocket: the first frame opens a session without upgrades", async () => {
      const sock = await openWebSocket(app);
      checkOpen(sock.open, []);
    });

    check("websocket: a missing or unknown EIO version closes it", async () => {
      await refusedWs(url("transport=websocket"));
      await refusedWs(url("EIO=abc&transport=websocket"));
      await refusedWs(url("EIO=3&transport=websocket"));
    });

    check("websocket: a missing or unknown transport closes it", async () => {
      await refusedWs(url("EIO=4"));
      await refusedWs(url("EIO=4&transport=abc"));
    });

    check("websocket: an unknown sid closes it", async () => {
      await refusedWs(url("EIO=4&transport=websocket&sid=no-such-session-id"));
    });
  });

  describe(`Engine.IO messages on ${app}`, () => {
    if (echo) {
      check("polling: one text packet comes back", async () => {
        const { sid } = await openPolling(app);
        const res = await post(app, sid, "4ping-pong text");
        assert.equal(res.status, 200);
        assert.equal(res.text, "ok");
        const back = await poll(app, sid);
        assert.equal(back.status, 200);
        assert.equal(back.text, "4ping-pong text");
      });

      check("polling: several text packets come back in one payload", async () => {
        const { sid } = await openPolling(app);
        const payload = ["4first", "4", "4third: é ✓ 😀"].join(SEP);
        const res = await post(app, sid, payload);
        assert.equal(res.status, 200);
        assert.equal(res.text, "ok");
        const back = await poll(app, sid);
        assert.equal(back.status, 200);
        assert.equal(back.text, payload);
      });

      check("polling: text and base64 binary packets come back", async () => {
        const { sid } = await openPolling(app);
        const bytes = Buffer.from([0, 1, 127, 128, 254, 255, 10, 30]);
        const payload = `4text${SEP}b${bytes.toString("base64")}`;
        const res = await post(app, sid, payload);
        assert.equal(res.status, 200);
        assert.equal(res.text, "ok");
        const back = await poll(app, sid);
        assert.equal(back.status, 200);
        assert.equal(back.text, payload);
      });
    }

    check("polling: an invalid packet ends the session", async () => {
      const { sid } = await openPolling(app);
      let status;
      try {
        status = (await post(app, sid, "zz-not-a-packet")).status;
      } catch (err) {
        status = `no answer (${err.cause?.code || err.message})`;
      }
      // The protocol suite means a 400; the engine.io package answers the
      // POST itself with 200 "ok" and ends the session. Either, not silence.
      assert.ok(status === 400 || status === 200, `POST answered ${status}`);
      assert.equal((await poll(app, sid)).status, 400);
    });

    check("polling: a second concurrent GET is a 400, the first gets a close", async () => {
      const { sid } = await openPolling(app);
      const first = poll(app, sid);
      await sleep(50);
      const second = await poll(app, sid);
      assert.equal(second.status, 400);
      const held = await first;
      assert.equal(held.status, 200);
      assert.equal(held.text, "1");
      assert.equal((await poll(app, sid)).status, 400);
    });

    check("polling: a GET the client abandons ends the session", async () => {
      const { sid } = await openPolling(app);
      const held = poll(app, sid);
      await sleep(50);
      held.abort();
      // Either the server saw the hang-up (unknown sid) or not yet (then a
      // concurrent GET): a 400 either way, and the session is gone.
      assert.equal((await poll(app, sid)).status, 400);
      await sleep(100);
      assert.equal((await poll(app, sid)).status, 400);
    });

    if (echo) {
      check("websocket: a text packet comes back", async () => {
        const sock = await openWebSocket(app);
        sock.send("4hello over ws é ✓");
        assert.equal(await sock.next(), "4hello over ws é ✓");
        sock.send("4");
        assert.equal(await sock.next(), "4");
      });

      check("websocket: a binary packet comes back as binary", async () => {
        const sock = await openWebSocket(app);
        const bytes = Buffer.from([9, 8, 7, 0, 255]);
        sock.send(bytes);
        const back = await sock.next();
        assert.ok(Buffer.isBuffer(back), `binary frame expected, got ${back}`);
        assert.deepEqual(back, bytes);
      });
    }

    check("websocket: an invalid packet closes it", async () => {
      const sock = await openWebSocket(app);
      sock.send("zz-not-a-packet");
      await sock.closedWithin();
    });
  });

  describe(`Engine.IO heartbeat on ${app}`, () => {
    check("polling: three ping/pong rounds at pingInterval", async () => {
      const { sid } = await openPolling(app);
      let since = Date.now();
      if (socketio) { await connectPolling(app, sid); since = Date.now(); }
      for (let round = 0; round < 3; round++) {
        const ping = await poll(app, sid, { ms: PING_INTERVAL + LATE_MS });
        const waited = Date.now() - since;
        assert.equal(ping.status, 200);
        assert.equal(ping.text, "2", `round ${round}`);
        if (!socketio || round > 0) // the connect moved the first one
          onTime(waited, PING_INTERVAL, `round ${round}: ping`);
        const pong = await post(app, sid, "3");
        assert.equal(pong.status, 200);
        assert.equal(pong.text, "ok");
        since = Date.now();
      }
    });

    check("polling: no pong ends the session after pingInterval + pingTimeout", async () => {
      const { sid } = await openPolling(app);
      await sleep(PING_INTERVAL + PING_TIMEOUT + 300);
      assert.equal((await poll(app, sid)).status, 400);
    });

    check("websocket: three ping/pong rounds at pingInterval", async () => {
      const sock = await openWebSocket(app);
      let since = Date.now();
      if (socketio) { await connectWs(sock); since = Date.now(); }
      for (let round = 0; round < 3; round++) {
        const { frame, at } = await sock.nextEntry(
          { pings: true, ms: PING_INTERVAL + LATE_MS });
        assert.equal(frame, "2", `round ${round}`);
        if (!socketio || round > 0)
          onTime(at - since, PING_INTERVAL, `round ${round}: ping`);
        sock.send("3");
        since = Date.now();
      }
      assert.equal(sock.isClosed, false);
    });

    check("websocket: no pong closes it after pingInterval + pingTimeout", async () => {
      const sock = await openWebSocket(app);
      const opened = Date.now();
      if (socketio) await connectWs(sock); // not the connect timeout
      await sock.closedWithin(PING_INTERVAL + PING_TIMEOUT + LATE_MS);
      onTime(sock.closedAt - opened, PING_INTERVAL + PING_TIMEOUT, "closed");
      assert.ok(sock.frames.some((e) => e.frame === "2"), "no ping before the close");
    });
  });

  describe(`Engine.IO close on ${app}`, () => {
    check("polling: a close packet ends the session, the held GET gets a noop", async () => {
      const { sid } = await openPolling(app);
      const held = poll(app, sid);
      await sleep(50);
      const closing = await post(app, sid, "1");
      assert.equal(closing.status, 200);
      const res = await held;
      assert.equal(res.status, 200);
      assert.equal(res.text, "6");
      assert.equal((await poll(app, sid)).status, 400);
    });

    check("websocket: a close packet closes it", async () => {
      const sock = await openWebSocket(app);
      sock.send("1");
      await sock.closedWithin();
    });
  });

  describe(`Engine.IO upgrade on ${app}`, () => {
    /// Upgrades a polling session to a WebSocket: probe, "3probe", then a
    /// GET that the server ends with a noop. `held` is a GET sent before.
    async function upgrade(sid, { held } = {}) {
      const sock = new RawSocket(url(`EIO=4&transport=websocket&sid=${sid}`),
        { autoPong: true });
      await sock.opened;
      sock.send("2probe");
      assert.equal(await sock.next(), "3probe");
      const paused = held || poll(app, sid);
      const res = await paused;
      assert.equal(res.status, 200);
      assert.equal(res.text, "6");
      sock.send("5");
      // One round trip on the WebSocket: the upgrade is complete after it.
      if (echo) {
        sock.send("4after upgrade");
        assert.equal(await sock.next(), "4after upgrade");
      } else {
        await connectWs(sock);
      }
      return sock;
    }

    check("probe, noop on the next GET, then messages on the WebSocket", async () => {
      const { sid } = await openPolling(app);
      await upgrade(sid);
    });

    check("a GET held during the probe is ended with a noop", async () => {
      const { sid } = await openPolling(app);
      const held = poll(app, sid);
      await sleep(50);
      await upgrade(sid, { held });
    });

    check("after the upgrade, polling with the sid is a 400", async () => {
      const { sid } = await openPolling(app);
      const sock = await upgrade(sid);
      assert.equal((await poll(app, sid)).status, 400);
      assert.equal((await post(app, sid, "4x")).status, 400);
      // The WebSocket goes on.
      if (echo) {
        sock.send("4still here");
        assert.equal(await sock.next(), "4still here");
      } else {
        assert.equal(await sock.next({ pings: true, ms: PING_INTERVAL + LATE_MS }), "2");
      }
    });

    check("after the upgrade, a second WebSocket with the sid is closed", async () => {
      const { sid } = await openPolling(app);
      const sock = await upgrade(sid);
      const second = new RawSocket(url(`EIO=4&transport=websocket&sid=${sid}`));
      second.opened.then(() => second.send("2probe"), () => {});
      await second.closedWithin();
      assert.deepEqual(second.frames.map((e) => e.frame), []);
      if (echo) {
        sock.send("4first one still here");
        assert.equal(await sock.next(), "4first one still here");
      } else {
        assert.equal(sock.isClosed, false);
      }
    });
  });

  describe(`Engine.IO maxPayload on ${app}`, () => {
    check("polling: a POST over maxPayload is a 413 and ends the session", async () => {
      const { sid } = await openPolling(app);
      let status;
      try {
        status = (await post(app, sid, "4" + "x".repeat(MAX_PAYLOAD))).status;
      } catch (err) {
        status = `no answer (${err.cause?.code || err.message})`;
      }
      assert.equal(status, 413);
      assert.equal((await poll(app, sid)).status, 400);
    });

    if (echo) {
      check("polling: a POST of exactly maxPayload bytes is taken", async () => {
        const { sid } = await openPolling(app);
        const body = "4" + "y".repeat(MAX_PAYLOAD - 1);
        const res = await post(app, sid, body);
        assert.equal(res.status, 200);
        assert.equal(res.text, "ok");
        const back = await poll(app, sid);
        assert.equal(back.text.length, body.length);
        assert.equal(back.text, body);
      });
    }

    check("websocket: a message over maxPayload closes it", async () => {
      const sock = await openWebSocket(app);
      if (socketio) { // a valid packet of the app, just too long
        await connectWs(sock);
        sock.send('42["message","' + "z".repeat(MAX_PAYLOAD) + '"]');
      } else {
        sock.send("4" + "z".repeat(MAX_PAYLOAD));
      }
      await sock.closedWithin(WAIT_MS);
      assert.deepEqual(sock.frames.filter((e) => e.frame !== "2")
        .map((e) => String(e.frame).slice(0, 20)), []);
    });
  });
}

module.exports = {
  EARLY_MS, LATE_MS, SLOW_MS, connectPolling, connectWs, engineIoCases, onTime,
};
