// The path from a message to the relay: size cap, the verification gate, then ON/OFF.
import { describe, expect, it } from "vitest";
import { handleCommand, MAX_COMMAND_BYTES, TRUST_BROKER, type CommandGate } from "../../firmware/app/commands.ts";
import { boot } from "../../firmware/app/boot.ts";
import { runDevice } from "../../firmware/app/device.ts";
import { Relay } from "../../firmware/app/relay.ts";
import { createFakePlatform } from "../support/fake-platform.ts";
import { testProfile } from "../support/profile.ts";

function relayOn(activeLow = false) {
  const fake = createFakePlatform();
  const relay = new Relay(fake.platform.pins, { pin: "D26", activeLow }, fake.platform.timers);
  return { fake, relay };
}

describe("commands", () => {
  it("switches on and off in switch mode, any case, spaces ignored", () => {
    const { relay } = relayOn();
    expect(handleCommand(TRUST_BROKER, relay, { mode: "switch", pulseMs: 0 }, "t", " on ")).toEqual({
      done: "relay ON",
    });
    expect(relay.isOn).toBe(true);
    expect(handleCommand(TRUST_BROKER, relay, { mode: "switch", pulseMs: 0 }, "t", "Off")).toEqual({
      done: "relay OFF",
    });
    expect(relay.isOn).toBe(false);
  });

  it("presses once in pulse mode", () => {
    const { fake, relay } = relayOn();
    expect(handleCommand(TRUST_BROKER, relay, { mode: "pulse", pulseMs: 600 }, "t", "ON")).toEqual({
      done: "relay pulsed for 600 ms",
    });
    expect(relay.isOn).toBe(true);
    fake.time.advance(600);
    expect(relay.isOn).toBe(false);
  });

  it("refuses unknown, oversized and unverified commands without touching the relay", () => {
    const { fake, relay } = relayOn();
    const refuseAll: CommandGate = { verify: () => ({ refused: "bad signature" }) };
    const behaviour = { mode: "switch" as const, pulseMs: 0 };
    expect(handleCommand(TRUST_BROKER, relay, behaviour, "t", "OPEN")).toEqual({
      refused: "unknown command 'OPEN' (ON or OFF)",
    });
    expect(handleCommand(TRUST_BROKER, relay, behaviour, "t", "x".repeat(MAX_COMMAND_BYTES + 1))).toEqual({
      refused: `command of ${MAX_COMMAND_BYTES + 1} bytes (max ${MAX_COMMAND_BYTES})`,
    });
    expect(handleCommand(refuseAll, relay, behaviour, "t", "ON")).toEqual({ refused: "bad signature" });
    expect(fake.pinHistory.filter((e) => e.kind === "write")).toEqual([]);
  });
});

describe("device loop", () => {
  it("stays offline with the relay off when Wi-Fi or TLS material is missing", () => {
    const fake = createFakePlatform({ "lk.profile": JSON.stringify(testProfile()) });
    const booted = boot(fake.platform, "1.0.0")!;
    expect(runDevice(fake.platform, booted, TRUST_BROKER)).toBeUndefined();
    expect(fake.log.at(-1)).toBe(
      "error not provisioned: 'lk.wifi' (Wi-Fi credentials) missing from Storage; the relay stays off",
    );
    fake.store["lk.wifi"] = JSON.stringify({ ssid: "s", password: "p" });
    expect(runDevice(fake.platform, booted, TRUST_BROKER)).toBeUndefined();
    expect(fake.log.at(-1)).toBe(
      "error not provisioned: 'lk.ca' (TLS material) missing from Storage; the relay stays off",
    );
    expect(fake.pinHistory).toEqual([{ pin: "D26", high: false, kind: "initial" }]);
  });

  it("keeps retrying through the backoff when the TLS stack cannot even start", () => {
    const fake = createFakePlatform({
      "lk.profile": JSON.stringify(testProfile()),
      "lk.wifi": JSON.stringify({ ssid: "s", password: "p" }),
      "lk.ca": "ca",
      "lk.cert": "cert",
      "lk.key": "key",
    });
    const booted = boot(fake.platform, "1.0.0")!;
    expect(runDevice(fake.platform, booted, TRUST_BROKER)).toBeDefined();
    fake.time.advance(120000);
    const downs = fake.log.filter((l) =>
      l.startsWith("warn MQTT down: TLS setup failed: no network in this unit test"),
    );
    expect(downs.length).toBeGreaterThan(3);
    expect(fake.log).toContain("warn commands are not signed yet: this device trusts its broker");
  });
});
