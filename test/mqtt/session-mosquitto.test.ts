// The session against a real Mosquitto over plain TCP, with real time: what the fake-broker
// scenarios claim, checked against the broker people actually run.
import mqtt from "mqtt";
import type net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Session, type SessionOptions } from "../../firmware/mqtt/session.ts";
import { createBackoff } from "../../firmware/net/backoff.ts";
import { mosquittoMissing, printLogOnFailure, startMosquitto, type Broker } from "../support/broker.ts";
import { nodeConnector, realTime } from "../support/node-transport.ts";
import { until } from "../support/wait.ts";

const OPTIONS: SessionOptions = {
  clientId: "dev1",
  cleanSession: true,
  keepaliveSeconds: 30,
  connectTimeoutMs: 3000,
  maxPacketBytes: 4096,
  maxInflight: 8,
  maxInflightBytes: 4096,
  healthyMs: 60000,
  will: { topic: "lk/dev1/availability", payload: "offline", qos: 1, retain: true },
};

describe.skipIf(mosquittoMissing())("Session against a real Mosquitto (plain TCP)", () => {
  let open: Broker | undefined;
  let closed: Broker | undefined;
  const cleanup: (() => void)[] = [];
  printLogOnFailure(() => [open, closed]);

  beforeAll(async () => {
    open = await startMosquitto((port) => `listener ${port} 127.0.0.1\nallow_anonymous true`);
    closed = await startMosquitto((port) => `listener ${port} 127.0.0.1\nallow_anonymous false`);
  });
  afterAll(async () => {
    await open?.stop();
    await closed?.stop();
  });
  afterEach(async () => {
    cleanup.splice(0).forEach((f) => f());
    open?.thaw();
    await open?.start(); // running again if a test stopped it
  });

  function device(broker: Broker, options: Partial<SessionOptions> = {}) {
    const sockets: net.Socket[] = [];
    const events: string[] = [];
    const delays: number[] = [];
    const messages: string[] = [];
    const backoff = createBackoff({ baseMs: 100, capMs: 400, refusedMs: 600000, refusedCapMs: 3600000 }, Math.random);
    const session = new Session(
      nodeConnector(broker, sockets),
      realTime.clock,
      realTime.timers,
      { ...OPTIONS, ...options },
      backoff,
      {
        connected: (present) => events.push(`connected present=${present}`),
        disconnected: (reason, retry) => {
          events.push(`disconnected: ${reason}`);
          delays.push(retry);
        },
        message: (topic, payload) => messages.push(`${topic} ${payload}`),
      },
    );
    cleanup.push(() => session.stop());
    return {
      session,
      sockets,
      events,
      delays,
      messages,
      connects: () => events.filter((e) => e.startsWith("connected")).length,
    };
  }

  async function observer(broker: Broker, topic: string) {
    const client = await mqtt.connectAsync({
      host: broker.host,
      port: broker.port,
      clientId: `obs-${Math.random()}`,
      reconnectPeriod: 0,
    });
    const seen: string[] = [];
    client.on("message", (t, payload, packet) =>
      seen.push(`${t} ${payload.toString()}${packet.retain ? " (retained)" : ""}`),
    );
    await client.subscribeAsync(topic, { qos: 1 });
    cleanup.push(() => client.end(true));
    return { client, seen };
  }

  it("connects, receives a QoS 1 command and publishes QoS 1 retained state", async () => {
    const d = device(open!);
    d.session.subscribe("lk/dev1/relay/set", 1);
    d.session.start();
    await until("CONNACK", () => d.session.connected);
    await new Promise((r) => setTimeout(r, 100)); // SUBACK
    const obs = await observer(open!, "lk/dev1/relay/state");
    await obs.client.publishAsync("lk/dev1/relay/set", "ON", { qos: 1 });
    await until("the command", () => d.messages.length === 1);
    expect(d.messages).toEqual(["lk/dev1/relay/set ON"]);
    expect(d.session.publish("lk/dev1/relay/state", "ON", 1, true)).toBeUndefined();
    await until("the state", () => obs.seen.length === 1);
    await until("PUBACK", () => d.session.inflightCount === 0);
    expect(obs.seen).toEqual(["lk/dev1/relay/state ON"]);
  });

  it("has its last will published when the link dies without DISCONNECT", async () => {
    const d = device(open!, { clientId: "dev-will" });
    d.session.start();
    await until("CONNACK", () => d.session.connected);
    const obs = await observer(open!, "lk/dev1/availability");
    d.sockets[0].destroy();
    await until("the will", () => obs.seen.length > 0);
    expect(obs.seen).toEqual(["lk/dev1/availability offline"]);
  });

  it("reconnects and re-subscribes after the broker restarts", async () => {
    const d = device(open!, { clientId: "dev-restart" });
    d.session.subscribe("lk/dev1/relay/set", 1);
    d.session.start();
    await until("CONNACK", () => d.session.connected);
    await open!.stop();
    await until("the disconnect", () => !d.session.connected);
    await open!.start();
    await until("the reconnect", () => d.connects() === 2);
    await new Promise((r) => setTimeout(r, 100));
    const pub = await mqtt.connectAsync({ host: open!.host, port: open!.port, reconnectPeriod: 0 });
    cleanup.push(() => pub.end(true));
    await pub.publishAsync("lk/dev1/relay/set", "OFF", { qos: 1 });
    await until("the command after restart", () => d.messages.length === 1);
    expect(d.events[1]).toBe("disconnected: connection closed by the broker");
  });

  it("detects a broker that stops answering (no PINGRESP) and delivers held QoS 1 after recovery", async () => {
    const d = device(open!, { clientId: "dev-frozen", keepaliveSeconds: 1 });
    d.session.start();
    await until("CONNACK", () => d.session.connected);
    const obs = await observer(open!, "lk/dev1/telemetry");
    open!.freeze();
    expect(d.session.publish("lk/dev1/telemetry", "t=21.5", 1, false)).toBeUndefined();
    // Down at once; the disconnect event comes when the dead socket has closed.
    await until("the keepalive verdict", () => d.events.length >= 2, 6000);
    expect(d.events[1]).toBe("disconnected: no PINGRESP within 1 s");
    open!.thaw();
    await until("the reconnect", () => d.session.connected, 8000);
    await until("the held message", () => obs.seen.length > 0);
    expect(obs.seen[0]).toBe("lk/dev1/telemetry t=21.5");
    await until("PUBACK", () => d.session.inflightCount === 0);
  });

  it("is refused with CONNACK 5 by a broker that wants credentials, and then waits long", async () => {
    const d = device(closed!, { clientId: "dev-refused" });
    d.session.start();
    await until("the refusal", () => d.events.length > 0);
    expect(d.events).toEqual(["disconnected: broker refused the connection: not authorized (CONNACK 5)"]);
    expect(d.delays[0]).toBeGreaterThanOrEqual(300000);
  });
});
