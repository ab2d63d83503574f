// espruino.config.json: read and validated on the host, with one clear message per problem,
// so the device only ever receives an already-valid profile (ESPHome's way).
import { readFileSync } from "node:fs";
import path from "node:path";
import type { BackoffSettings, CommandSettings, DeviceProfile, PinSpec } from "../../firmware/app/profile/profile.ts";
import { validateFeatures } from "./config-features.ts";
import { integer, object, relayBehaviour, string, type Json } from "./config-values.ts";
import { checkProfile } from "../../firmware/app/profile/profile-check.ts";
import { pinProblem, relayPinProblem } from "./esp32-pins.ts";

export interface ToolSettings {
  /** Serial port or tcp://host:port for the Espruino CLI. */
  port: string;
  baud: number;
  /** Project-local state: CA, certificates, simulated Storage. Gitignored. */
  stateDir: string;
}

export interface ProjectConfig {
  device: DeviceProfile;
  build: { sizeBudgetBytes: number };
  tools: ToolSettings;
}

import { ConfigError } from "./errors.ts";
export { ConfigError };

/** An MQTT topic level we allow for ids: no wildcards, separators or spaces. */
export const TOPIC_LEVEL = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** Every key a device profile may have (the optional sections: config-features.ts). */
const DEVICE_KEYS = [
  "id",
  "topicPrefix",
  "pins",
  "relay",
  "broker",
  "failover",
  "mqtt",
  "backoff",
  "commands",
  "inputs",
  "cover",
  "telemetry",
  "relays",
  "interlock",
] as const;
const PIN_NAME = /^D([0-9]|[1-3][0-9])$/;

function pinSpec(value: unknown, where: string, relay: boolean): PinSpec {
  const spec = object(value, where, ["pin", "activeLow"]);
  const pin = string(spec.pin, `${where}.pin`, PIN_NAME, 'an ESP32 pin name such as "D23"');
  const activeLow = spec.activeLow ?? false;
  if (typeof activeLow !== "boolean") throw new ConfigError(`${where}.activeLow must be true or false`);
  const gpio = Number(pin.slice(1));
  const problem = relay ? relayPinProblem(gpio, activeLow) : pinProblem(gpio);
  if (problem)
    throw new ConfigError(`${where}.pin ${pin}${relay ? ` (active ${activeLow ? "low" : "high"})` : ""} ${problem}`);
  return { pin, activeLow };
}

function backoffSettings(value: unknown): BackoffSettings | undefined {
  if (value === undefined) return undefined;
  const b = object(value, "device.backoff", ["baseMs", "capMs", "refusedMs", "refusedCapMs"]);
  const baseMs = integer(b.baseMs, "device.backoff.baseMs", 100, 3600000);
  const refusedMs = integer(b.refusedMs, "device.backoff.refusedMs", 1000, 86400000);
  return {
    baseMs,
    capMs: integer(b.capMs, "device.backoff.capMs", baseMs, 86400000),
    refusedMs,
    refusedCapMs: integer(b.refusedCapMs, "device.backoff.refusedCapMs", refusedMs, 86400000),
  };
}

function commandSettings(value: unknown): CommandSettings | undefined {
  if (value === undefined) return undefined;
  const c = object(value, "device.commands", ["freshnessMs", "maintenanceMaxSeconds"]);
  const settings: CommandSettings = {};
  if (c.freshnessMs !== undefined)
    settings.freshnessMs = integer(c.freshnessMs, "device.commands.freshnessMs", 1000, 600000);
  if (c.maintenanceMaxSeconds !== undefined)
    settings.maintenanceMaxSeconds = integer(
      c.maintenanceMaxSeconds,
      "device.commands.maintenanceMaxSeconds",
      60,
      86400,
    );
  return settings;
}

/** A broker's address: the profile's `broker` and each of its `failover` brokers. */
function brokerAddress(b: Json, where: string): { host: string; port: number } {
  return {
    host: string(b.host, `${where}.host`, /^[A-Za-z0-9.-]{1,253}$/, "a host name or IPv4 address"),
    port: integer(b.port, `${where}.port`, 1, 65535),
  };
}

