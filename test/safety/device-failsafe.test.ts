// Faults 5, 7 and 8 of the relay-safety issue, under fake time: switch-mode fail-safes
// (maxOnMs, link-loss policy, power-on state), a Wi-Fi join that never answers, the
// watchdog, and the wait after a refused TLS handshake.
import { describe, expect, it } from "vitest";
import { boot } from "../../firmware/app/maintenance/boot.ts";
import { runDevice, WATCHDOG_SECONDS } from "../../firmware/app/device.ts";
import { PROFILE_FILE, RELAY_STATE_FILE, type RelayBehaviour } from "../../firmware/app/profile/profile.ts";
import { createBackoff, DEFAULT_BACKOFF } from "../../firmware/net/backoff.ts";
import { JOIN_TIMEOUT_MS, createWifiLink } from "../../firmware/net/wifi-link.ts";
import { createFakePlatform, FakeTime } from "../support/fake-platform.ts";
import { relayBehaviour, testProfile } from "../support/profile.ts";

function provisioned(relay: Partial<RelayBehaviour>, extra: Record<string, string> = {}) {
  const fake = createFakePlatform({
    [PROFILE_FILE]: JSON.stringify(testProfile({ relay: relayBehaviour(relay) })),
    "lk.wifi": JSON.stringify({ ssid: "s", password: "p" }),
    "lk.ca": "ca",
    "lk.cert": "cert",
    "lk.key": "key",
    "lk.cmdkey": "k".repeat(32),
    ...extra,
  });
  const booted = boot(fake.platform, "1")!;
  runDevice(fake.platform, booted);
  return { ...fake, relay: booted.relay };
}

describe("switch-mode fail-safes", () => {
  it("linkLoss off: a relay restored on at power-on goes off when the broker stays out of reach", () => {
    const t = provisioned(
      { mode: "switch", powerOn: "restore", linkLoss: "off", linkLossMs: 5000 },
      { [RELAY_STATE_FILE]: "1" },
    );
    expect(t.relay.isOn).toBe(true);
    t.time.advance(4999);
    expect(t.relay.isOn).toBe(true);
    t.time.advance(1);
    expect(t.relay.isOn).toBe(false);
    expect(t.log).toContain("info relay OFF (no broker for 5000 ms (linkLoss off))");
    // The new state is what a later power-on restores.
    expect(t.store[RELAY_STATE_FILE]).toBe("0");
  });

  it("linkLoss hold: the relay keeps its state without the broker, but maxOnMs still ends it", () => {
    const t = provisioned(
      { mode: "switch", powerOn: "restore", linkLoss: "hold", maxOnMs: 3600000 },
      { [RELAY_STATE_FILE]: "1" },
    );
    t.time.advance(3599999);
    expect(t.relay.isOn).toBe(true);
    t.time.advance(1);
    expect(t.relay.isOn).toBe(false);
    expect(t.log).toContain("info relay OFF (on for maxOnMs (3600000 ms))");
  });

  it("pulse mode never restores and never writes the state file", () => {
    const t = provisioned({ mode: "pulse" }, { [RELAY_STATE_FILE]: "1" });
    expect(t.relay.isOn).toBe(false);
    t.relay.pulse(600, 0);
    t.time.advance(1000);
    expect(t.store[RELAY_STATE_FILE]).toBe("1");
    expect(t.pinHistory.map((e) => e.high)).toEqual([false, true, false]);
  });
});

describe("the watchdog", () => {
  it("is enabled in manual mode with room for a blocking TLS handshake, and kicked from the loop", () => {
    const t = provisioned({});
    expect(t.watchdog.seconds).toBe(WATCHDOG_SECONDS);
    expect(WATCHDOG_SECONDS).toBeGreaterThanOrEqual(20);
    const before = t.watchdog.kicks;
    t.time.advance(60000);
    // At least one kick in every third of the timeout.
    expect(t.watchdog.kicks - before).toBeGreaterThanOrEqual((60 / WATCHDOG_SECONDS) * 3);
  });
});

describe("joining Wi-Fi", () => {
  it("gives up on a join that never answers, retries, and ignores the late answer", () => {
    const time = new FakeTime();
    const calls: ((error: string | undefined) => void)[] = [];
    const log: string[] = [];
    let ups = 0;
    const link = createWifiLink(
      { connect: (_s, _p, done) => calls.push(done), onDisconnected: () => undefined, ip: () => undefined },
      time.timers,
      createBackoff({ baseMs: 1000, capMs: 60000, refusedMs: 60000, refusedCapMs: 60000 }, () => 0.5),
      { info: (m) => log.push(m), warn: (m) => log.push(m), error: (m) => log.push(m) },
      () => ups++,
    );
    link.start({ ssid: "home", password: "pw" });
    time.advance(JOIN_TIMEOUT_MS);
    // The first retry waits baseMs + random() * baseMs = 1.5 s here (firmware/net/backoff.ts).
    expect(log).toEqual(["Wi-Fi join failed (no answer within 30 s); retry in 2 s"]);
    time.advance(1499);
    expect(calls).toHaveLength(1);
    time.advance(1);
    expect(calls).toHaveLength(2);
    calls[0](undefined);
    expect(ups).toBe(0);
    calls[1](undefined);
    expect(ups).toBe(1);
    expect(link.up).toBe(true);
    time.advance(JOIN_TIMEOUT_MS * 2);
    expect(log.at(-1)).toBe("Wi-Fi joined home");
  });
});

describe("the wait after a refused TLS handshake", () => {
  it("starts at 30-60 s and grows, with jitter, to at most an hour", () => {
    for (const r of [0, 0.5, 0.999]) {
      const backoff = createBackoff(DEFAULT_BACKOFF, () => r);
      const first = backoff.next(true);
      expect(first).toBeGreaterThanOrEqual(30000);
      expect(first).toBeLessThanOrEqual(60000);
      let last = 0;
      for (let i = 0; i < 20; i++) last = backoff.next(true);
      expect(last).toBeGreaterThanOrEqual(1800000);
      expect(last).toBeLessThanOrEqual(3600000);
    }
  });
});
