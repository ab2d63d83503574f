// Home Assistant MQTT discovery payloads, one per entity (entities.ts), with the keys Home
// Assistant documents for each platform (integrations/switch.mqtt, cover.mqtt,
// binary_sensor.mqtt, sensor.mqtt; docs/mqtt/discovery for device and origin). Availability
// is bound to the device's last will AND the hub's (availability_mode "all"): with either
// down, a command could not reach the device signed, so Home Assistant shows it unavailable.
import type { DeviceProfile } from "../../firmware/app/profile.ts";
import type { Component, Entity } from "./entities.ts";
import { configTopic, haCommandTopic, haStateTopic, hubAvailabilityTopic } from "./ha-topics.ts";

/** Entities the hub itself reports about each device (not read from the device). */
export const HUB_ENTITIES: Entity[] = [
  { id: "last_result", name: "Last command", component: "sensor", topic: "", signed: false, diagnostic: true },
  { id: "verification", name: "Report verification", component: "sensor", topic: "", signed: false, diagnostic: true },
];

export interface Discovery {
  topic: string;
  payload: Record<string, unknown>;
}

const PLATFORM_KEYS: Record<Component, (e: Entity, prefix: string, device: string) => Record<string, unknown>> = {
  switch: (e, prefix, device) => ({
    command_topic: haCommandTopic(prefix, device, e.id),
    payload_on: "ON",
    payload_off: "OFF",
    state_on: "ON",
    state_off: "OFF",
    retain: false,
  }),
  cover: (e, prefix, device) => ({
    command_topic: haCommandTopic(prefix, device, e.id),
    payload_open: "OPEN",
    payload_close: "CLOSE",
    payload_stop: "STOP",
    state_open: "open",
    state_opening: "opening",
    state_closed: "closed",
    state_closing: "closing",
    state_stopped: "stopped",
    retain: false,
  }),
  binary_sensor: () => ({ payload_on: "ON", payload_off: "OFF" }),
  sensor: (e) => ({
    ...(e.unit ? { unit_of_measurement: e.unit } : {}),
    ...(e.stateClass ? { state_class: e.stateClass } : {}),
  }),
};

export function discoveryFor(profile: DeviceProfile, entities: Entity[], version: string): Discovery[] {
  const prefix = profile.topicPrefix;
  const device = profile.id;
  return [...entities, ...HUB_ENTITIES].map((e) => ({
    topic: configTopic(e.component, prefix, device, e.id),
    payload: {
      name: e.name,
      unique_id: `${prefix}_${device}_${e.id}`,
      state_topic: haStateTopic(prefix, device, e.id),
      qos: 1,
      availability: [
        { topic: `${prefix}/${device}/availability`, payload_available: "online", payload_not_available: "offline" },
        { topic: hubAvailabilityTopic(prefix), payload_available: "online", payload_not_available: "offline" },
      ],
      availability_mode: "all",
      ...(e.deviceClass ? { device_class: e.deviceClass } : {}),
      ...(e.diagnostic ? { entity_category: "diagnostic" } : {}),
      ...PLATFORM_KEYS[e.component](e, prefix, device),
      device: {
        identifiers: [`${prefix}_${device}`],
        name: device,
        manufacturer: "Latchkey",
        model: "ESP32 relay (Espruino)",
        sw_version: version,
      },
      origin: { name: "Latchkey hub", sw_version: version },
    },
  }));
}
