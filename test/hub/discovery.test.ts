// Home Assistant discovery payloads against the configuration keys Home Assistant documents
// for each MQTT platform, for a plain relay and for a garage door profile with the cover,
// inputs and telemetry sections: every key we send is a documented key of its platform, the
// required ones are there, the entities follow the profile, and Home Assistant is offered only
// the commands the owner allowed (a pulse relay as a button, a cover's other buttons null).
// The state mapping (ha-mapping.ts) against the documented cover semantics: a door stopped
// mid-close is never closed, closed needs the closed switch, a fault is an attribute.
import { describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import type { DeviceView } from "../../scripts/hub/device-view.ts";
import { discoveryFor } from "../../scripts/hub/discovery.ts";
import { haCoverState, haValues, HA_UNKNOWN } from "../../scripts/hub/ha-mapping.ts";
import type { HaAllow } from "../../scripts/hub/ha-permissions.ts";
import { deviceEntities } from "../../scripts/lib/entities.ts";
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
  button: [...COMMON, "command_template", "command_topic", "device_class", "payload_press", "retain"],
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
  button: ["command_topic"],
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
  binary_sensor: ["door", "garage_door", "opening", "window", "power"],
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

function check(profile: DeviceProfile, allow: HaAllow = {}) {
  const all = discoveryFor(profile, deviceEntities(profile), "1.2.3", allow, "0.9.1");
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
      {
        topic: `latchkey-ha/${profile.id}/availability`,
        payload_available: "online",
        payload_not_available: "offline",
      },
      { topic: "latchkey-ha/availability", payload_available: "online", payload_not_available: "offline" },
    ]);
    expect(payload.availability_mode).toBe("all");
  }
  return all;
}

describe("Home Assistant discovery", () => {
  it("offers a plain relay as a switch, with the hub's diagnostic entities", () => {
    const all = check(testProfile({ id: "pump-1", relay: relayBehaviour({ mode: "switch" }) }), {
      "pump-1": { relay: ["ON", "OFF"] },
    });
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
      device: { identifiers: ["latchkey_pump-1"], name: "pump-1", sw_version: "0.9.1" },
      origin: { name: "Latchkey hub", sw_version: "1.2.3" },
    });
    // Before the device said its version, Home Assistant is told none (not the hub's).
    const unknown = discoveryFor(testProfile({ id: "pump-1" }), deviceEntities(testProfile({ id: "pump-1" })), "1.2.3");
    expect(unknown[0]!.payload.device).not.toHaveProperty("sw_version");
  });

  it("offers a garage door as a cover with binary sensors for its inputs and sensors for telemetry", () => {
    const all = check(garage, { "garage-1": { cover: ["OPEN", "CLOSE", "STOP"] } });
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
      "sensor:drop",
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
    // Device health, as ESPHome offers it: diagnostic sensors in Home Assistant.
    for (const health of ["rssi", "up", "free", "reconnects", "drop"])
      expect(all.find((d) => d.topic.includes(`/${health}/`))!.payload.entity_category, health).toBe("diagnostic");
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

  it("offers Home Assistant only what the owner allowed: read-only without, a pulse relay as a button", () => {
    const pump = testProfile({ id: "pump-1", relay: relayBehaviour({ mode: "switch" }) });
    const readOnly = check(pump);
    expect(readOnly[0]!.topic).toBe("homeassistant/binary_sensor/latchkey_pump-1/relay/config");
    expect(readOnly[0]!.payload).toMatchObject({
      device_class: "power",
      state_topic: "latchkey-ha/pump-1/relay/state",
    });
    expect(readOnly[0]!.payload).not.toHaveProperty("command_topic");
    const gate = testProfile({ id: "gate-1", relay: relayBehaviour({ mode: "pulse" }) });
    expect(check(gate).map((d) => d.topic)).not.toContain("homeassistant/button/latchkey_gate-1/relay/config");
    const pressed = check(gate, { "gate-1": { relay: ["ON"] } });
    expect(pressed[0]!.topic).toBe("homeassistant/button/latchkey_gate-1/relay/config");
    expect(pressed[0]!.payload).toMatchObject({ command_topic: "latchkey-ha/gate-1/relay/set", payload_press: "ON" });
    expect(pressed[0]!.payload).not.toHaveProperty("state_topic");
    expect(pressed.some((d) => d.topic.startsWith("homeassistant/switch/"))).toBe(false);
    // A garage door that may be closed and stopped, never opened, from Home Assistant.
    const cover = check(garage, { "garage-1": { cover: ["CLOSE", "STOP"] } }).find((d) => d.topic.includes("/cover/"))!;
    expect(cover.payload).toMatchObject({ payload_open: null, payload_close: "CLOSE", payload_stop: "STOP" });
    expect(cover.payload).not.toHaveProperty("state_stopped");
    const watched = check(garage).find((d) => d.topic.includes("/cover/"))!;
    expect(watched.payload).not.toHaveProperty("command_topic");
    expect(watched.payload).not.toHaveProperty("payload_open");
  });

  it("maps the door's state as Home Assistant's cover documents it: never closed unless the switch says so", () => {
    // Home Assistant turns `state_stopped` after `closing` into closed: the hub never sends it.
    expect(haCoverState("stopped", "OFF")).toBe("open");
    expect(haCoverState("stopped", undefined)).toBe("open");
    expect(haCoverState("open", "OFF")).toBe("open");
    expect(haCoverState("opening", "OFF")).toBe("opening");
    expect(haCoverState("closing", "OFF")).toBe("closing");
    expect(haCoverState("closed", "ON")).toBe("closed");
    // "closed" without a verified closed switch, or both switches at once: unknown ("None").
    expect(haCoverState("closed", "OFF")).toBe(HA_UNKNOWN);
    expect(haCoverState("closed", undefined)).toBe(HA_UNKNOWN);
    expect(haCoverState("unknown", "ON")).toBe(HA_UNKNOWN);
    expect(HA_UNKNOWN).toBe("None");
    expect(haCoverState(undefined, "ON")).toBeUndefined();
    const entities = deviceEntities(garage);
    const value = (v: string) => ({ value: v, history: [] });
    const view: DeviceView = {
      id: "garage-1",
      availability: "online",
      freshness: { confirmed: true, at: 0 },
      entities,
      values: {
        cover: value("stopped"),
        cover_fault: value("travel timeout: the closed switch was not reached in 20000 ms"),
        input_closed: value("OFF"),
      },
    };
    const mirrored = haValues(garage, view);
    expect(mirrored.cover).toBe("open");
    expect(JSON.parse(mirrored.cover_attributes!)).toEqual({
      reported: "stopped",
      fault: "travel timeout: the closed switch was not reached in 20000 ms",
    });
    view.values.cover_fault = value("none");
    expect(JSON.parse(haValues(garage, view).cover_attributes!)).toEqual({ reported: "stopped", fault: null });
  });
});
