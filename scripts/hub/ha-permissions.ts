// Which commands Home Assistant may send, decided by the owner per device and entity on the
// host (`home-assistant.json` beside espruino.config.json, or `--ha-allow FILE`):
//   { "garage-door": { "cover": ["CLOSE", "STOP"] } }
// Anything not listed is refused and audited as refused; an entity with no allowed command is
// offered to Home Assistant read-only. The default is nothing: a home automation system that is
// compromised, or an automation that misfires, must not open a garage door its owner never
// allowed it to open.
import { existsSync, readFileSync } from "node:fs";
import { ConfigError } from "../lib/config.ts";
import type { Entity } from "../lib/entities.ts";

/** device id -> entity id -> the command words Home Assistant may send. */
export type HaAllow = Record<string, Record<string, string[]>>;

/** Reads the owner's file; a missing file allows nothing. Every mistake is one line. */
export function loadHaAllow(file: string): HaAllow {
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const where = (path: string) => `${file}: ${path}`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ConfigError(where("must be an object of device ids"));
  const allow: HaAllow = {};
  for (const [device, entities] of Object.entries(raw)) {
    if (typeof entities !== "object" || entities === null || Array.isArray(entities))
      throw new ConfigError(where(`"${device}" must be an object of entity ids`));
    allow[device] = {};
    for (const [entity, words] of Object.entries(entities as Record<string, unknown>)) {
      if (!Array.isArray(words) || words.some((w) => typeof w !== "string"))
        throw new ConfigError(where(`"${device}"."${entity}" must be a list of command words`));
      allow[device][entity] = words as string[];
    }
  }
  return allow;
}

/** Refuses an allowance for a device, entity or word the profiles do not have (a typo would
 *  otherwise silently allow nothing, or read as allowing what cannot be sent). */
export function checkHaAllow(allow: HaAllow, entitiesOf: (device: string) => Entity[] | undefined): void {
  for (const [device, entities] of Object.entries(allow)) {
    const known = entitiesOf(device);
    if (!known) throw new ConfigError(`Home Assistant allowances name device '${device}', which has no profile`);
    for (const [id, words] of Object.entries(entities)) {
      const entity = known.find((e) => e.id === id);
      if (!entity?.command)
        throw new ConfigError(`Home Assistant allowances name '${device}/${id}', which takes no command`);
      const unknown = words.find((w) => !entity.command!.words.includes(w));
      if (unknown !== undefined)
        throw new ConfigError(
          `Home Assistant allowances give '${device}/${id}' the command '${unknown}'; it takes ${entity.command.words.join(", ")}`,
        );
    }
  }
}

/** The words Home Assistant may send to one entity (none unless the owner listed them). */
export function haWords(allow: HaAllow, device: string, entity: Entity): string[] {
  const listed = allow[device]?.[entity.id] ?? [];
  return (entity.command?.words ?? []).filter((w) => listed.includes(w));
}

/** The owner's file, beside the project's espruino.config.json. */
export const HA_ALLOW_FILE = "home-assistant.json";

/** What `npm run hub` and `npm start -- --hub` print about Home Assistant: where it connects and
 *  with which files, what it may send, or why there is no Home Assistant path. */
export function haSummary(
  endpoint: { host: string; port: number; identities: string[] } | undefined,
  allow: HaAllow,
  files: { identityDir: (name: string) => string; ca: string; allowFile: string },
): string[] {
  if (!endpoint)
    return [
      "Home Assistant: no `ha` identity, so no Home Assistant endpoint (npm run pki -- ha opens it, the hub need not restart)",
    ];
  const host = endpoint.host === "0.0.0.0" || endpoint.host === "::" ? "<this machine's address>" : endpoint.host;
  const lines = endpoint.identities.map(
    (name) =>
      `Home Assistant: point its MQTT integration at ${host}:${endpoint.port} (TLS, client certificate ${files.identityDir(name)}/cert.pem and key.pem, CA ${files.ca}; README "Home Assistant")`,
  );
  const allowed = Object.entries(allow).flatMap(([device, entities]) =>
    Object.entries(entities)
      .filter(([, words]) => words.length > 0)
      .map(([entity, words]) => `${device}/${entity} ${words.join(", ")}`),
  );
  lines.push(
    allowed.length
      ? `Home Assistant may send: ${allowed.join("; ")} (${files.allowFile})`
      : `Home Assistant may send no command (it sees every state): list the ones it may in ${files.allowFile}`,
  );
  return lines;
}
