"use strict";
// Input events end to end (DESIGN §3, §6): the official socket.io-client v4
// runs Star Citizen fixture actions, presses and holds keys on the real
// server, whose record backend writes one JSON line per key event
// ({"t_ns", "key", "hid", "down"}). The tests read those lines back: which
// keys, in which order, how far apart (±10 ms of the key script).
//
// Run one: node --test-name-pattern="^input: two panels" input.test.js

const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { test } = require("node:test");
const {
  Server, WAIT_MS, emitWithAck, once, sleep, withServer,
} = require("./harness");

const FIXTURES = process.env.OPENMFD_FIXTURES
  || path.resolve(__dirname, "../../../../shared/fixtures");
const BINDINGS = path.join(FIXTURES, "starcitizen", "bindings.json");
const TOLERANCE_MS = 10;

/// The server's key events, as the record backend wrote them.
class Recording {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "openmfd-rec-"));
    this.file = path.join(this.dir, "keys.jsonl");
  }

  events() {
    if (!fs.existsSync(this.file)) return [];
    return fs.readFileSync(this.file, "utf8").split("\n").filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  /// The events from index `from` on, as [key, down] pairs.
  keys(from = 0) {
    return this.events().slice(from).map((e) => [e.key, e.down]);
  }

  /// Resolves with the events once `done(events)` holds (bounded).
  async waitFor(done, ms = WAIT_MS) {
    const deadline = Date.now() + ms;
    for (;;) {
      const events = this.events();
      if (done(events)) return events;
      if (Date.now() > deadline)
        throw new Error("recording: " + JSON.stringify(events));
      await sleep(10);
    }
  }

  remove() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/// Runs `body(server, recording)` against a server with the record backend
/// and the fixture bindings; the server must then stop cleanly (exit 0).
async function withRecorder(args, body, stopOptions = {}) {
  const rec = new Recording();
  const server = await new Server(["--injector", "record",
    "--record-file", rec.file, "--bindings", BINDINGS, ...args]).start();
  try {
    await body(server, rec);
  } catch (err) {
    err.message += "\n--- server log ---\n" + server.stderr;
    throw err;
  } finally {
    const code = await server.stop(stopOptions);
    rec.remove();
    assert.equal(code, 0, "server exit code; log:\n" + server.stderr);
  }
}

/// Asserts that `events` are `expected`: [key, down, ms after the previous
/// event] rows (the first row's ms is ignored), each gap within ±10 ms.
function assertScript(events, expected) {
  assert.deepEqual(events.map((e) => [e.key, e.down]),
    expected.map(([key, down]) => [key, down]));
  for (let i = 1; i < events.length; ++i) {
    const gap = (events[i].t_ns - events[i - 1].t_ns) / 1e6;
    const want = expected[i][2];
    assert.ok(Math.abs(gap - want) <= TOLERANCE_MS,
      `step ${i} (${events[i].key} ${events[i].down ? "down" : "up"}): `
      + `${gap.toFixed(1)} ms after the previous one, expected ${want} ms`);
  }
}

const OK = { ok: true };
const failed = (error) => ({ ok: false, error });

// With --key-hold-ms 50 (the default): hold H = 50 ms, modifier gap 10 ms.
// press: M+ G K+ H K- G M-.
const EXIT_SCRIPT = [["lalt", true, 0], ["f", true, 10], ["f", false, 50],
  ["lalt", false, 10]];
// double_tap: M+ G K+ h K- h K+ h K- G M-, h = min(H, 250 ms / 4) = 50 ms.
const EJECT_SCRIPT = [["lalt", true, 0], ["l", true, 10], ["l", false, 50],
  ["l", true, 50], ["l", false, 50], ["lalt", false, 10]];
// delayed_press: K held for the 250 ms press threshold plus H.
const AUTOLAND_SCRIPT = [["n", true, 0], ["n", false, 300]];

test("input: fixture actions of three modes, in order and on time", () =>
  withRecorder([], async (server, rec) => {
    const socket = await server.connect({ transports: ["websocket"] });
    const cases = [
      ["spaceship_general.v_exit", EXIT_SCRIPT],                // press
      ["spaceship_general.v_eject", EJECT_SCRIPT],              // double_tap
      ["spaceship_movement.v_autoland", AUTOLAND_SCRIPT],       // delayed_press
    ];
    for (const [name, script] of cases) {
      const before = rec.events().length;
      assert.deepEqual(await emitWithAck(socket, "run_action", { name }), OK);
      // The ack comes after the last key event, which is already written.
      assertScript(rec.events().slice(before), script);
    }
    await server.waitLog(/spaceship_general\.v_exit for Tablet/);
  }));

test("input: press with a mode, and the message event without an ack", () =>
  withRecorder([], async (server, rec) => {
    const socket = await server.connect();
    assert.deepEqual(await emitWithAck(socket, "press",
      { keys: "LAlt+F", mode: "tap" }), OK);
    assertScript(rec.events(), EXIT_SCRIPT); // tap: K held min(H, 125 ms)
    const done = once(socket, "message");
    socket.emit("run_action", { name: "spaceship_movement.v_autoland" });
    assert.deepEqual(await done, ["done"]);
    assertScript(rec.events().slice(4), AUTOLAND_SCRIPT);
    const error = once(socket, "message");
    socket.emit("run_action", { name: "no.such_action" });
    assert.deepEqual(await error, ["error: unknown_action"]);
  }));

test("input: list_actions gives every fixture action", () =>
  withRecorder([], async (server) => {
    const socket = await server.connect();
    const fixture = JSON.parse(fs.readFileSync(BINDINGS, "utf8"));
    const answer = await emitWithAck(socket, "list_actions", {});
    assert.equal(answer.ok, true);
    assert.equal(answer.actions.length, Object.keys(fixture).length);
    for (const action of answer.actions)
      assert.deepEqual(Object.keys(action).sort(),
        ["activation_mode", "description", "keys", "name"]);
    const byName = new Map(answer.actions.map((a) => [a.name, a]));
    assert.deepEqual(byName.get("spaceship_general.v_exit"), {
      name: "spaceship_general.v_exit",
      description: fixture["spaceship_general.v_exit"].description,
      activation_mode: "press", keys: "lalt+f",
    });
    assert.equal(byName.get("spaceship_general.v_eject").activation_mode,
      "double_tap");
  }));

test("input: errors are acks with a code, and press nothing", () =>
  withRecorder([], async (server, rec) => {
    const socket = await server.connect();
    const fixture = JSON.parse(fs.readFileSync(BINDINGS, "utf8"));
    const unbound = Object.keys(fixture).find((name) => {
      const keyboard = fixture[name].device.keyboard;
      return keyboard === null || keyboard.trim() === "";
    });
    assert.ok(unbound, "the fixture has an action without a keyboard binding");
    const cases = [
      ["run_action", [{ name: "no.such_action" }], "unknown_action"],
      ["run_action", [{ name: "spaceship_view.v_view_zoom_in" }],
        "unsupported_binding"], // mwheel_up
      ["run_action", [{ name: unbound }], "no_keyboard_binding"],
      ["run_action", [], "bad_request"],
      ["run_action", ["spaceship_general.v_exit"], "bad_request"],
      ["run_action", [{ name: 7 }], "bad_request"],
      ["run_action", [{ name: "spaceship_general.v_exit", ts: "now" }],
        "bad_request"],
      ["press", [{ keys: "lalt+f", mode: 3 }], "bad_request"],
      ["press", [{ mode: "tap" }], "bad_request"],
      ["press", [{ keys: "lalt+nosuchkey" }], "unknown_key"],
      ["press", [{ keys: "mwheel_up" }], "unsupported_binding"],
      ["press", [{ keys: "f", mode: "sideways" }], "unknown_activation_mode"],
      ["key_down", [{}], "bad_request"],
      ["key_down", [{ keys: "f+f" }], "duplicate_key"],
      ["key_up", [{ keys: 5 }], "bad_request"],
    ];
    for (const [event, args, code] of cases)
      assert.deepEqual(await emitWithAck(socket, event, ...args), failed(code),
        `${event} ${JSON.stringify(args)}`);
    assert.deepEqual(rec.events(), []);
  }));

test("input: key_down and key_up of a combo; release_all", () =>
  withRecorder([], async (server, rec) => {
    const socket = await server.connect({ transports: ["websocket"] });
    assert.deepEqual(await emitWithAck(socket, "key_down", { keys: "lshift+a" }), OK);
    assert.deepEqual(rec.keys(), [["lshift", true], ["a", true]]);
    assert.deepEqual(await emitWithAck(socket, "key_up", { keys: "lshift+a" }), OK);
    // The key goes up first, then its modifier.
    assert.deepEqual(rec.keys(2), [["a", false], ["lshift", false]]);
    assert.deepEqual(await emitWithAck(socket, "key_down", { keys: "w" }), OK);
    assert.deepEqual(await emitWithAck(socket, "key_down", { keys: "rctrl" }), OK);
    assert.deepEqual(await emitWithAck(socket, "release_all", {}), OK);
    assert.deepEqual(rec.keys(4).sort(), [["rctrl", false], ["rctrl", true],
      ["w", false], ["w", true]].sort());
    assert.deepEqual(rec.keys(6).length, 2);
  }));

test("input: two panels holding one key: it goes up after both let go", () =>
  withRecorder([], async (server, rec) => {
    const a = await server.connect({ transports: ["websocket"] });
    const b = await server.connect();
    assert.deepEqual(await emitWithAck(a, "key_down", { keys: "lshift" }), OK);
    assert.deepEqual(await emitWithAck(b, "key_down", { keys: "lshift" }), OK);
    assert.deepEqual(await emitWithAck(a, "key_up", { keys: "lshift" }), OK);
    await sleep(100);
    assert.deepEqual(rec.keys(), [["lshift", true]]);
    assert.deepEqual(await emitWithAck(b, "key_up", { keys: "lshift" }), OK);
    assert.deepEqual(rec.keys(), [["lshift", true], ["lshift", false]]);
  }));

/// A panel in its own process that holds `keys` and says "held".
function holdInChild(server, token, keys) {
  const child = spawn(process.execPath, ["-e", `
    const { io } = require("socket.io-client");
    const socket = io(process.env.URL, { rejectUnauthorized: false,
      reconnection: false, transports: ["websocket"],
      auth: { token: process.env.TOKEN } });
    socket.on("connect", async () => {
      const answer = await socket.timeout(10000).emitWithAck("key_down",
        { keys: process.env.KEYS });
      console.log(answer.ok ? "held" : "failed " + JSON.stringify(answer));
    });
    setInterval(() => {}, 1000);`],
  { cwd: __dirname, stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, URL: server.url, TOKEN: token, KEYS: keys } });
  const said = once(child.stdout, "data").then(([d]) => String(d).trim());
  return { child, said };
}

