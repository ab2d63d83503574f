// The path from a message to the relay: size cap, the verification gate, then ON/OFF/PULSE.
// The gate itself (signatures, nonces) is test/firmware/gate.test.ts.
import { describe, expect, it } from "vitest";
import {
  applyCommand,
  handleCommand,
  MAX_COMMAND_BYTES,
  type CommandGate,
} from "../../firmware/app/protocol/commands.ts";
import type { RelayBehaviour } from "../../firmware/app/profile/profile.ts";
import { boot } from "../../firmware/app/maintenance/boot.ts";
import { runDevice } from "../../firmware/app/device.ts";
import { createRelay, type Relay } from "../../firmware/app/actuators/relay.ts";
import { createFakePlatform } from "../support/fake-platform.ts";
import { relayBehaviour, testProfile } from "../support/profile.ts";

function relayOn(activeLow = false) {
  const fake = createFakePlatform();
  const relay = createRelay(fake.platform.pins, { pin: "D23", activeLow }, fake.platform.timers, 0);
  return { fake, relay };
}

/** A gate that accepts the payload as the command text: the action is under test here. */
const PASS: CommandGate = { verify: (_topic, payload) => ({ command: payload }) };

const relayAction = (relay: Relay, behaviour: RelayBehaviour) => (command: string) =>
  applyCommand(relay, behaviour, command);

const SWITCH = relayBehaviour({ mode: "switch" });
const PULSE = relayBehaviour({ mode: "pulse", pulseMs: 600, lockoutMs: 2000 });

