import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, validateConfig } from "../scripts/lib/config.ts";

const root = path.resolve(import.meta.dirname, "..");

/** The shipped config with its device reduced to the parts every device has (the garage
 *  door's inputs and cover would refer to pins a test replaces), then `device` over it. */
function withDevice(device: Record<string, unknown>) {
  const base = loadConfig(path.join(root, "espruino.config.json"));
  const { id, topicPrefix, pins, relay, broker, mqtt } = base.device;
  return { ...base, device: { id, topicPrefix, pins: { relay: pins.relay }, relay, broker, mqtt, ...device } };
}

describe("espruino.config.json", () => {
  it("the shipped config is valid", () => {
    const config = loadConfig(path.join(root, "espruino.config.json"));
    expect(config.device.pins.relay.pin).toMatch(/^D\d+$/);
    expect(config.build.sizeBudgetBytes).toBeGreaterThan(0);
  });

  it.each([
    [{ id: "garage/door" }, 'device.id must be a topic-safe id (letters, digits, - and _) (got "garage/door")'],
    [{ id: "#" }, 'device.id must be a topic-safe id (letters, digits, - and _) (got "#")'],
    [{ pins: {} }, 'device.pins must name a "relay" pin'],
    [{ pins: { relay: { pin: 26 } } }, 'device.pins.relay.pin must be an ESP32 pin name such as "D23" (got 26)'],
    [{ pins: { relay: { pin: "D7" } } }, "device.pins.relay.pin D7 (active high) is wired to the ESP32's flash chip"],
    [{ pins: { relay: { pin: "D23" }, door: { pin: "D23" } } }, "device.pins.door uses D23, already used by relay"],
    [{ pins: { relay: { pin: "D23" }, door: { pin: "D20" } } }, "device.pins.door.pin D20 does not exist on an ESP32"],
    [{ pins: { relay: { pin: "D23" }, door: { pin: "D3" } } }, "device.pins.door.pin D3 is the serial console (UART0)"],
    [{ relay: { mode: "toggle" } }, 'device.relay.mode must be "switch" or "pulse" (got "toggle")'],
    [
      { relay: { mode: "pulse", powerOn: "restore" } },
      'device.relay.powerOn "restore" is for switch mode: a press is never repeated at boot',
    ],
    [{ relay: { mode: "switch", linkLoss: "maybe" } }, 'device.relay.linkLoss must be "off" or "hold" (got "maybe")'],
    [{ relay: { mode: "switch", maxOnMs: 10 } }, "device.relay.maxOnMs must be 0 (no limit) or at least 1000"],
    [
      { relay: { mode: "pulse", lockoutMs: -1 } },
      "device.relay.lockoutMs must be a whole number from 0 to 600000 (got -1)",
    ],
    [
      { mqtt: { keepaliveSeconds: 30, connectTimeoutMs: 15000, maxPacketBytes: 4096, maxInflight: 0 } },
      "device.mqtt.maxInflight must be a whole number from 1 to 64 (got 0)",
    ],
    [
      { backoff: { baseMs: 1000, capMs: 500, refusedMs: 60000, refusedCapMs: 60000 } },
      "device.backoff.capMs must be a whole number from 1000 to 86400000 (got 500)",
    ],
    [{ broker: { host: "x", port: 0 } }, "device.broker.port must be a whole number from 1 to 65535 (got 0)"],
  ])("rejects %j with a clear message", (device, message) => {
    expect(() => validateConfig(withDevice(device))).toThrow(new ConfigError(message));
  });

  // Relay-safety fault 6: Espruino pulls these pins up at boot or they glitch at reset.
  it.each([
    [
      "D26",
      false,
      "device.pins.relay.pin D26 (active high) is pulled up by Espruino at boot, which holds an active-high relay ON until the firmware runs: use D23, D32 or D33, or D25, D26 or D27 with an active-low board",
    ],
    [
      "D14",
      false,
      "device.pins.relay.pin D14 (active high) is pulled up by Espruino at boot, which holds an active-high relay ON until the firmware runs: use D23, D32 or D33, or D25, D26 or D27 with an active-low board",
    ],
    [
      "D0",
      true,
      "device.pins.relay.pin D0 (active low) is a strapping pin that can glitch while the chip resets (the relay would click at boot): use D25, D26 or D27 with an active-low board",
    ],
    [
      "D2",
      false,
      "device.pins.relay.pin D2 (active high) is a strapping pin that can glitch while the chip resets (the relay would click at boot): use D23, D32 or D33",
    ],
    [
      "D5",
      false,
      "device.pins.relay.pin D5 (active high) is a strapping pin that can glitch while the chip resets (the relay would click at boot): use D23, D32 or D33",
    ],
    [
      "D12",
      true,
      "device.pins.relay.pin D12 (active low) is a strapping pin that can glitch while the chip resets (the relay would click at boot): use D25, D26 or D27 with an active-low board",
    ],
    [
      "D35",
      true,
      "device.pins.relay.pin D35 (active low) is input-only and cannot drive a relay: use D25, D26 or D27 with an active-low board",
    ],
    ["D1", false, "device.pins.relay.pin D1 (active high) is the serial console (UART0)"],
    ["D31", false, "device.pins.relay.pin D31 (active high) does not exist on an ESP32"],
  ])("refuses a relay on %s (activeLow %s) where it cannot be boot-safe", (pin, activeLow, message) => {
    expect(() => validateConfig(withDevice({ pins: { relay: { pin, activeLow } } }))).toThrow(new ConfigError(message));
  });

  it("accepts the boot-safe relay pins, and fills the fail-safe defaults", () => {
    for (const pin of ["D4", "D16", "D17", "D23", "D32", "D33"])
      expect(validateConfig(withDevice({ pins: { relay: { pin, activeLow: false } } })).device.pins.relay.pin).toBe(
        pin,
      );
    for (const pin of ["D13", "D14", "D18", "D19", "D21", "D22", "D25", "D26", "D27"])
      expect(validateConfig(withDevice({ pins: { relay: { pin, activeLow: true } } })).device.pins.relay.pin).toBe(pin);
    expect(validateConfig(withDevice({ relay: { mode: "switch" } })).device.relay).toEqual({
      mode: "switch",
      pulseMs: 500,
      lockoutMs: 2000,
      maxOnMs: 3600000,
      linkLoss: "off",
      linkLossMs: 60000,
      powerOn: "off",
    });
  });

  it("the example profiles are valid", async () => {
    const { readFileSync, readdirSync } = await import("node:fs");
    const dir = path.join(root, "examples");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")))
      expect(() => validateConfig(withDevice(JSON.parse(readFileSync(path.join(dir, file), "utf8"))))).not.toThrow();
  });

  it("names the file when it is not JSON", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "latchkey-config-"));
    const file = path.join(dir, "espruino.config.json");
    await writeFile(file, "{ nope");
    expect(() => loadConfig(file)).toThrow(/espruino\.config\.json: not valid JSON/);
    expect(() => loadConfig(path.join(dir, "absent.json"))).toThrow(/absent\.json: not found/);
  });
});