test("input: a panel killed while holding a key: the key goes up", () =>
  withRecorder([], async (server, rec) => {
    const { child, said } = holdInChild(server, await server.token(), "lctrl");
    try {
      assert.equal(await said, "held");
      assert.deepEqual(rec.keys(), [["lctrl", true]]);
      child.kill("SIGKILL");
      await rec.waitFor((events) => events.length === 2);
      assert.deepEqual(rec.keys(), [["lctrl", true], ["lctrl", false]]);
      await server.waitLog(/Tablet is gone: its keys go up/);
    } finally {
      child.kill("SIGKILL");
    }
  }));

// A dead link (here a frozen process: its socket stays open, nothing
// answers) holds its keys until the heartbeat gives up, 45 s. When the
// same client connects again, the old session must answer a ping within
// 5 s or close.
test("input: a panel that connects again: its silent old session lets go within 5 s", () =>
  withRecorder([], async (server, rec) => {
    const { child, said } = holdInChild(server, await server.token(), "lctrl");
    try {
      assert.equal(await said, "held");
      child.kill("SIGSTOP");
      const again = await server.connect({ transports: ["websocket"] });
      const reconnected = Date.now();
      await rec.waitFor((events) => events.length === 2, 8000);
      const waited = Date.now() - reconnected;
      assert.deepEqual(rec.keys(), [["lctrl", true], ["lctrl", false]]);
      assert.ok(waited >= 4000 && waited < 8000, `key up after ${waited} ms`);
      // The new session is not the one closed.
      assert.deepEqual(await emitWithAck(again, "release_all"), OK);
    } finally {
      child.kill("SIGKILL");
    }
  }));

