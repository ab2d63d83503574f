// What Home Assistant is shown, from the hub's VERIFIED values, checked against Home Assistant's
// own documentation of each MQTT platform (home-assistant.io/integrations/cover.mqtt,
// binary_sensor.mqtt, switch.mqtt, button.mqtt; the README lists the table):
//   cover: `open`, `opening`, `closing` as the device reports them; `closed` only when the
//     device reports closed AND the hub holds a verified ON from the closed end switch;
//     `stopped` (mid-travel) is `open`, never HA's `state_stopped`, which HA turns into
//     `closed` after `closing`; `unknown` (both switches, or closed without its switch) is
//     HA's "None" payload, which resets the entity to unknown. A fault is never folded into the
//     state: it is the attribute `fault` (json_attributes_topic) and the "Door fault" sensor.
//   switch / binary_sensor: `ON` / `OFF` as reported. A pulse relay is a button (no state).
import type { DeviceProfile } from "../../firmware/app/profile.ts";
import type { DeviceView } from "./device-state.ts";

/** Home Assistant's payload for "unknown" on a state topic (cover, binary_sensor). */
export const HA_UNKNOWN = "None";

/** The entity id under which the cover's attributes are mirrored (its json_attributes_topic). */
export const COVER_ATTRIBUTES = "cover_attributes";

/** The cover's state for Home Assistant, or undefined while the hub has no verified state. */
export function haCoverState(reported: string | undefined, closedSwitch: string | undefined): string | undefined {
  switch (reported) {
    case undefined:
      return undefined;
    case "closed":
      return closedSwitch === "ON" ? "closed" : HA_UNKNOWN;
    case "open":
    case "opening":
    case "closing":
      return reported;
    case "stopped":
      return "open";
    default:
      return HA_UNKNOWN;
  }
}

/** Every value to mirror for one device: entity id -> payload (absent: nothing verified yet). */
export function haValues(profile: DeviceProfile, view: DeviceView): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const e of view.entities) values[e.id] = view.values[e.id]?.value;
  if (profile.cover && "cover" in values) {
    const reported = view.values.cover?.value;
    values.cover = haCoverState(reported, view.values[`input_${profile.cover.closed}`]?.value);
    const fault = view.values.cover_fault?.value;
    values[COVER_ATTRIBUTES] =
      reported === undefined
        ? undefined
        : JSON.stringify({ reported, fault: fault === undefined || fault === "none" || fault === "" ? null : fault });
  }
  return values;
}
