"use strict";
// Transports: polling, WebSocket, the upgrade, payloads, acks, shutdown.
// The official socket.io-client v4 against the real server (DESIGN §3);
// each test starts its own server (harness.js).
//
// Run one: node --test-name-pattern="^acks" transports.test.js

const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const { test } = require("node:test");
const {
  Server, SlowAgent, UNKNOWN, emitWithAck, once, sleep, upgraded, withServer,
} = require("./harness");

test("default transports: polling, then the upgrade to websocket", () =>
  withServer([], async (server) => {
    const socket = server.socket({ auth: { token: await server.token() } });
    const [opened] = await Promise.all([
      once(socket.io, "open").then(() => socket.io.engine.transport.name),
      once(socket, "connect")]);
    assert.equal(opened, "polling");
    await upgraded(socket);
    assert.equal(socket.io.engine.transport.name, "websocket");
    assert.deepEqual(await emitWithAck(socket, "hello", { a: 1 }), UNKNOWN);
  }));

test("websocket only", () =>
  withServer([], async (server) => {
    const socket = await server.connect({ transports: ["websocket"] });
    assert.equal(socket.io.engine.transport.name, "websocket");
    assert.deepEqual(await emitWithAck(socket, "hello"), UNKNOWN);
  }));

test("polling only", () =>
  withServer([], async (server) => {
    const socket = await server.connect({ transports: ["polling"] });
    assert.deepEqual(await emitWithAck(socket, "hello"), UNKNOWN);
    assert.equal(socket.io.engine.transport.name, "polling");
  }));

for (const transports of [["polling", "websocket"], ["websocket"]]) {
  const how = transports.join("+");

  test(`binary and large payloads over ${how}`, () =>
    withServer([], async (server) => {
      const socket = await server.connect({ transports });
      await (transports.length > 1 ? upgraded(socket) : null);
      const bytes = Buffer.alloc(256, 0);
      for (let i = 0; i < bytes.length; i++) bytes[i] = i;
      assert.deepEqual(await emitWithAck(socket, "blob", bytes, { nested: [bytes] }),
        UNKNOWN);
      assert.deepEqual(await emitWithAck(socket, "big", "x".repeat(300 * 1024)),
        UNKNOWN);
      assert.deepEqual(await emitWithAck(socket, "bigblob",
        crypto.randomBytes(300 * 1024)), UNKNOWN);
      // Still in order and alive afterwards.
      assert.deepEqual(await emitWithAck(socket, "after"), UNKNOWN);
    }));
}

test("binary and large payloads while polling", () =>
  withServer([], async (server) => {
    const socket = await server.connect({ transports: ["polling"] });
    assert.deepEqual(await emitWithAck(socket, "blob", Buffer.from([0, 1, 255])),
      UNKNOWN);
    assert.deepEqual(await emitWithAck(socket, "big", "y".repeat(300 * 1024)),
      UNKNOWN);
    assert.equal(socket.io.engine.transport.name, "polling");
  }));

test("acks: one answer per id, in order; no ack gets a message event", () =>
  withServer([], async (server) => {
    const socket = await server.connect({ transports: ["websocket"] });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => emitWithAck(socket, "e" + i, i)));
    assert.deepEqual(answers, Array(20).fill(UNKNOWN));
    const message = once(socket, "message");
    socket.emit("no_ack_please", {});
    assert.deepEqual(await message, ["error: unknown_event"]);
  }));

test("order survives the upgrade from polling to websocket", () =>
  withServer([], async (server) => {
    const socket = server.socket({
      auth: { token: await server.token() },
      transportOptions: { websocket: { agent: new SlowAgent(300) } },
    });
    await once(socket, "connect");
    assert.equal(socket.io.engine.transport.name, "polling");
    const order = [];
    const transportsSeen = new Set();
    const pending = [];
    // Keep emitting until the upgrade is done, then a few more.
    let after = 0;
    for (let i = 0; i < 2000 && after < 20; i++) {
      transportsSeen.add(socket.io.engine.transport.name);
      pending.push(emitWithAck(socket, "seq", i).then(() => order.push(i)));
      if (socket.io.engine.transport.name === "websocket") after++;
      await sleep(i % 10 === 0 ? 5 : 0);
    }
    await Promise.all(pending);
    assert.ok(transportsSeen.has("polling") && transportsSeen.has("websocket"),
      "emitted on both transports");
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
  }));


test("a message over maxPayload closes the connection", () =>
  withServer([], async (server) => {
    const socket = await server.connect({ transports: ["websocket"] });
    const gone = once(socket, "disconnect");
    socket.emit("huge", "z".repeat(1100 * 1000));
    const [reason] = await gone;
    assert.equal(reason, "transport close");
  }));

test("SIGTERM with clients connected exits 0 and disconnects them", async () => {
  const server = await new Server().start();
  const ws = await server.connect({ transports: ["websocket"] });
  const polling = await server.connect({ transports: ["polling"] });
  const closed = Promise.all([once(ws, "disconnect"), once(polling, "disconnect")]);
  const stopped = server.stop({ closeClients: false });
  const [[wsReason], [pollingReason]] = await closed;
  assert.equal(wsReason, "transport close");
  // A held poll gets the close packet; between two polls the next one fails.
  assert.ok(["transport close", "transport error"].includes(pollingReason),
    pollingReason);
  assert.equal(await stopped, 0, server.stderr);
});
