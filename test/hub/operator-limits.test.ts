// What one operator can do to everyone else through the hub's page, end to end (the hub on a
// real Mosquitto, the simulated device running the built bundle, HTTPS with operator
// certificates): a limited operator who floods refusals cannot push the actuations out of
// the audit log, and nobody can close the other operators' live streams by opening many.
import https from "node:https";
import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import { MAX_STREAMS_PER_OPERATOR } from "../../scripts/hub/live-feed.ts";
import { COMMAND_HEADER } from "../../scripts/hub/routes.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { bootDevice, e2eProfile, projectWorld } from "../support/sim.ts";
import { until } from "../support/wait.ts";

describe.skipIf(mosquittoMissing())("one operator against the others, through the hub's page", () => {
  const world = projectWorld([
    ["device", "door-1"],
    ["hub", "hub"],
    ["user", "alice"],
    ["user", "mallory"],
  ]);
  let hub: Hub | undefined;
  let device: SimulatedDevice | undefined;
  let start: () => Promise<void>;
  const open: IncomingMessage[] = [];

  beforeAll(async () => {
    // mallory may command only a device that does not exist here: every request is refused.
    await world.pki.issue("user", "mallory-2", { devices: ["pump-9"] });
    const door = e2eProfile(world.broker.port);
    device = await bootDevice(world.pki.stateDir, door);
    await device.waitFor(/MQTT connected/, 15000);
    start = async () => {
      hub = await startHub({
        stateDir: world.pki.stateDir,
        profiles: [door],
        broker: { host: "127.0.0.1", port: world.broker.port },
        web: { host: "127.0.0.1", port: 0 },
        version: "0.0.0-test",
        // Small files, so a flood that could rotate the log does so within the test.
        audit: { maxBytes: 8192, keep: 2 },
      });
      await hub.ready;
    };
    await start();
  }, 60000);
  afterAll(async () => {
    for (const r of open.splice(0)) r.destroy();
    device?.powerOff();
    await hub?.stop();
  });

  const agent = (name: string) => {
    const c = world.pki.credentials("user", name);
    return new https.Agent({ ca: c.ca, cert: c.cert, key: c.key, keepAlive: true, maxSockets: 4 });
  };
  const post = (via: https.Agent, body: object) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = https.request(
        new URL("/api/command", hub!.url),
        { method: "POST", agent: via, headers: { [COMMAND_HEADER]: "1", "content-type": "application/json" } },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk.toString()));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      request.on("error", reject);
      request.end(JSON.stringify(body));
    });
  /** Opens a live stream; resolves with the response, whose `ended` flag turns on when closed. */
  const stream = (name: string) =>
    new Promise<IncomingMessage & { ended?: boolean }>((resolve, reject) => {
      const c = world.pki.credentials("user", name);
      https
        .get(new URL("/events", hub!.url), { ca: c.ca, cert: c.cert, key: c.key, agent: false }, (response) => {
          const r = response as IncomingMessage & { ended?: boolean };
          open.push(r);
          r.on("data", () => undefined);
          r.on("end", () => (r.ended = true));
          r.on("close", () => (r.ended = true));
          resolve(r);
        })
        .on("error", reject);
    });

  it("a limited operator's flood of refused requests never evicts an actuation from the audit log", async () => {
    const alice = agent("alice");
    const pressed = await post(alice, { device: "door-1", entity: "relay", cmd: "ON" });
    expect(JSON.parse(pressed.body)).toEqual({ accepted: true, detail: "relay ON", said: "done, relay ON" });
    const actuation = hub!.audit.recent(10).filter((r) => r.who === "alice");
    expect(actuation.map((r) => r.phase)).toEqual(["result", "sent"]);
    const mallory = agent("mallory-2");
    for (let i = 0; i < 600; i++) {
      const answer = await post(mallory, { device: `door-${i}`, entity: "relay", cmd: "ON" });
      expect(answer.status).toBe(404);
    }
    // The actuation is still there, whole, however many refusals came after it.
    const kept = hub!.audit.recent(100000);
    expect(kept.filter((r) => r.who === "alice")).toEqual(actuation);
    // Refusals are recorded, at a bounded rate, and what was left out is said.
    const denied = kept.filter((r) => r.who === "mallory-2");
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.length).toBeLessThan(60);
    // Stopping the hub writes what is still held back: every refusal is then accounted for.
    await hub!.stop();
    const all = hub!.audit.recent(100000).filter((r) => r.who === "mallory-2");
    const summaries = all.map((r) => /^(\d+) more refusals not recorded since /.exec(r.detail ?? "")).filter((m) => m);
    expect(summaries.length).toBeGreaterThan(0);
    expect(all.length - summaries.length + summaries.reduce((n, m) => n + Number(m![1]), 0)).toBe(600);
    expect(hub!.audit.recent(100000).filter((r) => r.who === "alice")).toEqual(actuation);
    alice.destroy();
    mallory.destroy();
    await start();
  }, 120000);

  it("opening many live streams closes only the opener's own oldest, never another operator's", async () => {
    const alices = await stream("alice");
    const mallorys: (IncomingMessage & { ended?: boolean })[] = [];
    for (let i = 0; i < 70; i++) mallorys.push(await stream("mallory"));
    await until("mallory's oldest streams to close", () =>
      mallorys.slice(0, 70 - MAX_STREAMS_PER_OPERATOR).every((r) => r.ended),
    );
    expect(mallorys.slice(70 - MAX_STREAMS_PER_OPERATOR).some((r) => r.ended)).toBe(false);
    expect(alices.ended).toBeFalsy();
    // alice's stream still carries updates: her press shows up on it.
    let seen = "";
    alices.on("data", (chunk: Buffer) => (seen += chunk.toString()));
    const alice = agent("alice");
    const pressed = await post(alice, { device: "door-1", entity: "relay", cmd: "OFF" });
    alice.destroy();
    expect(JSON.parse(pressed.body)).toEqual({ accepted: true, detail: "relay OFF", said: "done, relay OFF" });
    await until("alice's stream to carry the audit record", () => seen.includes('"cmd":"OFF"'));
  }, 60000);
});
