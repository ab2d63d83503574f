// What a device offers, read from its profile: one Entity per relay, cover, input and sensor.
// The page and Home Assistant discovery both render this list and nothing else, so a new kind
// of reading is a row in TELEMETRY_SENSORS (or a profile section mapped below), not new page or
// discovery code. Topics are the firmware's (firmware/app/protocol/topics.ts and the profile sections
// the device reads: relays, inputs, cover, telemetry).
import type { DeviceProfile, RelayBehaviour } from "../../firmware/app/profile/profile.ts";
import { thingTopic } from "../../firmware/app/protocol/topics.ts";

export type Component = "switch" | "cover" | "binary_sensor" | "sensor";

export interface Entity {
  /** Unique within the device, topic-safe: the HA object id and the page's element key. */
  id: string;
  name: string;
  component: Component;
  /** The device topic the value comes from. */
  topic: string;
  /** For telemetry: the key of the JSON object on `topic`. */
  jsonKey?: string;
  /** Reports on this topic must carry the device's signature (relay, cover, inputs). */
  signed: boolean;
  /** Where a command goes, and the only command words accepted for it. */
  command?: { topic: string; words: string[] };
  /** A pulse relay: each ON is one press, and there is no lasting state to switch off. */
  press?: boolean;
  deviceClass?: string;
  unit?: string;
  stateClass?: "measurement" | "total_increasing";
  diagnostic?: boolean;
  /** Numeric: the page keeps recent readings and draws them. */
  chart?: boolean;
}

interface TelemetrySensor {
  key: string;
  name: string;
  /** The profile must have this telemetry section; absent: every telemetry report has it. */
  needs?: "analog" | "temperature";
  unit?: string;
  deviceClass?: string;
  stateClass?: "measurement" | "total_increasing";
  diagnostic?: boolean;
  chart?: boolean;
}

/** The keys of the device's telemetry JSON (firmware/app/sensors/telemetry.ts) shown as sensors. */
export const TELEMETRY_SENSORS: TelemetrySensor[] = [
  {
    key: "temp",
    name: "Temperature",
    needs: "temperature",
    unit: "°C",
    deviceClass: "temperature",
    stateClass: "measurement",
    chart: true,
  },
  { key: "analog", name: "Analog", needs: "analog", stateClass: "measurement", chart: true },
  {
    key: "rssi",
    name: "Wi-Fi signal",
    unit: "dBm",
    deviceClass: "signal_strength",
    stateClass: "measurement",
    diagnostic: true,
    chart: true,
  },
  { key: "up", name: "Uptime", unit: "s", deviceClass: "duration", stateClass: "total_increasing", diagnostic: true },
  { key: "free", name: "Free variables", stateClass: "measurement", diagnostic: true, chart: true },
  { key: "reconnects", name: "Reconnects", stateClass: "total_increasing", diagnostic: true },
  { key: "drop", name: "Last disconnect", diagnostic: true },
];

function title(name: string): string {
  return (
    name.charAt(0).toUpperCase() +
    name
      .slice(1)
      .replace(/([A-Z])/g, " $1")
      .toLowerCase()
  );
}

export function deviceEntities(profile: DeviceProfile): Entity[] {
  const p = profile;
  const root = `${p.topicPrefix}/${p.id}`;
  const entities: Entity[] = [];
  const relays: Record<string, RelayBehaviour> = { relay: p.relay, ...(p.relays ?? {}) };
  for (const [name, behaviour] of Object.entries(relays)) {
    if (p.cover?.relay === name) continue;
    entities.push({
      id: name,
      name: name === "relay" ? "Relay" : title(name),
      component: "switch",
      topic: thingTopic(root, name, "state"),
      signed: true,
      command: { topic: thingTopic(root, name, "set"), words: behaviour.mode === "pulse" ? ["ON"] : ["ON", "OFF"] },
      ...(behaviour.mode === "pulse" ? { press: true } : {}),
      deviceClass: "switch",
    });
  }
  entities.push({
    id: "maintenance",
    name: "Maintenance window",
    component: "sensor",
    topic: thingTopic(root, "maintenance", "state"),
    signed: true,
    diagnostic: true,
  });
  if (p.cover) {
    entities.push({
      id: "cover",
      name: "Door",
      component: "cover",
      topic: thingTopic(root, "cover", "state"),
      signed: true,
      command: { topic: thingTopic(root, "cover", "set"), words: ["OPEN", "CLOSE", "STOP"] },
      deviceClass: "garage",
    });
    entities.push({
      id: "cover_fault",
      name: "Door fault",
      component: "sensor",
      topic: thingTopic(root, "fault", "state"),
      signed: true,
      diagnostic: true,
    });
  }
  // Inputs get no device class: "ON" is "contact made", which for a door's closed-end switch
  // means closed, the opposite of what Home Assistant's "opening" class would show.
  for (const name of Object.keys(p.inputs ?? {})) {
    entities.push({
      id: `input_${name}`,
      name: title(name),
      component: "binary_sensor",
      topic: thingTopic(root, name, "state"),
      signed: true,
    });
  }
  if (p.telemetry) {
    for (const s of TELEMETRY_SENSORS) {
      if (s.needs && p.telemetry[s.needs] === undefined) continue;
      entities.push({
        id: s.key,
        name: s.name,
        component: "sensor",
        topic: `${root}/telemetry`,
        jsonKey: s.key,
        signed: false,
        deviceClass: s.deviceClass,
        unit: s.unit,
        stateClass: s.stateClass,
        diagnostic: s.diagnostic,
        chart: s.chart,
      });
    }
  }
  return entities;
}

/** The entity `word` may be sent to, by its id, if `word` is one of its commands. */
export function commandable(entities: Entity[], id: string, word: string): Entity | undefined {
  const entity = entities.find((e) => e.id === id);
  return entity?.command?.words.includes(word) ? entity : undefined;
}
