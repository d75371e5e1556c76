"use strict";
// Screen events: join, leave, set state, the broadcast to other members.
// The official socket.io-client v4 against the real server (DESIGN §3);
// each test starts its own server (harness.js).
//
// Run one: node --test-name-pattern="^acks" screens.test.js

const assert = require("node:assert/strict");
const { test } = require("node:test");
const {
  emitWithAck, once, withServer,
} = require("./harness");

test("screens: join, set state, the other member hears it", () =>
  withServer([], async (server) => {
    const a = await server.connect({ transports: ["websocket"] });
    const b = await server.connect();
    assert.deepEqual(await emitWithAck(a, "join_screen", { screen: "cockpit" }),
      { ok: true, screen: "cockpit", state: {} });
    assert.deepEqual(await emitWithAck(b, "join_screen", { screen: "cockpit" }),
      { ok: true, screen: "cockpit", state: {} });
    const heard = once(a, "screen_state");
    assert.deepEqual(await emitWithAck(b, "set_screen_state",
      { screen: "cockpit", state: { gear: "down" } }), { ok: true });
    assert.deepEqual(await heard, [{ screen: "cockpit", state: { gear: "down" } }]);
    assert.deepEqual(await emitWithAck(a, "join_screen", { screen: "" }),
      { ok: false, error: "invalid_screen" });
    assert.deepEqual(await emitWithAck(a, "leave_screen", { screen: "cockpit" }),
      { ok: true });
  }));

