"use strict";
// Engine.IO over HTTP: error answers, overlapping and abandoned polls.
// The official socket.io-client v4 against the real server (DESIGN §3);
// each test starts its own server (harness.js).
//
// Run one: node --test-name-pattern="^acks" engineio.test.js

const assert = require("node:assert/strict");
const { test } = require("node:test");
const https = require("node:https");
const {
  rawHandshake, request, sleep, withServer,
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

