"use strict";
// Authentication: tokens at CONNECT and on the handshake, namespaces,
// rotation, revocation, the 10 s deadline.
// The official socket.io-client v4 against the real server (DESIGN §3);
// each test starts its own server (harness.js).
//
// Run one: node --test-name-pattern="^acks" auth.test.js

const assert = require("node:assert/strict");
const { test } = require("node:test");
const WebSocket = require("ws");
const {
  UNKNOWN, emitWithAck, once, rawHandshake, request, withServer,
} = require("./harness");

for (const transports of [["polling", "websocket"], ["websocket"]]) {
  const how = transports.join("+");

  test(`unauthorized over ${how}: bad and missing tokens`, () =>
    withServer([], async (server) => {
      for (const auth of [{ token: "0".repeat(64) }, {}, { token: 42 }]) {
        const socket = server.socket({ auth, transports });
        const [err] = await once(socket, "connect_error");
        assert.equal(err.message, "unauthorized");
        // The server closes the session after the CONNECT_ERROR.
        if (socket.io.engine.readyState !== "closed")
          await once(socket.io.engine, "close");
      }
    }));

  test(`unknown namespace over ${how}`, () =>
    withServer([], async (server) => {
      const socket = server.socket(
        { auth: { token: await server.token() }, transports }, "/admin");
      const [err] = await once(socket, "connect_error");
      assert.equal(err.message, "Invalid namespace");
    }));
}

test("token rotation pushes a token that connects", () =>
  withServer(["--token-rotate", "1"], async (server) => {
    const socket = await server.connect({ transports: ["websocket"] });
    const [payload] = await once(socket, "token", 5000);
    assert.equal(typeof payload.token, "string");
    assert.ok(payload.token.length >= 32);
    assert.ok(payload.expires_in > 0);
    socket.close();
    const again = server.socket({ auth: { token: payload.token } });
    await once(again, "connect");
    assert.deepEqual(await emitWithAck(again, "hello"), UNKNOWN);
  }));

for (const transports of [["polling"], ["websocket"]]) {
  test(`revocation over ${transports[0]}: revoked event, then disconnect`, () =>
    withServer([], async (server) => {
      const socket = await server.connect({ transports });
      const revoked = once(socket, "revoked", 10000);
      const disconnected = once(socket, "disconnect", 10000);
      assert.match(server.admin("revoke", server.shortId), /revoked/);
      await revoked;
      // DISCONNECT came with it: the client does not retry with a dead token.
      assert.equal((await disconnected)[0], "io server disconnect");
      // Its tokens died with it (default transports: polling, then upgrade).
      const again = server.socket({ auth: { token: "x" } });
      assert.equal((await once(again, "connect_error"))[0].message, "unauthorized");
    }));
}

test("handshake ?token=: a good one connects, a bad one is 403", () =>
  withServer([], async (server) => {
    const token = await server.token();
    const socket = server.socket({ query: { token } });
    await once(socket, "connect");
    assert.deepEqual(await emitWithAck(socket, "hello"), UNKNOWN);

    const res = await request(server.port, "GET",
      "/socket.io/?EIO=4&transport=polling&token=bad");
    assert.equal(res.status, 403);
    assert.deepEqual(res.json, { code: 4, message: "Forbidden" });

    const ws = new WebSocket(`wss://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket&token=bad`,
      { rejectUnauthorized: false });
    ws.on("error", () => {});
    const [, response] = await once(ws, "unexpected-response");
    assert.equal(response.statusCode, 403);
    response.resume();
    ws.terminate();
  }));


// A revoke between a handshake whose ?token= was good and the CONNECT that
// follows (without a token) must refuse that CONNECT.
test("handshake ?token=, then a revoke: the CONNECT is refused", () =>
  withServer([], async (server) => {
    const token = await server.token();
    const res = await request(server.port, "GET",
      `/socket.io/?EIO=4&transport=polling&token=${token}`);
    assert.equal(res.status, 200);
    const sid = JSON.parse(res.body.slice(1)).sid;
    assert.match(server.admin("revoke", server.shortId), /revoked/);
    await server.waitLog(/\[auth\] info: revoked/);
    const target = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    assert.equal((await request(server.port, "POST", target, { body: "40" })).body,
      "ok");
    const answer = (await request(server.port, "GET", target)).body;
    assert.equal(answer.split("\x1e")[0], '44{"message":"unauthorized"}');
  }));

test("a session that never authenticates is closed after 10 s", () =>
  withServer([], async (server) => {
    const sid = await rawHandshake(server.port);
    const target = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    const started = Date.now();
    let body = "";
    // Answer pings, as a client would, until the server closes.
    while (Date.now() - started < 15000) {
      body = (await request(server.port, "GET", target)).body;
      if (body.split("\x1e").includes("1")) break;
      if (body.split("\x1e").includes("2"))
        await request(server.port, "POST", target, { body: "3" });
    }
    const elapsed = Date.now() - started;
    assert.ok(body.split("\x1e").includes("1"), "close packet: " + body);
    assert.ok(elapsed > 8000 && elapsed < 13000, `closed after ${elapsed} ms`);
  }));
