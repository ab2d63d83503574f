// Fault 1 of the relay-safety issue: Espruino reuses a timer id as soon as its timer is gone
// (src/jsinteractive.c, jsiTimerAdd), so clearing a handle that already fired or was cleared
// cancels whichever timer holds that id now. FakeTime hands out and retires ids exactly that
// way, so these tests fail if the session or the relay ever clears a stale handle.
import { describe, expect, it } from "vitest";
import { createRelay } from "../../firmware/app/actuators/relay.ts";
import { Session } from "../../firmware/mqtt/session.ts";
import { createBackoff } from "../../firmware/net/backoff.ts";
import { fakeConnector } from "../support/fake-link.ts";
import { createFakePlatform, FakeTime } from "../support/fake-platform.ts";

describe("FakeTime hands out timer ids as Espruino does", () => {
  it("gives highest live id + 1, retires a timeout only after its callback, and reuses at once", () => {
    const time = new FakeTime();
    const inside: number[] = [];
    const a = time.timers.set(() => inside.push(time.timers.set(() => undefined, 5) as number), 10);
    const b = time.timers.set(() => undefined, 20);
    expect([a, b]).toEqual([1, 2]);
    time.advance(10);
    // Timer 1 was still live while its callback ran, so the timer it set got 3.
    expect(inside).toEqual([3]);
    time.advance(20);
    expect(time.pendingCount).toBe(0);
    expect(time.timers.set(() => undefined, 1)).toBe(1);
  });

  it("lets a stale clear cancel the timer that now holds the id (what Espruino does)", () => {
    const time = new FakeTime();
    const first = time.timers.set(() => undefined, 10);
    time.timers.clear(first);
    let ran = false;
    const second = time.timers.set(() => (ran = true), 10);
    expect(second).toBe(first);
    time.timers.clear(first);
    time.advance(20);
    expect(ran).toBe(false);
  });
});

describe("a link that drops while the relay pulses", () => {
  function setup(keepaliveSeconds: number) {
    const { platform, time, pinHistory } = createFakePlatform();
    const relay = createRelay(platform.pins, { pin: "D23", activeLow: false }, time.timers, 0);
    const { connect, links } = fakeConnector(time);
    const session = new Session(
      connect,
      time.clock,
      time.timers,
      {
        clientId: "door-1",
        cleanSession: true,
        keepaliveSeconds,
        connectTimeoutMs: 15000,
        maxPacketBytes: 1024,
        maxInflight: 4,
        maxInflightBytes: 1024,
        healthyMs: 60000,
      },
      createBackoff({ baseMs: 1000, capMs: 60000, refusedMs: 60000, refusedCapMs: 3600000 }, () => 0.5),
      {
        connected: () => undefined,
        disconnected: () => undefined,
        message: () => relay.pulse(600, 0),
      },
    );
    return { time, relay, links, session, pinHistory };
  }

  for (const keepalive of [0, 30]) {
    it(`still opens the relay on time (keepalive ${keepalive} s)`, () => {
      const t = setup(keepalive);
      t.session.start();
      t.links[0].send({ type: 2, sessionPresent: false, returnCode: 0 });
      t.links[0].send({ type: 3, topic: "lk/door-1/relay/set", payload: "ON", qos: 0, retain: false, dup: false });
      expect(t.relay.isOn).toBe(true);
      t.links[0].drop({ reason: "network down" });
      t.time.advance(100);
      t.session.stop();
      t.time.advance(600);
      expect(t.relay.isOn).toBe(false);
      expect(t.pinHistory.map((e) => e.high)).toEqual([false, true, false]);
    });
  }

  it("stop() after the retry timer fired does not cancel a pulse", () => {
    const t = setup(0);
    t.session.start();
    t.links[0].drop({ reason: "refused" });
    // The first ordinary retry waits 1 s + random() * 1 s = 1.5 s here (firmware/net/backoff.ts).
    t.time.advance(2000);
    expect(t.links.length).toBe(2);
    t.links[1].send({ type: 2, sessionPresent: false, returnCode: 0 });
    t.links[1].send({ type: 3, topic: "lk/door-1/relay/set", payload: "ON", qos: 0, retain: false, dup: false });
    t.session.stop();
    t.time.advance(600);
    expect(t.relay.isOn).toBe(false);
  });
});
