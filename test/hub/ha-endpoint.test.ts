// The hub's Home Assistant endpoint keeps each state topic's last value for Home Assistant's
// later subscriptions, and a subscription never ends on an older value than the newest the
// hub published. aedes reads its retained store for a new subscription in a stream that is
// delivered on later ticks (aedes lib/handlers/subscribe.js, completeSubscribe), after the
// subscription already takes live messages: a value published in between reached Home
// Assistant first and the older retained one after it, so Home Assistant showed the door's
// state from before the hub confirmed it (seen as "None" left in place of "closed").
import type mqtt from "mqtt";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHaEndpoint, type HaEndpoint } from "../../scripts/hub/ha-endpoint.ts";
import { PkiStore } from "../../scripts/lib/pki-store.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { until } from "../support/wait.ts";

const STATE = "latchkey-ha/door-1/cover/state";
const CONFIG = "homeassistant/cover/latchkey_door-1/cover/config";

describe("the Home Assistant endpoint's kept values", () => {
  let pki: TestPki;
  let endpoint: HaEndpoint | undefined;
  const clients: mqtt.MqttClient[] = [];

  beforeAll(async () => {
    pki = await makeTestPki();
    await pki.issue("hub", "hub");
    await pki.issue("ha", "ha");
    const dir = new PkiStore(pki.stateDir).identityDir("hub", "hub");
    endpoint = await startHaEndpoint({
      stateDir: pki.stateDir,
      identities: ["ha"],
      cert: path.join(dir, "cert.pem"),
      key: path.join(dir, "key.pem"),
      host: "127.0.0.1",
      port: 0,
      prefixes: ["latchkey"],
      onMessage: () => undefined,
      log: () => undefined,
    });
  }, 60000);
  afterAll(async () => {
    clients.forEach((c) => c.end(true));
    await endpoint?.close();
  });

  /** A Home Assistant client that records every message on `topic`, in order. */
  const homeAssistant = async (topic: string) => {
    const client = await connectTls(endpoint!.port, pki.credentials("ha", "ha"), "home-assistant");
    clients.push(client);
    const got: { payload: string; retain: boolean }[] = [];
    client.on("message", (t, payload, packet) => {
      if (t === topic) got.push({ payload: payload.toString(), retain: packet.retain });
    });
    return { client, got };
  };

  it("never leaves a new subscription on a value older than the newest published", async () => {
    // A hub with many entities; Home Assistant subscribes; the hub publishes newer values the
    // moment the subscription is made (as when a device's answer is confirmed then).
    const topics = Array.from({ length: 100 }, (_, i) => `latchkey-ha/door-${i}/cover/state`);
    for (const t of topics) await endpoint!.publish(t, "None", true);
    const client = await connectTls(endpoint!.port, pki.credentials("ha", "ha"), "home-assistant");
    clients.push(client);
    const last = new Map<string, { payload: string; retain: boolean }>();
    let count = 0;
    client.on("message", (t, payload, packet) => {
      count++;
      last.set(t, { payload: payload.toString(), retain: packet.retain });
    });
    await client.subscribeAsync("latchkey-ha/#", { qos: 1 });
    for (const t of topics) void endpoint!.publish(t, "closed", true);
    // Each topic reaches it twice: its kept value and the newer one.
    await until("every value", () => count === 2 * topics.length);
    expect(topics.filter((t) => last.get(t)?.payload !== "closed")).toEqual([]);
    // A later subscriber gets the newest alone, marked retained [MQTT-3.3.1-8].
    const later = await homeAssistant(STATE);
    await later.client.subscribeAsync("latchkey-ha/#", { qos: 1 });
    await until("the kept value", () => later.got.length === 1);
    expect(later.got).toEqual([{ payload: "closed", retain: true }]);
  });

  it("forgets a deleted discovery config: a later subscriber gets nothing for it", async () => {
    await endpoint!.publish(CONFIG, "{}", true);
    const live = await homeAssistant(CONFIG);
    await live.client.subscribeAsync("homeassistant/#", { qos: 1 });
    await until("the config", () => live.got.length === 1);
    // The discovery protocol's delete: an empty retained payload, which a subscriber sees.
    expect(await endpoint!.publish(CONFIG, "", true)).toBe(true);
    await until("the delete", () => live.got.length === 2);
    expect(live.got[1]!.payload).toBe("");
    const later = await homeAssistant(CONFIG);
    const topics: string[] = [];
    later.client.on("message", (t) => topics.push(t));
    await later.client.subscribeAsync(["homeassistant/#", "latchkey-ha/#"], { qos: 1 });
    // Kept values go out as the subscription is made, before anything published after it.
    await endpoint!.publish("latchkey-ha/door-1/last_result/state", "after", false);
    await until("the message published after subscribing", () =>
      topics.includes("latchkey-ha/door-1/last_result/state"),
    );
    expect(topics).toContain(STATE);
    expect(later.got).toEqual([]);
  });
});