describe("commands", () => {
  it("switches on and off in switch mode", () => {
    const { relay } = relayOn();
    expect(handleCommand(PASS, "t", "ON", false, relayAction(relay, SWITCH))).toEqual({
      done: "relay ON",
    });
    expect(relay.isOn).toBe(true);
    expect(handleCommand(PASS, "t", "OFF", false, relayAction(relay, SWITCH))).toEqual({
      done: "relay OFF",
    });
    expect(relay.isOn).toBe(false);
  });

  it("presses once on PULSE in switch mode too", () => {
    const { fake, relay } = relayOn();
    expect(handleCommand(PASS, "t", "PULSE", false, relayAction(relay, SWITCH))).toMatchObject({
      done: "relay pulsed for 600 ms",
    });
    expect(relay.isOn).toBe(true);
    fake.time.advance(600);
    expect(relay.isOn).toBe(false);
  });

  it("presses once in pulse mode", () => {
    const { fake, relay } = relayOn();
    expect(handleCommand(PASS, "t", "ON", false, relayAction(relay, PULSE))).toEqual({
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
    expect(handleCommand(PASS, "t", "OPEN", false, relayAction(relay, behaviour))).toEqual({
      refused: "unknown command 'OPEN' (ON, OFF or PULSE)",
    });
    expect(handleCommand(PASS, "t", "x".repeat(MAX_COMMAND_BYTES + 1), false, relayAction(relay, behaviour))).toEqual({
      refused: `command of ${MAX_COMMAND_BYTES + 1} bytes (max ${MAX_COMMAND_BYTES})`,
    });
    expect(handleCommand(refuseAll, "t", "ON", false, relayAction(relay, behaviour))).toEqual({
      refused: "bad signature",
    });
    expect(fake.pinHistory.filter((e) => e.kind === "write")).toEqual([]);
  });
});

describe("repeated, duplicate and retained commands (relay-safety faults 2 and 3)", () => {
  it("refuses a retained command without touching the relay", () => {
    const { fake, relay } = relayOn();
    expect(handleCommand(PASS, "t", "ON", true, relayAction(relay, SWITCH))).toEqual({
      refused: "retained message refused",
    });
    expect(fake.pinHistory.filter((e) => e.kind === "write")).toEqual([]);
  });

  it("ignores ON during a press and during the lockout, and takes OFF at any time", () => {
    const { fake, relay } = relayOn();
    const ignored = { refused: "ON ignored: a press is running or in its 2000 ms lockout" };
    expect(handleCommand(PASS, "t", "ON", false, relayAction(relay, PULSE))).toEqual({
      done: "relay pulsed for 600 ms",
    });
    fake.time.advance(500);
    expect(handleCommand(PASS, "t", "ON", false, relayAction(relay, PULSE))).toEqual(ignored);
    fake.time.advance(100);
    expect(relay.isOn).toBe(false);
    fake.time.advance(1000);
    expect(handleCommand(PASS, "t", "ON", false, relayAction(relay, PULSE))).toEqual(ignored);
    fake.time.advance(1000);
    expect(handleCommand(PASS, "t", "ON", false, relayAction(relay, PULSE))).toEqual({
      done: "relay pulsed for 600 ms",
    });
    expect(handleCommand(PASS, "t", "OFF", false, relayAction(relay, PULSE))).toEqual({ done: "relay OFF" });
    expect(fake.pinHistory.map((e) => e.high)).toEqual([false, true, false, true, false]);
  });
});

describe("device loop", () => {
  it("stays offline with the relay off when Wi-Fi or TLS material is missing", () => {
    const fake = createFakePlatform({ "lk.profile": JSON.stringify(testProfile()) });
    const booted = boot(fake.platform, "1.0.0")!;
    expect(runDevice(fake.platform, booted)).toBeUndefined();
    expect(fake.log.at(-1)).toBe(
      "error not provisioned: 'lk.wifi' (Wi-Fi credentials) missing from Storage; the relay stays off",
    );
    fake.store["lk.wifi"] = JSON.stringify({ ssid: "s", password: "p" });
    expect(runDevice(fake.platform, booted)).toBeUndefined();
    expect(fake.log.at(-1)).toBe(
      "error not provisioned: 'lk.ca' (TLS material) missing from Storage; the relay stays off",
    );
    fake.store["lk.ca"] = fake.store["lk.cert"] = fake.store["lk.key"] = "der";
    expect(runDevice(fake.platform, booted)).toBeUndefined();
    expect(fake.log.at(-1)).toBe(
      "error not provisioned: 'lk.cmdkey' (command key) missing from Storage; the relay stays off",
    );
    fake.store["lk.cmdkey"] = "short";
    expect(runDevice(fake.platform, booted)).toBeUndefined();
    expect(fake.log.at(-1)).toContain("'lk.cmdkey' (command key) missing");
    expect(fake.pinHistory).toEqual([{ pin: "D23", high: false, kind: "initial" }]);
  });

  it("stays offline with the relay off, saying why, when the board has no entropy for nonces", () => {
    const fake = createFakePlatform({ "lk.profile": JSON.stringify(testProfile()) });
    fake.store["lk.wifi"] = JSON.stringify({ ssid: "s", password: "p" });
    fake.store["lk.ca"] = fake.store["lk.cert"] = fake.store["lk.key"] = "der";
    fake.store["lk.cmdkey"] = "k".repeat(32);
    // hal/espruino/random.ts on a clock that never moves (test/espruino/random.test.ts).
    fake.platform.random = () => {
      throw new Error("no entropy: the clock is stuck");
    };
    const booted = boot(fake.platform, "1.0.0")!;
    expect(runDevice(fake.platform, booted)).toBeUndefined();
    expect(fake.log.at(-1)).toBe("error no entropy: the clock is stuck; the relay stays off");
    expect(fake.pinHistory).toEqual([{ pin: "D23", high: false, kind: "initial" }]);
  });

  it("keeps retrying through the backoff when the TLS stack cannot even start", () => {
    const fake = createFakePlatform({
      "lk.profile": JSON.stringify(testProfile()),
      "lk.wifi": JSON.stringify({ ssid: "s", password: "p" }),
      "lk.ca": "ca",
      "lk.cert": "cert",
      "lk.key": "key",
      "lk.cmdkey": "k".repeat(32),
    });
    const booted = boot(fake.platform, "1.0.0")!;
    expect(runDevice(fake.platform, booted)).toBeDefined();
    fake.time.advance(120000);
    const downs = fake.log.filter((l) =>
      l.startsWith("warn MQTT down: TLS setup failed: no network in this unit test"),
    );
    expect(downs.length).toBeGreaterThan(3);
  });
});
