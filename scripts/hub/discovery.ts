// Home Assistant MQTT discovery payloads, one per entity (entities.ts), with the keys Home
// Assistant documents for each platform (integrations/switch.mqtt, button.mqtt, cover.mqtt,
// binary_sensor.mqtt, sensor.mqtt; docs/mqtt/discovery for device and origin). Each entity
// offers Home Assistant only the commands the owner allowed (ha-permissions.ts): a switch it
// may not switch is a binary_sensor, a cover command it may not send has a null payload (Home
// Assistant's documented way to hide that button), a pulse relay is a button, offered only when
// its press is allowed. Availability is the device's (mirrored by the hub) AND the hub's link to
// the main broker (availability_mode "all"): with either down, no command reaches the device
// signed, so Home Assistant shows it unavailable. State payloads: ha-mapping.ts.
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import type { Entity } from "../lib/entities.ts";
import { COVER_ATTRIBUTES } from "./ha-mapping.ts";
import { haWords, type HaAllow } from "./ha-permissions.ts";
import {
  configTopic,
  deviceAvailabilityTopic,
  haCommandTopic,
  haStateTopic,
  hubAvailabilityTopic,
} from "../lib/ha-topics.ts";

/** Entities the hub itself reports about each device (not read from the device). */
export const HUB_ENTITIES: Entity[] = [
  { id: "last_result", name: "Last command", component: "sensor", topic: "", signed: false, diagnostic: true },
  { id: "verification", name: "Report verification", component: "sensor", topic: "", signed: false, diagnostic: true },
];

export interface Discovery {
  topic: string;
  payload: Record<string, unknown>;
}

type Keys = Record<string, unknown>;

/** The Home Assistant platform and its own keys for one entity, or undefined: not offered. */
function platform(e: Entity, prefix: string, device: string, words: string[]): [string, Keys] | undefined {
  const state = { state_topic: haStateTopic(prefix, device, e.id) };
  const command = { command_topic: haCommandTopic(prefix, device, e.id), retain: false };
  switch (e.component) {
    case "switch":
      if (e.press) return words.includes("ON") ? ["button", { ...command, payload_press: "ON" }] : undefined;
      if (words.length === 0) return ["binary_sensor", { ...state, payload_on: "ON", payload_off: "OFF" }];
      return [
        "switch",
        { ...state, ...command, payload_on: "ON", payload_off: "OFF", state_on: "ON", state_off: "OFF" },
      ];
    case "cover": {
      const payload = (word: string) => (words.includes(word) ? word : null);
      return [
        "cover",
        {
          ...state,
          ...(words.length
            ? {
                ...command,
                payload_open: payload("OPEN"),
                payload_close: payload("CLOSE"),
                payload_stop: payload("STOP"),
              }
            : {}),
          state_open: "open",
          state_opening: "opening",
          state_closed: "closed",
          state_closing: "closing",
          json_attributes_topic: haStateTopic(prefix, device, COVER_ATTRIBUTES),
        },
      ];
    }
    case "binary_sensor":
      return ["binary_sensor", { ...state, payload_on: "ON", payload_off: "OFF" }];
    case "sensor":
      return [
        "sensor",
        {
          ...state,
          ...(e.unit ? { unit_of_measurement: e.unit } : {}),
          ...(e.stateClass ? { state_class: e.stateClass } : {}),
        },
      ];
  }
}

export function discoveryFor(
  profile: DeviceProfile,
  entities: Entity[],
  version: string,
  allow: HaAllow = {},
  /** The device's own firmware version (its signed snapshot); unknown: no sw_version. */
  firmware?: string,
): Discovery[] {
  const prefix = profile.topicPrefix;
  const device = profile.id;
  const all: Discovery[] = [];
  for (const e of [...entities, ...HUB_ENTITIES]) {
    const offered = platform(e, prefix, device, haWords(allow, device, e));
    if (!offered) continue;
    const [component, keys] = offered;
    // A switch's class is not a binary_sensor's: a read-only relay says "power".
    const deviceClass = component === "binary_sensor" && e.component === "switch" ? "power" : e.deviceClass;
    all.push({
      topic: configTopic(component, prefix, device, e.id),
      payload: {
        name: e.name,
        unique_id: `${prefix}_${device}_${e.id}`,
        qos: 1,
        availability: [
          {
            topic: deviceAvailabilityTopic(prefix, device),
            payload_available: "online",
            payload_not_available: "offline",
          },
          { topic: hubAvailabilityTopic(prefix), payload_available: "online", payload_not_available: "offline" },
        ],
        availability_mode: "all",
        ...(deviceClass && component !== "button" ? { device_class: deviceClass } : {}),
        ...(e.diagnostic ? { entity_category: "diagnostic" } : {}),
        ...keys,
        device: {
          identifiers: [`${prefix}_${device}`],
          name: device,
          manufacturer: "Latchkey",
          model: "ESP32 relay (Espruino)",
          ...(firmware ? { sw_version: firmware } : {}),
        },
        origin: { name: "Latchkey hub", sw_version: version },
      },
    });
  }
  return all;
}
