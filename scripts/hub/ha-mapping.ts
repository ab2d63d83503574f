// What Home Assistant is shown, from the hub's CURRENT values (verified and confirmed), checked against Home Assistant's
// own documentation of each MQTT platform (home-assistant.io/integrations/cover.mqtt,
// binary_sensor.mqtt, switch.mqtt, button.mqtt; the README lists the table):
//   cover: `open`, `opening`, `closing` as the device reports them; `closed` only when the
//     device reports closed AND the hub holds a verified ON from the closed end switch;
//     `stopped` (mid-travel) is `open`, never HA's `state_stopped`, which HA turns into
//     `closed` after `closing`; `unknown` (both switches, or closed without its switch) is
//     HA's "None" payload, which resets the entity to unknown. A fault is never folded into the
//     state: it is the attribute `fault` (json_attributes_topic) and the "Door fault" sensor.
//   switch / binary_sensor: `ON` / `OFF` as reported. A pulse relay is a button (no state).
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import type { DeviceView, EntityValue } from "./device-view.ts";
import type { Entity } from "../lib/entities.ts";

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

/**
 * One entity's payload: its value only when current (a signed value the device confirmed by
 * answering the hub's challenge, device-state.ts; or unsigned telemetry, marked so in the
 * hub's diagnostics). A signed entity the hub cannot tell is current is unknown, always said
 * (it replaces what was retained before): "None", which the cover, switch, binary sensor and
 * numeric sensor documentation names as the payload that resets the state to unknown; a text
 * sensor would show "None" as its value (a fault of "None" reads as no fault), so it gets
 * "unconfirmed".
 */
export function haValue(entity: Entity, slot: EntityValue | undefined): string | undefined {
  if (slot?.value !== undefined) return slot.value;
  if (!entity.signed) return undefined;
  return entity.component === "sensor" && !entity.unit && !entity.stateClass ? "unconfirmed" : HA_UNKNOWN;
}

/** Every value to mirror for one device: entity id -> payload (absent: nothing to say yet). */
export function haValues(profile: DeviceProfile, view: DeviceView): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const e of view.entities) values[e.id] = haValue(e, view.values[e.id]);
  if (profile.cover && "cover" in values) {
    const reported = view.values.cover?.value;
    if (reported !== undefined)
      values.cover = haCoverState(reported, view.values[`input_${profile.cover.closed}`]?.value);
    const fault = view.values.cover_fault?.value;
    // Unconfirmed: no reported state or fault either (what was retained is replaced).
    values[COVER_ATTRIBUTES] = JSON.stringify({
      reported: reported ?? null,
      fault: fault === undefined || fault === "none" || fault === "" ? null : fault,
    });
  }
  return values;
}
