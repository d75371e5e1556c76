"use strict";
// Protocol conformance of the Engine.IO v4 / Socket.IO v5 server code.
//
// The server under test is build/openmfd-sio-conformance (tools/conformance/):
// the project's Engine.IO and Socket.IO code serving two test apps,
//   /engine.io/  a raw Engine.IO echo (every message sent back unchanged),
//   /socket.io/  a Socket.IO app: on connect it emits "auth" with the
//                CONNECT payload, answers "message" with "message-back" and
//                acks "message-with-ack" with the same arguments; namespace
//                "/custom" only emits "auth".
// Both with pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1000000 and
// (Socket.IO) connectTimeout 1000 ms.
//
// One server per test file: spawned with `--port 0 --plain` (the path in
// OPENMFD_CONFORMANCE, default build/openmfd-sio-conformance), stopped with
// SIGTERM at the end; it must exit 0 without a sanitizer report.
// OPENMFD_CONFORMANCE_URL=http://127.0.0.1:PORT runs the same tests against
// a server that is already running (nothing spawned). OPENMFD_CONFORMANCE_TLS=1
// spawns it without --plain (HTTPS/wss, certificate not checked).
//
// Every wait here is bounded; every test has a timeout.

const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const path = require("node:path");
const { after, afterEach, before, describe, it } = require("node:test");
const WebSocket = require("ws");

const BINARY = process.env.OPENMFD_CONFORMANCE
  || path.resolve(__dirname, "../../../build/openmfd-sio-conformance");
const EXTERNAL_URL = process.env.OPENMFD_CONFORMANCE_URL;
const TLS = process.env.OPENMFD_CONFORMANCE_TLS === "1"
  || /^https:/.test(EXTERNAL_URL || "");
if (TLS) process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"; // self-signed

// What the apps announce.
const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;
const MAX_PAYLOAD = 1000000;
const CONNECT_TIMEOUT = 1000;

const START_TIMEOUT_MS = 30000; // sanitizer builds start slowly
const STOP_TIMEOUT_MS = 15000;
const WAIT_MS = 5000;            // one answer from the server
const TEST_TIMEOUT_MS = 15000;   // one test
// What tells a sanitizer found something, whatever the exit code.
const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/;

const SEP = "\x1e"; // the record separator between packets of a payload

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/// The server under test: spawned, or the one at OPENMFD_CONFORMANCE_URL.
class ConformanceServer {
  async start() {
    this.stderr = "";
    this.stdout = "";
    if (EXTERNAL_URL) {
      this.url = EXTERNAL_URL.replace(/\/+$/, "");
      return this;
    }
    const args = ["--port", "0"];
    if (!TLS) args.push("--plain");
    this.proc = spawn(BINARY, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.exited = new Promise((resolve) => this.proc.on("exit",
      (code, signal) => resolve({ code, signal })));
    this.proc.stderr.on("data", (d) => { this.stderr += d; });
    const scheme = TLS ? "https" : "http";
    this.url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(
        `${BINARY} did not start in ${START_TIMEOUT_MS} ms:\n${this.stderr}`)),
      START_TIMEOUT_MS);
      this.proc.on("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${BINARY}: ${err.message}`));
      });
      this.proc.stdout.on("data", (d) => {
        const had = this.stdout.includes("\n");
        this.stdout += d;
        if (had || !this.stdout.includes("\n")) return;
        clearTimeout(timer);
        const first = this.stdout.slice(0, this.stdout.indexOf("\n"));
        const m = new RegExp(`^listening on (${scheme}://127\\.0\\.0\\.1:(\\d+))\\s*$`)
          .exec(first);
        if (m && Number(m[2]) > 0) resolve(m[1]);
        else reject(new Error(`first stdout line is not "listening on ` +
          `${scheme}://127.0.0.1:PORT": ${JSON.stringify(first)}`));
      });
      this.proc.on("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${BINARY} exited at start (${code ?? signal}):\n` +
          this.stderr));
      });
    });
    return this;
  }

  get wsUrl() {
    return this.url.replace(/^http/, "ws");
  }

  /// SIGTERM, then waits for the exit (SIGKILL after STOP_TIMEOUT_MS).
  /// Throws unless it exited 0 without a sanitizer report.
  async stop() {
    if (!this.proc) return;
    if (this.proc.exitCode === null && this.proc.signalCode === null)
      this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), STOP_TIMEOUT_MS);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    assert.equal(code, 0, `exit code (signal ${signal}); stderr:\n${this.stderr}`);
    assert.doesNotMatch(this.stderr, SANITIZER_REPORT, "sanitizer report on stderr");
  }
}

// ---------------------------------------------------------------- HTTP

let server; // the running ConformanceServer of this file
const live = new Set(); // what afterEach closes: sockets, aborters, clients

