// Session scenarios under fake time against a scripted broker (test/support/fake-link.ts).
import { describe, expect, it } from "vitest";
import { explain } from "../../firmware/mqtt/codec/explain.ts";
import type { Packet, PublishPacket } from "../../firmware/mqtt/codec/packets.ts";
import { Session, type SessionOptions } from "../../firmware/mqtt/session.ts";
import { createBackoff } from "../../firmware/net/backoff.ts";
import { bytes } from "../support/bytes.ts";
import { fakeConnector } from "../support/fake-link.ts";
import { FakeTime } from "../support/fake-platform.ts";
import { seeded } from "../support/random.ts";

const OPTIONS: SessionOptions = {
  clientId: "dev1",
  cleanSession: true,
  keepaliveSeconds: 30,
  connectTimeoutMs: 15000,
  maxPacketBytes: 1024,
  maxInflight: 4,
  maxInflightBytes: 600,
  healthyMs: 60000,
  will: { topic: "lk/dev1/availability", payload: "offline", qos: 1, retain: true },
};

function setup(options: Partial<SessionOptions> = {}) {
  const time = new FakeTime();
  const { connect, links } = fakeConnector(time);
  const events: string[] = [];
  const delays: number[] = [];
  const messages: { topic: string; payload: string; retain: boolean }[] = [];
  const backoff = createBackoff({ baseMs: 1000, capMs: 60000, refusedMs: 600000, refusedCapMs: 3600000 }, seeded(42));
  const session = new Session(connect, time.clock, time.timers, { ...OPTIONS, ...options }, backoff, {
    connected: (present) => events.push(`connected present=${present}`),
    disconnected: (reason, retry) => {
      events.push(`disconnected: ${reason}`);
      delays.push(retry);
    },
    message: (topic, payload, retain) => messages.push({ topic, payload, retain }),
  });
  const link = (i = links.length - 1) => links[i];
  /** Starts (or lets the retry timer fire) and answers CONNACK. */
  const accept = (sessionPresent = false) => link().send({ type: 2, sessionPresent, returnCode: 0 });
  const nextLink = () => {
    const before = links.length;
    time.advance(delays[delays.length - 1] ?? 0);
    expect(links.length).toBe(before + 1);
    return link();
  };
  return { time, session, links, link, events, delays, messages, backoff, accept, nextLink };
}

const publishes = (received: Packet[]) => received.filter((p): p is PublishPacket => p.type === 3);