// SIGHUP: the terminal the server runs in was closed. SIGINT with the
// output pipes closed: Ctrl+C on `openmfd-server | tee log` ends tee too,
// and the server's next log line goes to a pipe nobody reads, which must
// not end it before the keys go up.
for (const { signal, pipesClosed } of [{ signal: "SIGTERM" },
  { signal: "SIGHUP" }, { signal: "SIGINT", pipesClosed: true }])
  test(`input: ${signal}${pipesClosed ? " with its output pipes closed" : ""}`
    + " with a key held: the key goes up, exit 0", async () => {
    const rec = new Recording();
    const server = await new Server(["--injector", "record",
      "--record-file", rec.file]).start();
    try {
      const socket = await server.connect({ transports: ["websocket"] });
      assert.deepEqual(await emitWithAck(socket, "key_down", { keys: "space" }), OK);
      if (pipesClosed) {
        server.proc.stdout.destroy();
        server.proc.stderr.destroy();
      } else {
        await server.waitLog(/bindings: the built-in generic profile/);
      }
      assert.equal(await server.stop({ closeClients: false, signal }), 0,
        server.stderr);
      assert.deepEqual(rec.keys(), [["space", true], ["space", false]]);
    } finally {
      rec.remove();
    }
  });

test("input: a flood of actions is refused with busy, not queued", () =>
  withRecorder([], async (server, rec) => {
    const socket = await server.connect({ transports: ["websocket"] });
    const answers = await Promise.all(Array.from({ length: 20 }, () =>
      emitWithAck(socket, "run_action", { name: "spaceship_general.v_exit" })));
    const ok = answers.filter((a) => a.ok).length;
    const busy = answers.filter((a) => a.error === "busy").length;
    assert.equal(ok + busy, 20, JSON.stringify(answers));
    assert.ok(ok >= 1 && busy >= 1, JSON.stringify(answers));
    // Only the accepted ones were typed.
    assert.equal(rec.events().filter((e) => e.key === "f" && e.down).length, ok);
  }));

