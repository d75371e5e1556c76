"use strict";
// The official socket.io-client v4 against the Socket.IO app at /socket.io/:
// default transports (polling, then the upgrade), websocket only, polling
// only; the auth event, message-back with binary, acks, namespaces.
//
// Run one: node --test --test-name-pattern="websocket" client.test.js

const assert = require("node:assert/strict");
const { describe } = require("node:test");
const { io, Manager } = require("socket.io-client");
const {
  WAIT_MS, check, conformanceSuite, serverUnderTest, track,
} = require("./harness");

/// Resolves with the arguments of the first `event` of `emitter`.
function once(emitter, event, ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`no "${event}" within ${ms} ms`));
    }, ms);
    function handler(...args) {
      clearTimeout(timer);
      resolve(args);
    }
    emitter.once(event, handler);
  });
}

/// A client that does not reconnect by itself, closed after the test.
function client(nsp = "/", options = {}) {
  const socket = io(serverUnderTest().url + nsp, {
    reconnection: false, forceNew: true, timeout: WAIT_MS,
    rejectUnauthorized: false, ...options,
  });
  return track(socket);
}

/// Emits `event` with `args`; resolves with all the ack's arguments.
function ack(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(WAIT_MS).emit(event, ...args, (err, ...reply) => {
      if (err) reject(err); else resolve(reply);
    });
  });
}

/// Connects to "/" with `auth`; checks the auth event; returns the socket.
async function connected(options, auth) {
  const socket = client("/", { auth, ...options });
  const gotAuth = once(socket, "auth");
  await once(socket, "connect");
  assert.deepEqual((await gotAuth)[0], auth);
  return socket;
}

/// message-back and message-with-ack, with text, numbers, objects, binary.
async function roundTrips(socket, label) {
  const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
  const args = [label, 42, { nested: { list: [true, null, "é✓"] } }, bytes];
  const back = once(socket, "message-back");
  socket.emit("message", ...args);
  assert.deepEqual(await back, args);
  assert.deepEqual(await ack(socket, "message-with-ack", ...args), args);
  assert.deepEqual(await ack(socket, "message-with-ack"), []);
  // Larger, still under maxPayload.
  const big = Buffer.alloc(300 * 1024, 7);
  const bigBack = once(socket, "message-back");
  socket.emit("message", "big", big, "x".repeat(100 * 1024));
  const [, gotBig, gotText] = await bigBack;
  assert.ok(gotBig.equals(big), "300 KiB of binary back unchanged");
  assert.equal(gotText.length, 100 * 1024);
}

function upgraded(socket) {
  if (socket.io.engine.transport.name === "websocket") return Promise.resolve();
  return once(socket.io.engine, "upgrade");
}

conformanceSuite("socket.io-client v4", () => {
  describe("transports", () => {
    check("default transports: polling, the upgrade, then websocket", async () => {
      const socket = client("/", { auth: { token: "abc", n: 1 } });
      const gotAuth = once(socket, "auth");
      const opened = once(socket.io, "open")
        .then(() => socket.io.engine.transport.name);
      await once(socket, "connect");
      assert.equal(await opened, "polling");
      assert.deepEqual((await gotAuth)[0], { token: "abc", n: 1 });
      await upgraded(socket);
      assert.equal(socket.io.engine.transport.name, "websocket");
      await roundTrips(socket, "after the upgrade");
    });

    check("websocket only", async () => {
      const socket = await connected({ transports: ["websocket"] }, { ws: true });
      assert.equal(socket.io.engine.transport.name, "websocket");
      await roundTrips(socket, "websocket");
    });

    check("polling only", async () => {
      const socket = await connected({ transports: ["polling"] }, { poll: [1, 2] });
      await roundTrips(socket, "polling");
      assert.equal(socket.io.engine.transport.name, "polling");
    });

    check("without auth the event carries {}", async () => {
      const socket = client("/", { transports: ["websocket"] });
      const [auth] = await once(socket, "auth");
      assert.deepEqual(auth, {});
    });

    check("the connection outlives several heartbeats", async () => {
      const socket = await connected({}, { long: true });
      await upgraded(socket);
      const id = socket.id;
      await new Promise((resolve) => setTimeout(resolve, 1500)); // ~5 pings
      assert.equal(socket.connected, true);
      assert.equal(socket.id, id);
      assert.deepEqual(await ack(socket, "message-with-ack", "still"), ["still"]);
    });
  });

  describe("namespaces", () => {
    check("/custom emits auth, / and /custom share one connection", async () => {
      const manager = new Manager(serverUnderTest().url, {
        reconnection: false, timeout: WAIT_MS, rejectUnauthorized: false,
      });
      const main = track(manager.socket("/", { auth: { which: "main" } }));
      const custom = track(manager.socket("/custom", { auth: { which: "custom" } }));
      const [mainAuth, customAuth] = await Promise.all([
        once(main, "auth"), once(custom, "auth")]);
      assert.deepEqual(mainAuth, [{ which: "main" }]);
      assert.deepEqual(customAuth, [{ which: "custom" }]);
      assert.equal(main.io, custom.io); // one Manager, one Engine.IO session
      assert.equal(main.io.engine.id, custom.io.engine.id);
      custom.disconnect();
      assert.deepEqual(await ack(main, "message-with-ack", 1), [1]);
    });

    check("an unknown namespace: connect_error Invalid namespace", async () => {
      const socket = client("/does-not-exist", { transports: ["websocket"] });
      const [err] = await once(socket, "connect_error");
      assert.equal(err.message, "Invalid namespace");
    });

    check("disconnect and connect again on the same socket", async () => {
      const socket = await connected({ transports: ["websocket"] }, { round: 1 });
      socket.disconnect();
      socket.auth = { round: 2 };
      const gotAuth = once(socket, "auth");
      socket.connect();
      assert.deepEqual((await gotAuth)[0], { round: 2 });
      assert.deepEqual(await ack(socket, "message-with-ack", "again"), ["again"]);
    });
  });
});