describe("Session", () => {
  it("sends CONNECT with the will at once and is up only at CONNACK", () => {
    const t = setup();
    t.session.start();
    expect(t.link().received).toEqual([
      { type: 1, clientId: "dev1", cleanSession: true, keepalive: 30, will: OPTIONS.will },
    ]);
    expect(t.session.connected).toBe(false);
    expect(t.session.publish("lk/dev1/x", "1", 0, false)).toBe("not connected: lk/dev1/x dropped (QoS 0)");
    t.accept();
    expect(t.session.connected).toBe(true);
    expect(t.events).toEqual(["connected present=false"]);
  });

  it("gives up on a silent broker after connectTimeoutMs and retries", () => {
    const t = setup();
    t.session.start();
    t.time.advance(14999);
    expect(t.events).toEqual([]);
    t.time.advance(1);
    expect(t.link().closedByClient).toBe(true);
    expect(t.events).toEqual(["disconnected: no CONNACK within 15 s"]);
    // baseMs, then the jitter: the first retry is after Espruino's TLS refusal window.
    expect(t.delays[0]).toBeGreaterThanOrEqual(1000);
    expect(t.delays[0]).toBeLessThan(2000);
    t.nextLink();
  });

  it("pings when idle and drops the link when PINGRESP does not come", () => {
    const t = setup();
    t.session.start();
    t.accept();
    t.time.advance(30000);
    expect(t.link().types()).toEqual([1, 12]);
    t.link().send({ type: 13 });
    t.time.advance(30000);
    expect(t.link().types()).toEqual([1, 12, 12]);
    expect(t.session.connected).toBe(true);
    t.time.advance(9999);
    expect(t.session.connected).toBe(true);
    t.time.advance(1);
    expect(t.events).toEqual(["connected present=false", "disconnected: no PINGRESP within 10 s"]);
    expect(t.link().closedByClient).toBe(true);
  });

  it("does not ping while it is sending anyway", () => {
    const t = setup();
    t.session.start();
    t.accept();
    for (let i = 0; i < 5; i++) {
      t.time.advance(20000);
      t.session.publish("lk/dev1/t", String(i), 0, false);
    }
    expect(t.link().types()).toEqual([1, 3, 3, 3, 3, 3]);
  });

  it("reports a CONNACK refusal and waits long after 'not authorized'", () => {
    const t = setup();
    t.session.start();
    t.link().send({ type: 2, sessionPresent: false, returnCode: 5 });
    t.time.advance(0);
    expect(t.events).toEqual(["disconnected: broker refused the connection: not authorized (CONNACK 5)"]);
    expect(t.delays[0]).toBeGreaterThanOrEqual(300000);
    expect(t.delays[0]).toBeLessThan(600000);
  });

  it("retries soon after 'server unavailable' (CONNACK 3)", () => {
    const t = setup();
    t.session.start();
    t.link().send({ type: 2, sessionPresent: false, returnCode: 3 });
    t.time.advance(0);
    expect(t.events).toEqual(["disconnected: broker refused the connection: server unavailable (CONNACK 3)"]);
    expect(t.delays[0]).toBeLessThan(2000);
  });

  it("waits long after a failed TLS handshake reported by the transport", () => {
    const t = setup();
    t.session.start();
    t.link().drop({ reason: "TLS handshake failed (mbedtls_ssl_handshake returned -0x7780)", handshake: true });
    t.time.advance(0);
    expect(t.events).toEqual(["disconnected: TLS handshake failed (mbedtls_ssl_handshake returned -0x7780)"]);
    expect(t.delays[0]).toBeGreaterThanOrEqual(300000);
  });

  it("survives the broker closing mid-packet: nothing half-decoded leaks into the next link", () => {
    const t = setup();
    t.session.subscribe("lk/dev1/relay/set", 1);
    t.session.start();
    t.accept();
    const whole = bytes(0x30, 21, 0, 17, "lk/dev1/relay/set", "ON");
    t.link().send(whole.slice(0, 10));
    t.link().drop();
    t.time.advance(0);
    expect(t.events).toEqual(["connected present=false", "disconnected: connection closed by the broker"]);
    // Had the decoder kept the old half packet, this CONNACK would be swallowed as its tail.
    t.nextLink();
    t.accept();
    expect(t.events[2]).toBe("connected present=false");
    expect(t.messages).toEqual([]);
    t.link().send(whole);
    expect(t.messages).toEqual([{ topic: "lk/dev1/relay/set", payload: "ON", retain: false }]);
  });

  it("drops the link on a malformed packet from the broker, naming the problem", () => {
    const t = setup();
    t.session.start();
    t.accept();
    t.link().send(bytes(0x30, 5, 0, 3, "a/#"));
    t.time.advance(0);
    // The device's short form, the topic then the clause; host tools give the words.
    expect(t.events[1]).toBe("disconnected: protocol error: PUBLISH: a/# [MQTT-3.3.2-2]");
    expect(explain(t.events[1])).toBe("disconnected: protocol error: PUBLISH: wildcard in 'a/#' [MQTT-3.3.2-2]");
  });

  it("re-sends unacknowledged QoS 1 messages with DUP after a reconnect, same id", () => {
    const t = setup();
    t.session.start();
    t.accept();
    expect(t.session.publish("lk/dev1/state", "ON", 1, true)).toBeUndefined();
    const first = publishes(t.link().received)[0];
    expect(first).toMatchObject({ qos: 1, dup: false, retain: true, id: 1 });
    t.link().drop();
    t.time.advance(0);
    // Published while down: held, sent after CONNACK without DUP.
    expect(t.session.publish("lk/dev1/state", "OFF", 1, true)).toBeUndefined();
    t.nextLink();
    t.accept();
    expect(publishes(t.link().received)).toEqual([
      { ...first, dup: true },
      { type: 3, topic: "lk/dev1/state", payload: "OFF", qos: 1, retain: true, dup: false, id: 2 },
    ]);
    t.link().send({ type: 4, id: 1 });
    t.link().send({ type: 4, id: 2 });
    expect(t.session.inflightCount).toBe(0);
    t.link().drop();
    t.time.advance(0);
    t.nextLink();
    t.accept();
    expect(publishes(t.link().received)).toEqual([]);
  });

  it("bounds the in-flight store: a flood is refused, not buffered", () => {
    const t = setup();
    t.session.start();
    for (let i = 0; i < 4; i++) expect(t.session.publish("lk/dev1/t", "x", 1, false)).toBeUndefined();
    expect(t.session.publish("lk/dev1/t", "x", 1, false)).toBe("in-flight store full (4 messages)");
    t.accept();
    t.link().send({ type: 4, id: 1 });
    t.link().send({ type: 4, id: 2 });
    t.link().send({ type: 4, id: 3 });
    t.link().send({ type: 4, id: 4 });
    expect(t.session.publish("lk/dev1/t", "x".repeat(500), 1, false)).toBeUndefined();
    expect(t.session.publish("lk/dev1/t", "x".repeat(500), 1, false)).toBe("in-flight store full (516 of 600 bytes)");
    t.link().send({ type: 4, id: 5 });
    expect(t.session.inflightCount).toBe(0);
    t.link().drop();
    t.time.advance(0);
    t.nextLink();
    expect(t.session.publish("lk/dev1/t", "x".repeat(2000), 0, false)).toBe("not connected: lk/dev1/t dropped (QoS 0)");
    t.accept();
    expect(t.session.publish("lk/dev1/t", "x".repeat(2000), 0, false)).toBe(
      "lk/dev1/t: 2014 bytes, over maxPacketBytes",
    );
    expect(publishes(t.link().received)).toHaveLength(0);
  });

  it("restores subscriptions after a reconnect that lost the broker session, not when it was kept", () => {
    const t = setup({ cleanSession: false });
    t.session.subscribe("lk/dev1/relay/set", 1);
    t.session.start();
    t.accept(false);
    expect(t.link().received[1]).toEqual({ type: 8, id: 1, subscriptions: [{ filter: "lk/dev1/relay/set", qos: 1 }] });
    t.link().send({ type: 9, id: 1, granted: [1] });
    t.link().drop();
    t.time.advance(0);
    t.nextLink();
    t.accept(true);
    expect(t.link().types()).toEqual([1]);
    t.link().drop();
    t.time.advance(0);
    t.nextLink();
    t.accept(false);
    expect(t.link().received[1]).toMatchObject({ type: 8, subscriptions: [{ filter: "lk/dev1/relay/set", qos: 1 }] });
  });

  it("drops the link and retries when the broker refuses a subscription (SUBACK 0x80): never connected but deaf", () => {
    const t = setup();
    t.session.start();
    t.accept();
    t.session.subscribe("lk/other/#", 1);
    t.link().send({ type: 9, id: 1, granted: [0x80] });
    expect(t.link().closedByClient).toBe(true);
    t.time.advance(0);
    expect(t.events).toEqual(["connected present=false", "disconnected: subscription refused: lk/other/#"]);
    t.nextLink();
    t.accept();
    expect(t.link().received[1]).toMatchObject({ type: 8, subscriptions: [{ filter: "lk/other/#", qos: 1 }] });
  });

  it("acts on nothing a link sends after the session gave up on it", () => {
    const t = setup();
    t.session.start();
    t.accept();
    t.session.subscribe("lk/dev1/relay/set", 1);
    // A malformed packet ends the link; the socket takes a while to close and more arrives.
    t.link().send("\xf0\x00");
    expect(t.link().closedByClient).toBe(true);
    t.link().send({ type: 3, topic: "lk/dev1/relay/set", payload: "ON", qos: 0, retain: false, dup: false });
    t.link().send({ type: 3, topic: "lk/dev1/relay/set", payload: "ON", qos: 1, retain: false, dup: false, id: 5 });
    expect(t.messages).toEqual([]);
    expect(
      t
        .link()
        .types()
        .filter((type) => type === 4),
    ).toEqual([]);
  });

  it("is not brought up by a CONNACK that arrives after the CONNACK timeout gave up on the link", () => {
    const t = setup();
    t.session.start();
    t.time.advance(15000);
    expect(t.link().closedByClient).toBe(true);
    t.accept();
    expect(t.session.connected).toBe(false);
    t.time.advance(0);
    expect(t.events).toEqual(["disconnected: no CONNACK within 15 s"]);
  });

  it("passes a QoS 1 DUP redelivery of an id already delivered on this link on only once, and acknowledges both", () => {
    const t = setup();
    t.session.start();
    t.accept();
    const command = { type: 3, topic: "lk/dev1/relay/set", payload: "ON", qos: 1, retain: false, id: 9 } as const;
    t.link().send({ ...command, dup: false });
    t.link().send({ ...command, dup: true });
    // A new message may reuse the id once it was acknowledged: not a duplicate without DUP.
    t.link().send({ ...command, dup: false, payload: "OFF" });
    expect(t.messages.map((m) => m.payload)).toEqual(["ON", "OFF"]);
    expect(t.link().received.filter((p) => p.type === 4)).toHaveLength(3);
    // A new link starts with nothing remembered.
    t.link().drop();
    t.time.advance(0);
    t.nextLink();
    t.accept();
    t.link().send({ ...command, dup: true });
    expect(t.messages.map((m) => m.payload)).toEqual(["ON", "OFF", "ON"]);
  });

  it("acknowledges a QoS 1 message after delivering it", () => {
    const t = setup();
    t.session.start();
    t.accept();
    t.link().send({ type: 3, topic: "lk/dev1/relay/set", payload: "OFF", qos: 1, retain: false, dup: false, id: 77 });
    expect(t.messages).toEqual([{ topic: "lk/dev1/relay/set", payload: "OFF", retain: false }]);
    expect(t.link().received.at(-1)).toEqual({ type: 4, id: 77 });
  });

  it("grows the retry delay within the cap on repeated failures, and resets after a healthy session", () => {
    const t = setup();
    t.session.start();
    for (let i = 0; i < 9; i++) {
      t.link().drop({ reason: "connection refused" });
      t.time.advance(0);
      t.nextLink();
    }
    // Each wait is baseMs (1 s) plus a jitter below the ceiling (firmware/net/backoff.ts).
    const ceilings = [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000];
    t.delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThan(1000 + ceilings[i]!);
    });
    expect(t.backoff.failures).toBe(9);
    t.accept();
    for (let i = 0; i < 2; i++) {
      t.time.advance(30000);
      t.link().send({ type: 13 });
    }
    t.link().drop();
    t.time.advance(0);
    expect(t.backoff.failures).toBe(1);
    expect(t.delays.at(-1)).toBeLessThan(2000);
  });

  it("does not reset the backoff for a link the broker drops right after CONNACK", () => {
    const t = setup();
    t.session.start();
    for (let i = 0; i < 4; i++) {
      t.accept();
      t.link().drop();
      t.time.advance(0);
      t.nextLink();
    }
    expect(t.backoff.failures).toBe(4);
  });

  it("stop() sends DISCONNECT, reports -1 and never reconnects", () => {
    const t = setup();
    t.session.start();
    t.accept();
    t.session.stop();
    expect(t.link().types()).toEqual([1, 14]);
    t.time.advance(0);
    expect(t.events.at(-1)).toBe("disconnected: stopped");
    expect(t.delays).toEqual([-1]);
    t.time.advance(3600000);
    expect(t.links).toHaveLength(1);
  });

  it("numbers packets per instance: two sessions do not share a counter", () => {
    const a = setup();
    const b = setup();
    for (const t of [a, b]) {
      t.session.start();
      t.accept();
      t.session.publish("lk/x", "1", 1, false);
    }
    expect(publishes(a.link().received)[0].id).toBe(1);
    expect(publishes(b.link().received)[0].id).toBe(1);
  });

  it("a CONNACK timer of a link given up on does not drop the next one (stop, then start at once)", () => {
    const t = setup();
    t.session.start();
    t.time.advance(5000);
    t.session.stop();
    t.session.start();
    expect(t.links.length).toBe(2);
    t.time.advance(0);
    t.accept();
    expect(t.session.connected).toBe(true);
    t.time.advance(15000);
    expect(t.session.connected).toBe(true);
    expect(t.events.filter((e) => e.includes("CONNACK"))).toEqual([]);
  });

  it("takes its topics as given (the profile check is what keeps them valid) and sends them as they are", () => {
    const t = setup();
    t.session.start();
    t.accept();
    expect(t.session.publish("lk/dev1/pump/state", "ON", 1, true)).toBeUndefined();
    t.session.subscribe("lk/dev1/pump/set", 1);
    expect(publishes(t.link().received).map((p) => p.topic)).toEqual(["lk/dev1/pump/state"]);
    expect(t.link().received.at(-1)).toMatchObject({
      type: 8,
      subscriptions: [{ filter: "lk/dev1/pump/set", qos: 1 }],
    });
  });
});
