import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, validateConfig } from "../scripts/lib/config.ts";

const root = path.resolve(import.meta.dirname, "..");

function withDevice(device: Record<string, unknown>) {
  const base = loadConfig(path.join(root, "espruino.config.json"));
  return { ...base, device: { ...base.device, ...device } };
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
    [{ pins: { relay: { pin: 26 } } }, 'device.pins.relay.pin must be an ESP32 pin name such as "D26" (got 26)'],
    [{ pins: { relay: { pin: "D7" } } }, "device.pins.relay.pin D7 is wired to the ESP32's flash chip"],
    [{ pins: { relay: { pin: "D26" }, door: { pin: "D26" } } }, "device.pins.door uses D26, already used by relay"],
    [{ relay: { mode: "toggle" } }, 'device.relay.mode must be "switch" or "pulse" (got "toggle")'],
    [{ broker: { host: "x", port: 0 } }, "device.broker.port must be a whole number from 1 to 65535 (got 0)"],
  ])("rejects %j with a clear message", (device, message) => {
    expect(() => validateConfig(withDevice(device))).toThrow(new ConfigError(message));
  });

  it("names the file when it is not JSON", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "latchkey-config-"));
    const file = path.join(dir, "espruino.config.json");
    await writeFile(file, "{ nope");
    expect(() => loadConfig(file)).toThrow(/espruino\.config\.json: not valid JSON/);
    expect(() => loadConfig(path.join(dir, "absent.json"))).toThrow(/absent\.json: not found/);
  });
});
