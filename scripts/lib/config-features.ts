// The host's check of a profile's optional parts, with one clear message per problem and the
// defaults filled in: further relays, inputs, the garage cover, telemetry and interlock groups.
// The device runs its own check (firmware/app/profile/profile-check.ts) after this one.
import type {
  CoverBehaviour,
  DeviceProfile,
  InputBehaviour,
  InterlockGroup,
  TelemetryBehaviour,
} from "../../firmware/app/profile/profile.ts";
import { RESERVED_NAMES } from "../../firmware/app/protocol/topics.ts";
import { ConfigError } from "./errors.ts";
import { integer, object, oneOf, relayBehaviour, string } from "./config-values.ts";
import { INPUT_ONLY_GPIOS } from "./esp32-pins.ts";

/** ADC1, the only ADC Espruino reads on ESP32 (boards/ESP32.py: ADC2 "not supported yet"). */
const ADC1_GPIOS = [32, 33, 34, 35, 36, 37, 38, 39];

type Json = Record<string, unknown>;
const gpio = (profile: DeviceProfile, name: string) => Number(profile.pins[name].pin.slice(1));

function pinRole(profile: DeviceProfile, value: unknown, where: string): string {
  const name = string(value, where, /^[a-z][a-zA-Z0-9]*$/, "the name of a pin in device.pins");
  if (!profile.pins[name]) throw new ConfigError(`${where} names "${name}", which is not in device.pins`);
  return name;
}

function finite(value: unknown, where: string, fallback?: number): number {
  const n = value ?? fallback;
  if (typeof n !== "number" || !Number.isFinite(n))
    throw new ConfigError(`${where} must be a number (got ${JSON.stringify(value)})`);
  return n;
}

function input(profile: DeviceProfile, name: string, value: unknown, relays: string[]): InputBehaviour {
  const where = `device.inputs.${name}`;
  const raw = object(value, where, ["pull", "debounceMs", "action", "relay"]);
  if (!profile.pins[name]) throw new ConfigError(`${where} needs a pin: add device.pins.${name}`);
  const noPulls = INPUT_ONLY_GPIOS.includes(gpio(profile, name));
  const pull = oneOf(raw.pull, `${where}.pull`, ["up", "down", "none"], noPulls ? "none" : "up");
  if (noPulls && pull !== "none")
    throw new ConfigError(
      `${where}.pull "${pull}": ${profile.pins[name].pin} (GPIO 34-39) has no internal pull resistors; ` +
        `fit an external resistor and set "pull": "none"`,
    );
  const spec: InputBehaviour = { pull, debounceMs: integer(raw.debounceMs ?? 50, `${where}.debounceMs`, 0, 10000) };
  if (raw.action !== undefined) {
    spec.action = oneOf(raw.action, `${where}.action`, ["toggle", "pulse"] as ("toggle" | "pulse")[], "toggle");
    const relay = string(raw.relay ?? "relay", `${where}.relay`);
    if (!relays.includes(relay))
      throw new ConfigError(`${where}.relay "${relay}" is not a relay (relays: ${relays.join(", ")})`);
    const mode = relay === "relay" ? profile.relay.mode : profile.relays![relay].mode;
    if (spec.action === "pulse" && mode !== "pulse")
      throw new ConfigError(`${where}.action "pulse" needs a relay in pulse mode ("${relay}" is a ${mode})`);
    if (raw.relay !== undefined) spec.relay = relay;
  } else if (raw.relay !== undefined) throw new ConfigError(`${where}.relay is set but there is no action`);
  return spec;
}

function cover(profile: DeviceProfile, value: unknown, relays: string[]): CoverBehaviour {
  const raw = object(value, "device.cover", ["relay", "closed", "open", "travelMs"]);
  const relay = string(raw.relay ?? "relay", "device.cover.relay");
  if (!relays.includes(relay)) throw new ConfigError(`device.cover.relay "${relay}" is not a relay`);
  const mode = relay === "relay" ? profile.relay.mode : profile.relays![relay].mode;
  if (mode !== "pulse")
    throw new ConfigError(`device.cover.relay "${relay}" must be in pulse mode (a press on the opener)`);
  const inputs = profile.inputs ?? {};
  const end = (v: unknown, where: string) => {
    const name = string(v, where, /^[a-z][a-zA-Z0-9]*$/, "the name of an input in device.inputs");
    if (!inputs[name]) throw new ConfigError(`${where} "${name}" is not in device.inputs`);
    if (inputs[name].action) throw new ConfigError(`${where} "${name}" is an end switch: it cannot have an action`);
    return name;
  };
  const spec: CoverBehaviour = {
    relay,
    closed: end(raw.closed, "device.cover.closed"),
    travelMs: integer(raw.travelMs ?? 30000, "device.cover.travelMs", 1000, 600000),
  };
  if (raw.open !== undefined) {
    spec.open = end(raw.open, "device.cover.open");
    if (spec.open === spec.closed)
      throw new ConfigError("device.cover.open and device.cover.closed must be two inputs");
  }
  return spec;
}

