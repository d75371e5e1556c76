"use strict";
// Engine.IO over HTTP: error answers, overlapping and abandoned polls.
// The official socket.io-client v4 against the real server (DESIGN §3);
// each test starts its own server (harness.js).
//
// Run one: node --test-name-pattern="^acks" engineio.test.js

const assert = require("node:assert/strict");
const { test } = require("node:test");
const https = require("node:https");
const WebSocket = require("ws");
const {
  WAIT_MS, once, rawHandshake, request, sleep, withServer,
} = require("./harness");

test("engine.io HTTP errors", () =>
  withServer([], async (server) => {
    const cases = [
      ["GET", "/socket.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA", 400, 1],
      ["GET", "/socket.io/?EIO=4&transport=carrier-pigeon", 400, 0],
      ["GET", "/socket.io/?EIO=3&transport=polling", 400, 5],
      ["POST", "/socket.io/?EIO=4&transport=polling", 400, 2],
      ["GET", "/socket.io/?EIO=4&transport=websocket", 400, 3], // no Upgrade
    ];
    for (const [method, target, status, code] of cases) {
      const res = await request(server.port, method, target,
        method === "POST" ? { body: "1:6" } : {});
      assert.equal(res.status, status, target);
      assert.equal(res.json.code, code, target);
      assert.equal(typeof res.json.message, "string");
    }
  }));


// A poll whose request asks for a WebSocket would be held on a connection
// that cannot tell when the client hangs up: engine.io refuses it.
test("a poll asking for a WebSocket upgrade is refused", () =>
  withServer([], async (server) => {
    const sid = await rawHandshake(server.port);
    const res = await request(server.port, "GET",
      `/socket.io/?EIO=4&transport=polling&sid=${sid}`,
      { headers: { Upgrade: "websocket", Connection: "Upgrade" } });
    assert.equal(res.status, 400);
    assert.equal(res.json.code, 3);
  }));

test("a second concurrent poll closes the session", () =>
  withServer([], async (server) => {
    const sid = await rawHandshake(server.port);
    const target = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    const first = request(server.port, "GET", target);
    await sleep(200);
    const second = await request(server.port, "GET", target);
    assert.equal(second.status, 400);
    const held = await first;
    assert.equal(held.body, "1"); // the close packet
    const after = await request(server.port, "GET", target);
    assert.equal(after.json.code, 1);
  }));

test("a client that hangs up a held poll ends the session at once", () =>
  withServer([], async (server) => {
    const sid = await rawHandshake(server.port);
    const target = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    const req = https.request({ host: "127.0.0.1", port: server.port, path: target,
      rejectUnauthorized: false, agent: false });
    req.on("error", () => {});
    req.end();
    await sleep(300);
    req.destroy();
    await server.waitLog(/poll closed by the client/, 3000);
    const after = await request(server.port, "GET", target);
    assert.equal(after.json.code, 1);
  }));

// The client pauses polling once it has "3probe"; a CONNECT refused after
// that has no poll left to ride on, so the session keeps the probe and says
// why over the WebSocket once the client finishes its upgrade.
test("a CONNECT refused during the upgrade reaches the client over the WebSocket", () =>
  withServer([], async (server) => {
    const sid = await rawHandshake(server.port);
    const polling = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    const ws = new WebSocket(
      `wss://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket&sid=${sid}`,
      { rejectUnauthorized: false });
    const frames = [];
    ws.on("message", (data) => frames.push(data.toString()));
    const closed = once(ws, "close");
    await once(ws, "open");
    ws.send("2probe");
    for (let i = 0; i < WAIT_MS / 10 && !frames.includes("3probe"); ++i)
      await sleep(10);
    assert.deepEqual(frames, ["3probe"]);
    // Paused: the poll ends at once with a noop.
    assert.equal((await request(server.port, "GET", polling)).body, "6");
    const posted = await request(server.port, "POST", polling,
      { body: '40{"token":"x"}', headers: { "Content-Type": "text/plain" } });
    assert.equal(posted.status, 200);
    await sleep(200); // the auth actor refuses the token meanwhile
    ws.send("5");
    await closed;
    assert.deepEqual(frames, ["3probe", '44{"message":"unauthorized"}']);
    assert.equal((await request(server.port, "GET", polling)).status, 400);
  }));
