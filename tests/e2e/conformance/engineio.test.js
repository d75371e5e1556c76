"use strict";
// Engine.IO v4 conformance on the echo app at /engine.io/: handshake,
// messages on both transports, heartbeat, close, upgrade, maxPayload.
// See harness.js for the server under test and how to point these tests at
// another server.
//
// Run one: node --test --test-name-pattern="upgrade" engineio.test.js

const { conformanceSuite } = require("./harness");
const { engineIoCases } = require("./engine-cases");

conformanceSuite("Engine.IO echo app", () => {
  engineIoCases("/engine.io/", { echo: true });
});