function telemetry(profile: DeviceProfile, value: unknown): TelemetryBehaviour {
  const raw = object(value, "device.telemetry", ["periodMs", "minIntervalMs", "analog", "temperature"]);
  const periodMs = integer(raw.periodMs ?? 60000, "device.telemetry.periodMs", 1000, 86400000);
  const spec: TelemetryBehaviour = {
    periodMs,
    minIntervalMs: integer(raw.minIntervalMs ?? 5000, "device.telemetry.minIntervalMs", 100, periodMs),
  };
  if (raw.analog !== undefined) {
    const a = object(raw.analog, "device.telemetry.analog", ["pin", "scale", "offset", "threshold", "sampleMs"]);
    const pin = pinRole(profile, a.pin, "device.telemetry.analog.pin");
    if (!ADC1_GPIOS.includes(gpio(profile, pin)))
      throw new ConfigError(
        `device.telemetry.analog.pin ${profile.pins[pin].pin} has no ADC Espruino can read on an ESP32: use D32-D39 (ADC1)`,
      );
    const threshold = finite(a.threshold, "device.telemetry.analog.threshold", 0.01);
    if (threshold <= 0) throw new ConfigError("device.telemetry.analog.threshold must be above 0");
    spec.analog = {
      pin,
      scale: finite(a.scale, "device.telemetry.analog.scale", 1),
      offset: finite(a.offset, "device.telemetry.analog.offset", 0),
      threshold,
      sampleMs: integer(a.sampleMs ?? 1000, "device.telemetry.analog.sampleMs", 100, 86400000),
    };
  }
  if (raw.temperature !== undefined) {
    const t = object(raw.temperature, "device.telemetry.temperature", ["pin", "threshold", "sampleMs"]);
    const pin = pinRole(profile, t.pin, "device.telemetry.temperature.pin");
    if (INPUT_ONLY_GPIOS.includes(gpio(profile, pin)))
      throw new ConfigError(
        `device.telemetry.temperature.pin ${profile.pins[pin].pin} is input-only: OneWire must drive the line`,
      );
    const threshold = finite(t.threshold, "device.telemetry.temperature.threshold", 0.5);
    if (threshold <= 0) throw new ConfigError("device.telemetry.temperature.threshold must be above 0");
    spec.temperature = {
      pin,
      threshold,
      sampleMs: integer(t.sampleMs ?? 10000, "device.telemetry.temperature.sampleMs", 1000, 86400000),
    };
  }
  return spec;
}

function interlock(value: unknown, relays: string[]): InterlockGroup[] {
  if (!Array.isArray(value)) throw new ConfigError("device.interlock must be a list of groups");
  const seen = new Map<string, number>();
  return value.map((g, i) => {
    const where = `device.interlock[${i}]`;
    const raw = object(g, where, ["relays", "deadTimeMs"]);
    if (!Array.isArray(raw.relays) || raw.relays.length < 2)
      throw new ConfigError(`${where}.relays must list at least two relays`);
    for (const name of raw.relays) {
      if (typeof name !== "string" || !relays.includes(name))
        throw new ConfigError(`${where}.relays: ${JSON.stringify(name)} is not a relay (relays: ${relays.join(", ")})`);
      if (seen.has(name))
        throw new ConfigError(`${where}.relays: "${name}" is already in device.interlock[${seen.get(name)}]`);
      seen.set(name, i);
    }
    return {
      relays: raw.relays as string[],
      deadTimeMs: integer(raw.deadTimeMs ?? 500, `${where}.deadTimeMs`, 0, 60000),
    };
  });
}

function ownName(name: string, where: string): void {
  if (RESERVED_NAMES.includes(` ${name} `))
    throw new ConfigError(
      `${where}: "${name}" is a topic the device already uses (${RESERVED_NAMES.trim().split(" ").join(", ")}): rename the pin`,
    );
}

/** Validates device.relays, inputs, cover, telemetry and interlock into `profile`. */
export function validateFeatures(device: Json, profile: DeviceProfile): void {
  const relays = ["relay"];
  if (device.relays !== undefined) {
    profile.relays = {};
    for (const [name, value] of Object.entries(object(device.relays, "device.relays"))) {
      if (name === "relay") throw new ConfigError('device.relays cannot redefine "relay" (that is device.relay)');
      if (!profile.pins[name]) throw new ConfigError(`device.relays.${name} needs a pin: add device.pins.${name}`);
      ownName(name, `device.relays.${name}`);
      profile.relays[name] = relayBehaviour(value, `device.relays.${name}`);
      relays.push(name);
    }
  }
  if (device.inputs !== undefined) {
    profile.inputs = {};
    for (const [name, value] of Object.entries(object(device.inputs, "device.inputs"))) {
      if (relays.includes(name)) throw new ConfigError(`device.inputs.${name}: "${name}" is a relay pin`);
      ownName(name, `device.inputs.${name}`);
      profile.inputs[name] = input(profile, name, value, relays);
    }
  }
  if (device.cover !== undefined) profile.cover = cover(profile, device.cover, relays);
  if (device.telemetry !== undefined) profile.telemetry = telemetry(profile, device.telemetry);
  if (device.interlock !== undefined) profile.interlock = interlock(device.interlock, relays);
}
