// `npm run pki -- ha` while the hub runs: the hub, which had no Home Assistant path at all,
// opens its endpoint within a poll of the CA's index and admits the new identity, which sees
// discovery at once; no restart. `npm run pki -- revoke ha` closes that connection and refuses
// the next. (The main broker's reload on issue: test/broker/issue-reload.)
import type mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import { pkiCli } from "../support/cli.ts";
import { connectTls } from "../support/pki.ts";
import { e2eProfile, projectWorld } from "../support/sim.ts";
import { until } from "../support/wait.ts";

describe("an `ha` identity issued while the hub runs", () => {
  const world = projectWorld([
    ["device", "door-1"],
    ["hub", "hub"],
  ]);
  let hub: Hub | undefined;
  let ha: mqtt.MqttClient | undefined;
  beforeAll(async () => {
    hub = await startHub({
      stateDir: world.pki.stateDir,
      profiles: [e2eProfile(world.broker.port)],
      broker: { host: "127.0.0.1", port: world.broker.port },
      web: { host: "127.0.0.1", port: 0 },
      homeAssistant: { host: "127.0.0.1", port: 0, allow: {}, settleMs: 0 },
      version: "0.0.0-test",
      crlPollMs: 100,
    });
    await hub.ready;
  }, 60000);
  afterAll(async () => {
    ha?.end(true);
    await hub?.stop();
  });

  it("opens the Home Assistant endpoint and admits it, without a restart", async () => {
    expect(hub!.homeAssistant).toBeUndefined();
    const issued = await pkiCli(world.pki.stateDir, ["ha"]);
    expect(issued.status).toBe(0);
    expect(issued.stdout).toContain("a running hub admits it within its CA poll");
    await until("the endpoint", () => hub!.homeAssistant !== undefined, 10000);
    ha = await connectTls(hub!.homeAssistant!.port, world.pki.credentials("ha", "ha"), "home-assistant");
    const seen = new Map<string, string>();
    ha.on("message", (topic, payload) => seen.set(topic, payload.toString()));
    await ha.subscribeAsync("homeassistant/#", { qos: 1 });
    await until("discovery", () => seen.has("homeassistant/binary_sensor/latchkey_door-1/relay/config"));
  });

  it("closes a revoked `ha` identity's connection and refuses it after", async () => {
    let closed = false;
    ha!.on("close", () => (closed = true));
    const revoked = await pkiCli(world.pki.stateDir, ["revoke", "ha"]);
    expect(revoked.status).toBe(0);
    await until("the revoked connection closed", () => closed, 10000);
    await expect(
      connectTls(hub!.homeAssistant!.port, world.pki.credentials("ha", "ha"), "home-assistant"),
    ).rejects.toThrow();
  });
});
