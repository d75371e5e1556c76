"use strict";
// Drives the real openmfd-server over real TLS on 127.0.0.1 for the
// Socket.IO tests: a fresh data dir per server, a client paired before the
// start (`clients add`), tokens from POST /authorise. Every wait is bounded.

const assert = require("node:assert/strict");
const { spawn, execFileSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const https = require("node:https");
const os = require("node:os");
const path = require("node:path");
const { io } = require("socket.io-client");

const SERVER = process.env.OPENMFD_SERVER
  || path.resolve(__dirname, "../../../build/openmfd-server");
const START_TIMEOUT_MS = 30000; // sanitizer builds start slowly
const STOP_TIMEOUT_MS = 15000;
const WAIT_MS = 10000;

/// Resolves with the first `event` of `emitter` (its arguments as an array),
/// rejects after `ms`.
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

/// Emits `event` with `args` and resolves with the ack's arguments.
function emitWithAck(socket, event, ...args) {
  return socket.timeout(WAIT_MS).emitWithAck(event, ...args);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/// One HTTPS request: resolves with { status, headers, body, json }.
function request(port, method, target, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined
      : typeof body === "string" || Buffer.isBuffer(body) ? body
        : JSON.stringify(body);
    const req = https.request({
      host: "127.0.0.1", port, method, path: target,
      rejectUnauthorized: false, agent: false, timeout: WAIT_MS,
      headers: payload === undefined ? headers : {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(payload),
        ...headers,
      },
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        let json;
        try { json = JSON.parse(text); } catch (_) { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json });
      });
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end(payload);
  });
}

/// One running server with its own data dir and one paired client.
class Server {
  constructor(args = []) {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "openmfd-sio-"));
    this.clientId = crypto.randomUUID();
    this.clientName = "Tablet";
    this.args = args;
    this.stdout = "";
    this.stderr = "";
  }

  /// The short id `clients revoke` accepts.
  get shortId() {
    return crypto.createHash("sha256").update(this.clientId).digest("hex")
      .slice(0, 8);
  }

  admin(...args) {
    return execFileSync(SERVER, ["clients", ...args, "--data-dir", this.dataDir],
      { encoding: "utf8", timeout: WAIT_MS });
  }

  async start() {
    this.admin("add", "--id", this.clientId, "--name", this.clientName);
    this.proc = spawn(SERVER, ["--data-dir", this.dataDir, "--bind", "127.0.0.1",
      "--port", "0", "--log-level", "debug", ...this.args],
    { stdio: ["ignore", "pipe", "pipe"] });
    this.exited = new Promise((resolve) => this.proc.on("exit",
      (code, signal) => resolve({ code, signal })));
    this.proc.stderr.on("data", (d) => { this.stderr += d; });
    this.port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(
        "server did not start: " + this.stderr)), START_TIMEOUT_MS);
      this.proc.stdout.on("data", (d) => {
        this.stdout += d;
        const m = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(this.stdout);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      this.proc.on("exit", () => reject(new Error(
        "server exited at start: " + this.stderr)));
    });
    return this;
  }

  get url() {
    return `https://127.0.0.1:${this.port}`;
  }

  /// A fresh token for the paired client.
  async token() {
    const res = await request(this.port, "POST", "/authorise",
      { body: { client_id: this.clientId, client_name: this.clientName } });
    if (res.status !== 200) throw new Error("authorise: " + res.body);
    return res.json.token;
  }

  /// A Socket.IO client that does not reconnect by itself (tests decide).
  socket(options = {}, nsp = "/") {
    const socket = io(this.url + nsp, {
      rejectUnauthorized: false, reconnection: false, forceNew: true,
      timeout: WAIT_MS, ...options,
    });
    (this.sockets ||= []).push(socket);
    return socket;
  }

  /// Connects with `auth: {token}` and resolves once connected.
  async connect(options = {}) {
    const socket = this.socket({ auth: { token: await this.token() }, ...options });
    await once(socket, "connect");
    return socket;
  }

  /// Waits until the server logged a line matching `re`.
  async waitLog(re, ms = WAIT_MS) {
    const deadline = Date.now() + ms;
    while (!re.test(this.stderr)) {
      if (Date.now() > deadline) throw new Error(`no log line ${re}:\n${this.stderr}`);
      await sleep(20);
    }
  }

  /// Closes the test's clients (unless told not to), sends SIGTERM (or
  /// `signal`) once and resolves with the exit code, or the signal's name if
  /// one ended it (SIGKILL after STOP_TIMEOUT_MS if it hangs).
  async stop({ closeClients = true, signal: sent = "SIGTERM" } = {}) {
    if (closeClients)
      for (const s of this.sockets || []) s.close();
    if (!this.stopping) {
      this.stopping = true;
      this.proc.kill(sent);
    }
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), STOP_TIMEOUT_MS);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    return code === null ? signal : code;
  }
}


/// Runs `body(server)` against a fresh server, which must then stop cleanly.
async function withServer(args, body) {
  const server = await new Server(args).start();
  try {
    await body(server);
  } catch (err) {
    err.message += "\n--- server log ---\n" + server.stderr;
    throw err;
  } finally {
    const code = await server.stop();
    assert.equal(code, 0, "server exit code; log:\n" + server.stderr);
  }
}

/// An agent that opens each connection `ms` late. Given to the websocket
/// transport only, it holds the upgrade back so that a test can send on
/// polling first.
class SlowAgent extends https.Agent {
  constructor(ms) {
    super({ rejectUnauthorized: false });
    this.ms = ms;
  }
  createConnection(options, callback) {
    setTimeout(() => {
      try {
        callback(null, https.Agent.prototype.createConnection.call(this, options));
      } catch (err) {
        callback(err);
      }
    }, this.ms);
  }
}

/// Resolves once the engine has upgraded to WebSocket.
function upgraded(socket) {
  if (socket.io.engine.transport.name === "websocket")
    return Promise.resolve();
  return once(socket.io.engine, "upgrade");
}

/// Opens a raw Engine.IO polling session; resolves with its sid.
async function rawHandshake(port) {
  const res = await request(port, "GET", "/socket.io/?EIO=4&transport=polling");
  assert.equal(res.status, 200);
  assert.match(res.body, /^0\{/);
  const open = JSON.parse(res.body.slice(1));
  assert.deepEqual(open.upgrades, ["websocket"]);
  assert.equal(open.pingInterval, 25000);
  assert.equal(open.pingTimeout, 20000);
  assert.equal(open.maxPayload, 1000000);
  return open.sid;
}

/// What the server answers to every event it does not implement.
const UNKNOWN = { ok: false, error: "unknown_event" };

module.exports = {
  Server, SlowAgent, UNKNOWN, WAIT_MS, emitWithAck, once, rawHandshake,
  request, sleep, upgraded, withServer,
};