test("input: an action buffered while disconnected and sent late is stale", () =>
  withRecorder(["--stale-after", "0.5"], async (server, rec) => {
    const token = await server.token();
    // auth as a function: each CONNECT carries the client's clock now.
    const socket = server.socket({ autoConnect: false, transports: ["websocket"],
      auth: (cb) => cb({ token, ts: Date.now() }) });
    // socket.io-client buffers an emit made while disconnected and sends
    // it after the next CONNECT.
    const late = emitWithAck(socket, "run_action",
      { name: "spaceship_general.v_exit", ts: Date.now() });
    await sleep(1000);
    socket.connect();
    assert.deepEqual(await late, failed("stale"));
    assert.deepEqual(await emitWithAck(socket, "press",
      { keys: "f", ts: Date.now() - 3000 }), failed("stale"));
    assert.deepEqual(await emitWithAck(socket, "run_action",
      { name: "spaceship_general.v_exit", ts: Date.now() }), OK);
    assert.equal(rec.events().length, 4);
    // Without a ts at CONNECT the server cannot judge: ts is ignored.
    const plain = await server.connect();
    assert.deepEqual(await emitWithAck(plain, "press",
      { keys: "f", ts: Date.now() - 3000 }), OK);
  }));

test("input: a key held past --max-hold goes up and the panel is told", () =>
  withRecorder(["--max-hold", "0.3"], async (server, rec) => {
    const socket = await server.connect();
    const released = once(socket, "key_released");
    assert.deepEqual(await emitWithAck(socket, "key_down", { keys: "x" }), OK);
    assert.deepEqual(await released, [{ keys: "x", reason: "max_hold" }]);
    // Never early; late only by a timer's wake-up, which a loaded machine
    // (the sanitizer suite on two cores) can stretch past the 10 ms that
    // scripted holds are held to.
    const events = rec.events();
    assert.deepEqual(events.map((e) => [e.key, e.down]),
      [["x", true], ["x", false]]);
    const held = (events[1].t_ns - events[0].t_ns) / 1e6;
    assert.ok(held >= 300 - 1 && held <= 300 + 200, `held ${held} ms`);
    // Letting go of it now is fine, and presses nothing.
    assert.deepEqual(await emitWithAck(socket, "key_up", { keys: "x" }), OK);
    assert.equal(rec.events().length, 2);
  }));

test("input: --dry-run-delay-ms makes each key event that slow", () =>
  withServer(["--injector", "dry-run", "--dry-run-delay-ms", "40",
    "--key-hold-ms", "0", "--bindings", BINDINGS], async (server) => {
    const socket = await server.connect();
    const started = Date.now();
    // spaceship_general.v_exit is lalt+f: four key events, no waits at
    // --key-hold-ms 0, so the ack's delay is the backend's alone.
    assert.deepEqual(await emitWithAck(socket, "run_action",
      { name: "spaceship_general.v_exit" }), OK);
    const took = Date.now() - started;
    assert.ok(took >= 4 * 40 - 5, `acked after ${took} ms`);
    assert.ok(took < 4 * 40 + 1000, `acked after ${took} ms`);
  }));