export function validateConfig(raw: unknown): ProjectConfig {
  const root = object(raw, "the config", ["device", "build", "tools"]);
  const device = object(root.device, "device", DEVICE_KEYS);
  const pins = object(device.pins, "device.pins");
  if (pins.relay === undefined) throw new ConfigError('device.pins must name a "relay" pin');
  const pinMap: DeviceProfile["pins"] = { relay: pinSpec(pins.relay, "device.pins.relay", true) };
  const used = new Map<string, string>([[pinMap.relay.pin, "relay"]]);
  const extraRelays = device.relays === undefined ? {} : object(device.relays, "device.relays");
  for (const [name, value] of Object.entries(pins)) {
    if (name === "relay") continue;
    string(name, `device.pins name "${name}"`, /^[a-z][a-zA-Z0-9]*$/, "a camelCase role name");
    const spec = pinSpec(value, `device.pins.${name}`, name in extraRelays);
    if (used.has(spec.pin))
      throw new ConfigError(`device.pins.${name} uses ${spec.pin}, already used by ${used.get(spec.pin)}`);
    used.set(spec.pin, name);
    pinMap[name] = spec;
  }
  const broker = object(device.broker, "device.broker", ["host", "port"]);
  const mqtt = object(device.mqtt, "device.mqtt", [
    "keepaliveSeconds",
    "connectTimeoutMs",
    "maxPacketBytes",
    "maxInflight",
  ]);
  const build = object(root.build, "build", ["sizeBudgetBytes"]);
  const tools = object(root.tools, "tools", ["port", "baud", "stateDir"]);
  const profile: DeviceProfile = {
    id: string(device.id, "device.id", TOPIC_LEVEL, "a topic-safe id (letters, digits, - and _)"),
    topicPrefix: string(device.topicPrefix, "device.topicPrefix", TOPIC_LEVEL, "a topic-safe prefix"),
    pins: pinMap,
    relay: relayBehaviour(device.relay),
    broker: brokerAddress(broker, "device.broker"),
    mqtt: {
      keepaliveSeconds: integer(mqtt.keepaliveSeconds, "device.mqtt.keepaliveSeconds", 5, 3600),
      connectTimeoutMs: integer(mqtt.connectTimeoutMs, "device.mqtt.connectTimeoutMs", 1000, 120000),
      maxPacketBytes: integer(mqtt.maxPacketBytes, "device.mqtt.maxPacketBytes", 256, 65536),
      maxInflight: integer(mqtt.maxInflight ?? 8, "device.mqtt.maxInflight", 1, 64),
    },
  };
  const backoff = backoffSettings(device.backoff);
  if (backoff) profile.backoff = backoff;
  if (device.failover !== undefined) {
    if (!Array.isArray(device.failover) || device.failover.length < 1 || device.failover.length > 8)
      throw new ConfigError("device.failover must be a list of 1 to 8 brokers ({ host, port })");
    profile.failover = device.failover.map((b: unknown, i: number) =>
      brokerAddress(object(b, `device.failover[${i}]`, ["host", "port"]), `device.failover[${i}]`),
    );
  }
  const commands = commandSettings(device.commands);
  if (commands) profile.commands = commands;
  validateFeatures(device, profile);
  // The device runs this same check at boot: what passes here must pass there.
  const refused = checkProfile(profile);
  if (refused) throw new ConfigError(`the device's own profile check refuses it: ${refused}`);
  return {
    device: profile,
    build: { sizeBudgetBytes: integer(build.sizeBudgetBytes, "build.sizeBudgetBytes", 1000, 500000) },
    tools: {
      port: string(tools.port, "tools.port"),
      baud: integer(tools.baud, "tools.baud", 300, 2000000),
      stateDir: string(tools.stateDir, "tools.stateDir"),
    },
  };
}

export function loadConfig(file = path.resolve("espruino.config.json")): ProjectConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ConfigError(`${file}: not found`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  try {
    return validateConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${file}: ${error.message}`);
    throw error;
  }
}
