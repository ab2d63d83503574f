// The readers of one configuration value each (object, string, integer, one of some words)
// and the relay behaviour, shared by the device profile's check (config.ts) and its optional
// sections' (config-features.ts). Each throws a ConfigError naming the value's place.
import type { RelayBehaviour } from "../../firmware/app/profile/profile.ts";
import { ConfigError } from "./errors.ts";

export type Json = Record<string, unknown>;

/** Edit distance (Levenshtein): how far a misspelt key is from a known one. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** The object at `where`; with `known`, a key not in it is refused, naming the nearest known
 *  key (a misspelt `lockoutMS` would otherwise be ignored and its default used). */
export function object(value: unknown, where: string, known?: readonly string[]): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ConfigError(`${where} must be an object`);
  for (const key of known ? Object.keys(value) : []) {
    if (known!.includes(key)) continue;
    const nearest = [...known!].sort(
      (a, b) => distance(key.toLowerCase(), a.toLowerCase()) - distance(key.toLowerCase(), b.toLowerCase()),
    )[0];
    const close = nearest !== undefined && distance(key.toLowerCase(), nearest.toLowerCase()) <= 3;
    throw new ConfigError(
      `${where}.${key} is not a known setting${close ? `: did you mean ${nearest}?` : ` (known: ${known!.join(", ")})`}`,
    );
  }
  return value as Json;
}
export function string(value: unknown, where: string, pattern?: RegExp, hint?: string): string {
  if (typeof value !== "string" || (pattern && !pattern.test(value)))
    throw new ConfigError(`${where} must be ${hint ?? "a string"} (got ${JSON.stringify(value)})`);
  return value;
}
export function integer(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${where} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  return value;
}
export function oneOf<T extends string>(value: unknown, where: string, choices: T[], fallback: T): T {
  const chosen = value ?? fallback;
  if (!choices.includes(chosen as T))
    throw new ConfigError(
      `${where} must be ${choices.map((c) => JSON.stringify(c)).join(" or ")} (got ${JSON.stringify(value)})`,
    );
  return chosen as T;
}

export function relayBehaviour(value: unknown, where = "device.relay"): RelayBehaviour {
  const relay = object(value, where, ["mode", "pulseMs", "lockoutMs", "maxOnMs", "linkLoss", "linkLossMs", "powerOn"]);
  const mode = oneOf(relay.mode, `${where}.mode`, ["switch", "pulse"], undefined as never);
  const powerOn = oneOf(relay.powerOn, `${where}.powerOn`, ["off", "restore"], "off");
  if (mode === "pulse" && powerOn !== "off")
    throw new ConfigError(`${where}.powerOn "restore" is for switch mode: a press is never repeated at boot`);
  if (where !== "device.relay" && powerOn !== "off")
    throw new ConfigError(`${where}.powerOn "restore" is only for the first relay (device.relay): use "off"`);
  const maxOnMs = integer(relay.maxOnMs ?? (mode === "switch" ? 3600000 : 0), `${where}.maxOnMs`, 0, 604800000);
  if (maxOnMs > 0 && maxOnMs < 1000) throw new ConfigError(`${where}.maxOnMs must be 0 (no limit) or at least 1000`);
  return {
    mode,
    pulseMs: integer(relay.pulseMs ?? 500, `${where}.pulseMs`, 50, 60000),
    lockoutMs: integer(relay.lockoutMs ?? 2000, `${where}.lockoutMs`, 0, 600000),
    maxOnMs,
    linkLoss: oneOf(relay.linkLoss, `${where}.linkLoss`, ["off", "hold"], "off"),
    linkLossMs: integer(relay.linkLossMs ?? 60000, `${where}.linkLossMs`, 1000, 604800000),
    powerOn,
  };
}