/// One HTTP request with the global fetch: resolves { status, text }.
/// `signal` aborts it early; it fails after `ms`.
async function http(method, target, { body, signal, ms = WAIT_MS, headers } = {}) {
  const signals = [AbortSignal.timeout(ms)];
  if (signal) signals.push(signal);
  const res = await fetch(server.url + target, {
    method, body, headers, signal: AbortSignal.any(signals),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/// The Engine.IO URL of an app (`/engine.io/` or `/socket.io/`).
function eioPath(app, query) {
  return `${app}?${query}`;
}

/// Opens a polling session on `app`; resolves { sid, open } (the parsed
/// OPEN packet), after checking the answer is an OPEN packet.
async function openPolling(app) {
  const res = await http("GET", eioPath(app, "EIO=4&transport=polling"));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text[0], "0", `OPEN packet expected, got ${res.text}`);
  const open = JSON.parse(res.text.slice(1));
  return { sid: open.sid, open };
}

/// The polling URL of session `sid`.
function pollPath(app, sid) {
  return eioPath(app, `EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`);
}

/// A GET on session `sid`, which the test may abort (`.abort()`).
function poll(app, sid, { ms = WAIT_MS } = {}) {
  const controller = new AbortController();
  live.add(controller);
  const result = http("GET", pollPath(app, sid), { signal: controller.signal, ms });
  result.abort = () => controller.abort();
  result.catch(() => {}); // a test that aborts it does not await it
  return result;
}

function post(app, sid, body, opts = {}) {
  return http("POST", pollPath(app, sid), { body, ...opts });
}

// ----------------------------------------------------------- WebSocket

/// A raw WebSocket that keeps every frame it receives in order: text frames
/// as strings, binary frames as Buffers. With `autoPong` it answers every
/// Engine.IO ping ("2") with a pong ("3") at once (pings stay in the queue;
/// `next()` skips them unless asked for).
class RawSocket {
  constructor(target, { autoPong = false } = {}) {
    this.ws = new WebSocket(server.wsUrl + target);
    this.frames = [];
    this.waiter = null;
    this.autoPong = autoPong;
    this.error = null;
    this.wasOpen = false;
    live.add(this);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => { this.wasOpen = true; resolve(); });
      this.ws.once("close", () => reject(new Error(
        `WebSocket closed before it opened: ${this.error?.message}`)));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => this.ws.once("close",
      (code, reason) => {
        this.closedAt = Date.now();
        resolve({ code, reason: reason.toString() });
        this.wake();
      }));
    this.ws.on("error", (err) => { this.error = err; });
    this.ws.on("message", (data, isBinary) => {
      const frame = isBinary ? Buffer.from(data) : data.toString("utf8");
      if (this.autoPong && frame === "2") this.send("3");
      this.frames.push({ frame, at: Date.now() });
      this.wake();
    });
  }

  wake() {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w();
    }
  }

  get isClosed() {
    return this.closedAt !== undefined;
  }

  send(data) {
    if (this.ws.readyState === WebSocket.OPEN)
      this.ws.send(data, { binary: Buffer.isBuffer(data) });
  }

  /// The next frame ({ frame, at }), skipping pings unless `pings`.
  async nextEntry({ ms = WAIT_MS, pings = false } = {}) {
    const deadline = Date.now() + ms;
    for (;;) {
      while (this.frames.length) {
        const entry = this.frames.shift();
        if (pings || entry.frame !== "2") return entry;
      }
      if (this.isClosed)
        throw new Error("WebSocket closed while a frame was awaited");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${ms} ms`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  async next(opts) {
    return (await this.nextEntry(opts)).frame;
  }

  /// Resolves with { code, reason } once closed; fails after `ms`.
  async closedWithin(ms = WAIT_MS) {
    let timer;
    try {
      return await Promise.race([this.closed, new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(
          `WebSocket still open after ${ms} ms`)), ms);
      })]);
    } finally {
      clearTimeout(timer);
    }
  }

  /// The connection was refused or dropped without ever opening.
  async refused(ms = WAIT_MS) {
    await this.closedWithin(ms);
    assert.equal(this.wasOpen, false, "the WebSocket upgrade was accepted");
  }

  close() {
    this.ws.terminate();
  }
}

/// Opens a WebSocket session on `app` (no sid) and reads its OPEN packet.
async function openWebSocket(app, opts) {
  const sock = new RawSocket(eioPath(app, "EIO=4&transport=websocket"), opts);
  const first = await sock.next();
  assert.equal(typeof first, "string");
  assert.equal(first[0], "0", `OPEN packet expected, got ${first}`);
  sock.open = JSON.parse(first.slice(1));
  return sock;
}

/// Checks an OPEN packet's fields: exactly these keys and values.
function checkOpen(open, upgrades) {
  assert.deepEqual(Object.keys(open).sort(),
    ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
  assert.equal(typeof open.sid, "string");
  assert.ok(open.sid.length > 0, "empty sid");
  assert.deepEqual(open.upgrades, upgrades);
  assert.equal(open.pingInterval, PING_INTERVAL);
  assert.equal(open.pingTimeout, PING_TIMEOUT);
  assert.equal(open.maxPayload, MAX_PAYLOAD);
}

// ------------------------------------------------------------- suites

/// describe() with one server for the whole block, each test bounded.
function conformanceSuite(name, body) {
  describe(name, () => {
    before(async () => { server = await new ConformanceServer().start(); },
      { timeout: START_TIMEOUT_MS + 5000 });
    afterEach(() => {
      for (const thing of live) {
        try {
          if (thing instanceof AbortController) thing.abort();
          else thing.close();
        } catch (_) { /* already gone */ }
      }
      live.clear();
    });
    after(async () => { if (server) await server.stop(); },
      { timeout: STOP_TIMEOUT_MS + 5000 });
    body();
  });
}

/// it() with a bounded time (TEST_TIMEOUT_MS unless told).
function check(name, fn, ms = TEST_TIMEOUT_MS) {
  it(name, { timeout: ms }, fn);
}

/// Registers something for afterEach to close (it needs a close()).
function track(thing) {
  live.add(thing);
  return thing;
}

module.exports = {
  CONNECT_TIMEOUT, MAX_PAYLOAD, PING_INTERVAL, PING_TIMEOUT, SEP, WAIT_MS,
  RawSocket, check, checkOpen, conformanceSuite, eioPath, http, openPolling,
  openWebSocket, poll, pollPath, post, sleep, track,
  serverUnderTest: () => server,
};
