"use strict";
// Socket.IO v5 conformance on the app at /socket.io/, over raw WebSockets:
// connect to "/" and "/custom" (with and without a payload), an unknown
// namespace, bad handshakes, the connect timeout, disconnect, events with
// and without binary attachments, acks, malformed packets. The Engine.IO
// cases run on this app too (engine-cases.js).
//
// Run one: node --test --test-name-pattern="ack" socketio.test.js

const assert = require("node:assert/strict");
const { describe } = require("node:test");
const {
  CONNECT_TIMEOUT, PING_INTERVAL, SEP, RawSocket, check, conformanceSuite,
  openPolling, openWebSocket, poll, post, sleep,
} = require("./harness");
const { LATE_MS, engineIoCases, onTime } = require("./engine-cases");

const APP = "/socket.io/";

/// A WebSocket session on the app that answers pings by itself.
function session() {
  return openWebSocket(APP, { autoPong: true });
}

/// Parses one text Socket.IO packet: { type, attachments, nsp, id, data }.
function parsePacket(text) {
  const m = /^4(\d)(?:(\d+)-)?(\/[^,]*,)?(\d+)?(.*)$/s.exec(text);
  assert.ok(m, `not a Socket.IO packet: ${text}`);
  return {
    type: Number(m[1]),
    attachments: m[2] === undefined ? 0 : Number(m[2]),
    nsp: m[3] === undefined ? "/" : m[3].slice(0, -1),
    id: m[4] === undefined ? undefined : Number(m[4]),
    data: m[5] === "" ? undefined : JSON.parse(m[5]),
  };
}

/// CONNECT to `nsp` (frame `frame`); checks the answer carries only a sid
/// and returns the "auth" packet's text, which follows.
async function connectTo(sock, frame, prefix) {
  sock.send(frame);
  const ok = await sock.next();
  assert.ok(ok.startsWith(prefix), `CONNECT answer ${ok}`);
  const body = JSON.parse(ok.slice(prefix.length));
  assert.deepEqual(Object.keys(body), ["sid"]);
  assert.equal(typeof body.sid, "string");
  assert.ok(body.sid.length > 0);
  return sock.next();
}

/// A connected WebSocket session on "/" (its "auth" read).
async function connected() {
  const sock = await session();
  assert.equal(await connectTo(sock, "40", "40"), '42["auth",{}]');
  return sock;
}

const ph = (num) => ({ _placeholder: true, num });

