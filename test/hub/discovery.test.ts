// Home Assistant discovery payloads against the configuration keys Home Assistant documents
// for each MQTT platform, for a plain relay and for a garage door profile with the cover,
// inputs and telemetry sections: every key we send is a documented key of its platform, the
// required ones are there, and the entities follow the profile.
import { describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../firmware/app/profile.ts";
import { discoveryFor } from "../../scripts/hub/discovery.ts";
import { deviceEntities } from "../../scripts/hub/entities.ts";
import { relayBehaviour, testProfile } from "../support/profile.ts";

// Keys common to every MQTT entity (home-assistant.io/integrations/<platform>.mqtt/,
// "Configuration Variables"; device and origin from docs/mqtt/discovery).
const COMMON = [
  "availability",
  "availability_mode",
  "availability_template",
  "availability_topic",
  "device",
  "enabled_by_default",
  "encoding",
  "entity_category",
  "entity_picture",
  "icon",
  "json_attributes_template",
  "json_attributes_topic",
  "name",
  "default_entity_id",
  "origin",
  "payload_available",
  "payload_not_available",
  "platform",
  "qos",
  "unique_id",
];
const DOCUMENTED: Record<string, string[]> = {
  switch: [
    ...COMMON,
    "command_template",
    "command_topic",
    "device_class",
    "optimistic",
    "payload_off",
    "payload_on",
    "retain",
    "state_off",
    "state_on",
    "state_topic",
    "value_template",
  ],
  cover: [
    ...COMMON,
    "command_topic",
    "device_class",
    "optimistic",
    "payload_close",
    "payload_open",
    "payload_stop",
    "payload_stop_tilt",
    "position_closed",
    "position_open",
    "position_template",
    "position_topic",
    "retain",
    "set_position_template",
    "set_position_topic",
    "state_closed",
    "state_closing",
    "state_open",
    "state_opening",
    "state_stopped",
    "state_topic",
    "tilt_closed_value",
    "tilt_command_template",
    "tilt_command_topic",
    "tilt_max",
    "tilt_min",
    "tilt_opened_value",
    "tilt_optimistic",
    "tilt_status_template",
    "tilt_status_topic",
    "value_template",
  ],
  binary_sensor: [
    ...COMMON,
    "device_class",
    "expire_after",
    "force_update",
    "off_delay",
    "payload_off",
    "payload_on",
    "state_topic",
    "value_template",
  ],
  sensor: [
    ...COMMON,
    "device_class",
    "expire_after",
    "force_update",
    "last_reset_value_template",
    "options",
    "state_class",
    "state_topic",
    "suggested_display_precision",
    "unit_of_measurement",
    "value_template",
  ],
};
const REQUIRED: Record<string, string[]> = {
  switch: ["command_topic"],
  cover: [],
  binary_sensor: ["state_topic"],
  sensor: ["state_topic"],
};
const DEVICE_KEYS = [
  "configuration_url",
  "connections",
  "hw_version",
  "identifiers",
  "manufacturer",
  "model",
  "model_id",
  "name",
  "serial_number",
  "suggested_area",
  "sw_version",
  "via_device",
];
const ORIGIN_KEYS = ["name", "sw_version", "support_url"];
// Device classes Home Assistant lists for each platform (the ones this hub can send).
const CLASSES: Record<string, string[]> = {
  switch: ["outlet", "switch"],
  cover: ["garage", "door", "gate", "shutter"],
  binary_sensor: ["door", "garage_door", "opening", "window"],
  sensor: ["temperature", "signal_strength", "duration", "voltage"],
};

/** The garage door profile shape of the inputs/cover/telemetry sections (firmware profile). */
const garage = {
  ...testProfile({ id: "garage-1", relay: relayBehaviour({ mode: "pulse" }) }),
  inputs: {
    closed: { pull: "up", debounceMs: 50 },
    open: { pull: "up", debounceMs: 50 },
    button: { pull: "up", debounceMs: 50 },
  },
  cover: { relay: "relay", closed: "closed", open: "open", travelMs: 20000 },
  telemetry: { periodMs: 60000, minIntervalMs: 5000, temperature: { pin: "temp", threshold: 0.5, sampleMs: 10000 } },
} as DeviceProfile;

function check(profile: DeviceProfile) {
  const all = discoveryFor(profile, deviceEntities(profile), "1.2.3");
  for (const { topic, payload } of all) {
    const component = topic.split("/")[1]!;
    expect(DOCUMENTED[component], topic).toBeDefined();
    const undocumented = Object.keys(payload).filter((k) => !DOCUMENTED[component]!.includes(k));
    expect(undocumented, topic).toEqual([]);
    for (const key of REQUIRED[component]!) expect(payload, topic).toHaveProperty(key);
    expect(Object.keys(payload.device as object).filter((k) => !DEVICE_KEYS.includes(k))).toEqual([]);
    expect(Object.keys(payload.origin as object).filter((k) => !ORIGIN_KEYS.includes(k))).toEqual([]);
    if (payload.device_class !== undefined) expect(CLASSES[component]).toContain(payload.device_class);
    if (payload.entity_category !== undefined) expect(payload.entity_category).toBe("diagnostic");
    expect(topic).toMatch(/^homeassistant\/[a-z_]+\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\/config$/);
    expect(payload.availability).toEqual([
      { topic: `latchkey/${profile.id}/availability`, payload_available: "online", payload_not_available: "offline" },
      { topic: "latchkey-ha/availability", payload_available: "online", payload_not_available: "offline" },
    ]);
    expect(payload.availability_mode).toBe("all");
  }
  return all;
}

describe("Home Assistant discovery", () => {
  it("offers a plain relay as a switch, with the hub's diagnostic entities", () => {
    const all = check(testProfile({ id: "pump-1", relay: relayBehaviour({ mode: "switch" }) }));
    expect(all.map((d) => d.topic)).toEqual([
      "homeassistant/switch/latchkey_pump-1/relay/config",
      "homeassistant/sensor/latchkey_pump-1/maintenance/config",
      "homeassistant/sensor/latchkey_pump-1/last_result/config",
      "homeassistant/sensor/latchkey_pump-1/verification/config",
    ]);
    expect(all[0]!.payload).toMatchObject({
      unique_id: "latchkey_pump-1_relay",
      command_topic: "latchkey-ha/pump-1/relay/set",
      state_topic: "latchkey-ha/pump-1/relay/state",
      device: { identifiers: ["latchkey_pump-1"], name: "pump-1", sw_version: "1.2.3" },
    });
  });

  it("offers a garage door as a cover with binary sensors for its inputs and sensors for telemetry", () => {
    const all = check(garage);
    const ids = all.map((d) => d.topic.split("/").slice(1, 2).concat(d.topic.split("/")[3]!).join(":"));
    expect(ids).toEqual([
      "sensor:maintenance",
      "cover:cover",
      "sensor:cover_fault",
      "binary_sensor:input_closed",
      "binary_sensor:input_open",
      "binary_sensor:input_button",
      "sensor:temp",
      "sensor:rssi",
      "sensor:up",
      "sensor:free",
      "sensor:reconnects",
      "sensor:last_result",
      "sensor:verification",
    ]);
    const cover = all.find((d) => d.topic.includes("/cover/"))!.payload;
    expect(cover).toMatchObject({
      device_class: "garage",
      payload_open: "OPEN",
      command_topic: "latchkey-ha/garage-1/cover/set",
    });
    const temp = all.find((d) => d.topic.includes("/temp/"))!.payload;
    expect(temp).toMatchObject({ device_class: "temperature", unit_of_measurement: "°C", state_class: "measurement" });
    expect(temp.entity_category).toBeUndefined();
    expect(all.find((d) => d.topic.includes("/rssi/"))!.payload.entity_category).toBe("diagnostic");
  });

  it("takes entities from the profile only: the cover's relay is not also a switch", () => {
    const entities = deviceEntities(garage);
    expect(entities.some((e) => e.component === "switch")).toBe(false);
    expect(entities.find((e) => e.id === "cover")!.command).toEqual({
      topic: "latchkey/garage-1/cover/set",
      words: ["OPEN", "CLOSE", "STOP"],
    });
    expect(entities.find((e) => e.id === "input_closed")!).toMatchObject({
      topic: "latchkey/garage-1/closed/state",
      signed: true,
    });
  });
});
