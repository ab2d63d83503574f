// The path from a message to the relay: size cap, the verification gate, then ON/OFF.
import { describe, expect, it } from "vitest";
import { handleCommand, MAX_COMMAND_BYTES, TRUST_BROKER, type CommandGate } from "../../firmware/app/commands.ts";
import { boot } from "../../firmware/app/boot.ts";
import { runDevice } from "../../firmware/app/device.ts";
import { Relay } from "../../firmware/app/relay.ts";
import { createFakePlatform } from "../support/fake-platform.ts";
import { relayBehaviour, testProfile } from "../support/profile.ts";

function relayOn(activeLow = false) {
  const fake = createFakePlatform();
  const relay = new Relay(fake.platform.pins, { pin: "D23", activeLow }, fake.platform.timers, 0);
  return { fake, relay };
}

const SWITCH = relayBehaviour({ mode: "switch" });
const PULSE = relayBehaviour({ mode: "pulse", pulseMs: 600, lockoutMs: 2000 });

describe("commands", () => {
  it("switches on and off in switch mode, any case, spaces ignored", () => {
    const { relay } = relayOn();
    expect(handleCommand(TRUST_BROKER, relay, SWITCH, "t", " on ", false)).toEqual({
      done: "relay ON",
    });
    expect(relay.isOn).toBe(true);
    expect(handleCommand(TRUST_BROKER, relay, SWITCH, "t", "Off", false)).toEqual({
      done: "relay OFF",
    });
    expect(relay.isOn).toBe(false);
  });

  it("presses once in pulse mode", () => {
    const { fake, relay } = relayOn();
    expect(handleCommand(TRUST_BROKER, relay, PULSE, "t", "ON", false)).toEqual({
      done: "relay pulsed for 600 ms",
    });
    expect(relay.isOn).toBe(true);
    fake.time.advance(600);
    expect(relay.isOn).toBe(false);
  });

  it("refuses unknown, oversized and unverified commands without touching the relay", () => {
    const { fake, relay } = relayOn();
    const refuseAll: CommandGate = { verify: () => ({ refused: "bad signature" }) };
    const behaviour = SWITCH;
    expect(handleCommand(TRUST_BROKER, relay, behaviour, "t", "OPEN", false)).toEqual({
      refused: "unknown command 'OPEN' (ON or OFF)",
    });
    expect(handleCommand(TRUST_BROKER, relay, behaviour, "t", "x".repeat(MAX_COMMAND_BYTES + 1), false)).toEqual({
      refused: `command of ${MAX_COMMAND_BYTES + 1} bytes (max ${MAX_COMMAND_BYTES})`,
    });
    expect(handleCommand(refuseAll, relay, behaviour, "t", "ON", false)).toEqual({ refused: "bad signature" });
    expect(fake.pinHistory.filter((e) => e.kind === "write")).toEqual([]);
  });
});

describe("repeated, duplicate and retained commands (relay-safety faults 2 and 3)", () => {
  it("refuses a retained command without touching the relay", () => {
    const { fake, relay } = relayOn();
    expect(handleCommand(TRUST_BROKER, relay, SWITCH, "t", "ON", true)).toEqual({
      refused: "retained message: a stored command is never obeyed",
    });
    expect(fake.pinHistory.filter((e) => e.kind === "write")).toEqual([]);
  });

  it("ignores ON during a press and during the lockout, and takes OFF at any time", () => {
    const { fake, relay } = relayOn();
    const ignored = { refused: "ON ignored: a press is running or in its 2000 ms lockout" };
    expect(handleCommand(TRUST_BROKER, relay, PULSE, "t", "ON", false)).toEqual({ done: "relay pulsed for 600 ms" });
    fake.time.advance(500);
    expect(handleCommand(TRUST_BROKER, relay, PULSE, "t", "ON", false)).toEqual(ignored);
    fake.time.advance(100);
    expect(relay.isOn).toBe(false);
    fake.time.advance(1000);
    expect(handleCommand(TRUST_BROKER, relay, PULSE, "t", "ON", false)).toEqual(ignored);
    fake.time.advance(1000);
    expect(handleCommand(TRUST_BROKER, relay, PULSE, "t", "ON", false)).toEqual({ done: "relay pulsed for 600 ms" });
    expect(handleCommand(TRUST_BROKER, relay, PULSE, "t", "OFF", false)).toEqual({ done: "relay OFF" });
    expect(fake.pinHistory.map((e) => e.high)).toEqual([false, true, false, true, false]);
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
    expect(fake.pinHistory).toEqual([{ pin: "D23", high: false, kind: "initial" }]);
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