conformanceSuite("Socket.IO app", () => {
  engineIoCases(APP, { socketio: true });

  describe("Socket.IO connect", () => {
    check("to / without a payload: CONNECT with a sid, then auth {}", async () => {
      const sock = await session();
      assert.equal(await connectTo(sock, "40", "40"), '42["auth",{}]');
    });

    check("to / with a payload: auth carries it exactly", async () => {
      const sock = await session();
      assert.equal(await connectTo(sock, '40{"key":"s3cr3t"}', "40"),
        '42["auth",{"key":"s3cr3t"}]');
    });

    check("to / with a nested payload: auth carries the same value", async () => {
      const sock = await session();
      const auth = { token: "t-1", list: [1, 2.5, null, true], deep: { "é": "✓" } };
      const packet = parsePacket(await connectTo(sock, "40" + JSON.stringify(auth), "40"));
      assert.deepEqual(packet, { type: 2, attachments: 0, nsp: "/", id: undefined,
        data: ["auth", auth] });
    });

    check("to /custom without a payload", async () => {
      const sock = await session();
      assert.equal(await connectTo(sock, "40/custom,", "40/custom,"),
        '42/custom,["auth",{}]');
    });

    check("to /custom with a payload", async () => {
      const sock = await session();
      assert.equal(await connectTo(sock, '40/custom,{"user":"zoe"}', "40/custom,"),
        '42/custom,["auth",{"user":"zoe"}]');
    });

    check("to an unknown namespace: CONNECT_ERROR Invalid namespace", async () => {
      const sock = await session();
      sock.send("40/nowhere,");
      assert.equal(await sock.next(), '44/nowhere,{"message":"Invalid namespace"}');
    });

    check("to an unknown namespace without the comma", async () => {
      const sock = await session();
      sock.send("40/elsewhere");
      assert.equal(await sock.next(), '44/elsewhere,{"message":"Invalid namespace"}');
    });

    check("a malformed first packet closes the connection", async () => {
      for (const bad of ["4zz", '40{"open":', '40"just a string"']) {
        const sock = await session();
        sock.send(bad);
        await sock.closedWithin();
        assert.deepEqual(sock.frames.filter((e) => e.frame !== "2")
          .map((e) => e.frame), [], bad);
      }
    });

    check("no CONNECT within connectTimeout closes the connection", async () => {
      const sock = await session(); // answers pings: only the timeout ends it
      const opened = Date.now();
      await sock.closedWithin(CONNECT_TIMEOUT + LATE_MS);
      onTime(sock.closedAt - opened, CONNECT_TIMEOUT, "closed");
    });

    check("no CONNECT within connectTimeout ends a polling session", async () => {
      const { sid } = await openPolling(APP);
      const opened = Date.now();
      for (;;) {
        const res = await poll(APP, sid, { ms: CONNECT_TIMEOUT + LATE_MS });
        if (res.status === 400 || res.text.split(SEP).includes("1")) break;
        assert.equal(res.status, 200);
        assert.equal(res.text, "2");
        assert.ok(Date.now() - opened < CONNECT_TIMEOUT + LATE_MS, "still open");
        await post(APP, sid, "3");
      }
      onTime(Date.now() - opened, CONNECT_TIMEOUT, "ended");
      assert.equal((await poll(APP, sid)).status, 400);
    });
  });

  describe("Socket.IO disconnect", () => {
    check("from / keeps the Engine.IO session: the next packet is a ping", async () => {
      const sock = await connected();
      sock.send("41");
      assert.equal(await sock.next({ pings: true, ms: PING_INTERVAL + LATE_MS }), "2");
      assert.equal(await sock.next({ pings: true, ms: PING_INTERVAL + LATE_MS }), "2");
      assert.equal(sock.isClosed, false);
    });

    check("connect and disconnect /custom, then / still answers", async () => {
      const sock = await connected();
      assert.equal(await connectTo(sock, "40/custom", "40/custom,"),
        '42/custom,["auth",{}]');
      sock.send("41/custom,");
      sock.send('42["message","for the main namespace"]');
      assert.equal(await sock.next(), '42["message-back","for the main namespace"]');
    });

    check("/ and /custom on one connection; / disconnected, /custom stays", async () => {
      const sock = await connected();
      assert.equal(await connectTo(sock, '40/custom,{"n":2}', "40/custom,"),
        '42/custom,["auth",{"n":2}]');
      sock.send("41");
      // Back on "/" with a new CONNECT: a new auth event. (The socket.io
      // package handles a DISCONNECT a tick late: a CONNECT in the same read
      // finds "/" still connected and closes the connection.)
      await sleep(100);
      assert.equal(await connectTo(sock, '40{"again":true}', "40"),
        '42["auth",{"again":true}]');
      sock.send('42["message","again"]');
      assert.equal(await sock.next(), '42["message-back","again"]');
    });
  });

  describe("Socket.IO events", () => {
    check("message: message-back with the same arguments", async () => {
      const sock = await connected();
      sock.send('42["message",7,"seven",{"n":[false,null]}]');
      assert.equal(await sock.next(), '42["message-back",7,"seven",{"n":[false,null]}]');
    });

    check("message: richer arguments come back equal", async () => {
      const sock = await connected();
      const args = ["quote \" backslash \\ newline \n", -0.125, 1e21, [[]], {},
        { "ünïcödé": "😀", nested: { a: [1, { b: "c" }] } }];
      sock.send("42" + JSON.stringify(["message", ...args]));
      const packet = parsePacket(await sock.next());
      assert.deepEqual(packet, { type: 2, attachments: 0, nsp: "/", id: undefined,
        data: ["message-back", ...args] });
    });

    check("message with two binary attachments: placeholders and bytes back", async () => {
      const sock = await connected();
      sock.send(`452-${JSON.stringify(["message", ph(0), ph(1)])}`);
      sock.send(Buffer.from([10, 20, 30]));
      sock.send(Buffer.from([0, 255]));
      assert.equal(await sock.next(), `452-${JSON.stringify(["message-back", ph(0), ph(1)])}`);
      assert.deepEqual(await sock.next(), Buffer.from([10, 20, 30]));
      assert.deepEqual(await sock.next(), Buffer.from([0, 255]));
    });

    check("message with nested placeholders among other arguments", async () => {
      const sock = await connected();
      sock.send(`452-${JSON.stringify(["message", "label", { file: ph(0), more: [ph(1)] }])}`);
      sock.send(Buffer.from("first"));
      sock.send(Buffer.alloc(0));
      const header = parsePacket(await sock.next());
      assert.equal(header.type, 5);
      assert.equal(header.attachments, 2);
      assert.equal(header.data[0], "message-back");
      assert.equal(header.data[1], "label");
      const second = await sock.next();
      const third = await sock.next();
      // Attachments are numbered in the order they are sent.
      const byNum = [second, third];
      const file = header.data[2].file;
      const more = header.data[2].more[0];
      assert.deepEqual(Object.keys(header.data[2]).sort(), ["file", "more"]);
      assert.equal(file._placeholder, true);
      assert.equal(more._placeholder, true);
      assert.deepEqual(byNum[file.num], Buffer.from("first"));
      assert.deepEqual(byNum[more.num], Buffer.alloc(0));
    });

    check("message-with-ack: ACK with the same id and arguments", async () => {
      const sock = await connected();
      sock.send('4231["message-with-ack",7,"seven",{"n":[false]}]');
      assert.equal(await sock.next(), '4331[7,"seven",{"n":[false]}]');
      sock.send('420["message-with-ack","id zero"]');
      assert.equal(await sock.next(), '430["id zero"]');
    });

    check("message-with-ack with binary attachments: BINARY_ACK", async () => {
      const sock = await connected();
      sock.send(`452-4321${JSON.stringify(["message-with-ack", ph(0), "mid", ph(1)])}`);
      sock.send(Buffer.from([1]));
      sock.send(Buffer.from([2, 2]));
      assert.equal(await sock.next(), `462-4321${JSON.stringify([ph(0), "mid", ph(1)])}`);
      assert.deepEqual(await sock.next(), Buffer.from([1]));
      assert.deepEqual(await sock.next(), Buffer.from([2, 2]));
    });

    check("an unknown packet type closes the connection", async () => {
      for (const bad of ["4z", '47["message"]']) {
        const sock = await connected();
        sock.send(bad);
        await sock.closedWithin();
      }
    });

    check("an invalid event payload closes the connection", async () => {
      for (const bad of ['42{"not":"an array"}', "42[1,", '42"message"']) {
        const sock = await connected();
        sock.send(bad);
        await sock.closedWithin();
        assert.deepEqual(sock.frames.filter((e) => e.frame !== "2")
          .map((e) => e.frame), [], bad);
      }
    });

    check("an invalid ack id closes the connection", async () => {
      const sock = await connected();
      sock.send('42x9["message-with-ack",1]');
      await sock.closedWithin();
      assert.deepEqual(sock.frames.filter((e) => e.frame !== "2")
        .map((e) => e.frame), []);
    });
  });

  describe("Socket.IO over polling", () => {
    check("connect, message-back and a binary ack in base64 payloads", async () => {
      const { sid } = await openPolling(APP);
      assert.equal((await post(APP, sid, '40{"via":"polling"}')).status, 200);
      let got = [];
      while (!got.some((p) => p.startsWith('42["auth"'))) {
        const res = await poll(APP, sid);
        assert.equal(res.status, 200);
        got = got.concat(res.text.split(SEP).filter((p) => p !== "2"));
        if (res.text.split(SEP).includes("2")) await post(APP, sid, "3");
      }
      assert.match(got[0], /^40\{"sid":"[^"]+"\}$/);
      assert.equal(got[1], '42["auth",{"via":"polling"}]');
      const bin = Buffer.from([5, 4, 3]).toString("base64");
      const sent = [`451-8${JSON.stringify(["message-with-ack", ph(0)])}`, `b${bin}`,
        '42["message","plain"]'].join(SEP);
      assert.equal((await post(APP, sid, sent)).status, 200);
      got = [];
      while (got.length < 3) {
        const res = await poll(APP, sid);
        assert.equal(res.status, 200);
        got = got.concat(res.text.split(SEP).filter((p) => p !== "2"));
        if (res.text.split(SEP).includes("2")) await post(APP, sid, "3");
      }
      assert.deepEqual(got, [`461-8${JSON.stringify([ph(0)])}`, `b${bin}`,
        '42["message-back","plain"]']);
    });
  });

  describe("Socket.IO after an upgrade", () => {
    check("a session connected over polling goes on over the WebSocket", async () => {
      const { sid } = await openPolling(APP);
      assert.equal((await post(APP, sid, "40")).status, 200);
      let got = [];
      while (!got.some((p) => p.startsWith('42["auth"'))) {
        const res = await poll(APP, sid);
        assert.equal(res.status, 200);
        got = got.concat(res.text.split(SEP));
      }
      const ws = new RawSocket(`${APP}?EIO=4&transport=websocket&sid=${sid}`,
        { autoPong: true });
      await ws.opened;
      ws.send("2probe");
      assert.equal(await ws.next(), "3probe");
      const noop = await poll(APP, sid);
      assert.equal(noop.text, "6");
      ws.send("5");
      ws.send('42["message","after the upgrade"]');
      assert.equal(await ws.next(), '42["message-back","after the upgrade"]');
      ws.send('4277["message-with-ack",{"ok":1}]');
      assert.equal(await ws.next(), '4377[{"ok":1}]');
      assert.equal((await poll(APP, sid)).status, 400);
    });
  });
});
