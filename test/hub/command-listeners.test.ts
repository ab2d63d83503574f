// Many signed commands in flight on one client (the hub's): each used to add its own
// `message` listener (Node warned past 10, and every message cost a call per command) and to
// subscribe to its device's nonce and result topics, never unsubscribed. Now one listener per
// client dispatches by topic, and a client that already follows the devices (the hub,
// `covered`) makes no subscription per command (scripts/lib/signing.ts).
import { randomBytes } from "node:crypto";
import type mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import { sendSignedCommand } from "../../scripts/lib/signing.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { connectTls } from "../support/pki.ts";
import { projectWorld } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const DEVICES = 20;

describe.skipIf(mosquittoMissing())("signed commands in flight on one client", () => {
  const world = projectWorld([["hub", "hub"]]);

  it("share one message listener and, when covered, subscribe to nothing", async () => {
    const client: mqtt.MqttClient = await connectTls(world.broker.port, world.pki.credentials("hub", "hub"));
    try {
      const baseline = client.listenerCount("message");
      const sent: string[] = [];
      client.on("packetsend", (packet) => {
        if (packet.cmd === "subscribe") sent.push("subscribe");
        if (packet.cmd === "publish" && packet.topic.endsWith("/nonce/get")) sent.push("nonce/get");
      });
      // Devices nobody runs: every command waits for its nonce, then times out.
      const commands = Array.from({ length: DEVICES }, (_, i) =>
        sendSignedCommand(client, {
          prefix: "latchkey",
          device: `gate-${i}`,
          key: randomBytes(32),
          topic: `latchkey/gate-${i}/relay/set`,
          cmd: "ON",
          timeoutMs: 1500,
          covered: true,
        }),
      );
      await until("every command asking for its nonce", () => sent.length === DEVICES);
      expect(client.listenerCount("message")).toBe(baseline + 1);
      expect(sent.filter((s) => s === "subscribe")).toEqual([]);
      const outcomes = await Promise.allSettled(commands);
      expect(outcomes.every((o) => o.status === "rejected" && /no nonce/.test(String(o.reason)))).toBe(true);
      expect(client.listenerCount("message")).toBe(baseline + 1);
    } finally {
      client.end(true);
    }
  });
});
