"use strict";
// A panel that floods the server with set_screen_state, 2,000 requests in
// flight at all times, until it is killed. Run by isolation.test.js in
// its own process, so that its work does not slow the measuring client.
// Usage: node flood-client.js URL TOKEN SCREEN; prints "flooding" once
// connected and joined, and on SIGTERM the acks it got by error code and
// how long it flooded ({"ok": n, "busy": n, ..., "ms": n}) before it exits.

const { io } = require("socket.io-client");

const [url, token, screen] = process.argv.slice(2);
const IN_FLIGHT = 2000;

const socket = io(url, {
  rejectUnauthorized: false, reconnection: false, transports: ["websocket"],
  auth: { token },
});
let sent = 0;
let started = 0;
const acks = { ok: 0 };

function pump() {
  while (sent < IN_FLIGHT) {
    ++sent;
    socket.emit("set_screen_state", { screen, state: { n: Date.now() } },
      (answer) => {
        const kind = answer.ok ? "ok" : answer.error;
        acks[kind] = (acks[kind] || 0) + 1;
        --sent;
        setImmediate(pump);
      });
  }
}

socket.on("connect", () => {
  socket.emit("join_screen", { screen }, () => {
    process.stdout.write("flooding\n");
    started = Date.now();
    pump();
  });
});
socket.on("connect_error", (err) => {
  process.stderr.write(`connect_error: ${err.message}\n`);
  process.exit(2);
});
process.on("SIGTERM", () => {
  acks.ms = Date.now() - started;
  process.stdout.write(JSON.stringify(acks) + "\n", () => process.exit(0));
});
