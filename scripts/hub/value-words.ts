// A device's values in the words of its profile, shared by the page's rows (page-model.ts) and
// the timeline's events (device-journal.ts): an input as an end switch of the door, a button or
// a contact; a relay as on/off or pressing/ready; the door's position and fault.
import type { DeviceProfile, InputBehaviour } from "../../firmware/app/profile/profile.ts";
import type { Entity } from "./entities.ts";

/** An input's meaning: an end switch of the door, a button and what it does, or a contact. */
export function inputWords(
  profile: DeviceProfile,
  name: string,
  spec: InputBehaviour | undefined,
): { name: string; on: string; off: string; meaning: string } {
  if (profile.cover?.closed === name)
    return {
      name: "Closed switch",
      on: "Door at the closed end",
      off: "Not at the closed end",
      meaning: "reed switch",
    };
  if (profile.cover?.open === name)
    return { name: "Open switch", on: "Door fully open", off: "Not fully open", meaning: "reed switch" };
  const title = name.charAt(0).toUpperCase() + name.slice(1);
  if (spec?.action) {
    const relay = spec.relay ?? "relay";
    const does = spec.action === "toggle" ? `toggles ${relay}` : `presses ${relay}`;
    return { name: title, on: "Pressed", off: "Released", meaning: `button: ${does}` };
  }
  return { name: title, on: "Active", off: "Inactive", meaning: "contact" };
}

/** One value in words, for the timeline: the entity's name and the value as the page says it. */
export function describeValue(profile: DeviceProfile, entity: Entity, value: string): { name: string; shown: string } {
  if (entity.component === "binary_sensor") {
    const name = entity.id.slice("input_".length);
    const words = inputWords(profile, name, profile.inputs?.[name]);
    return { name: words.name, shown: value === "ON" ? words.on : words.off };
  }
  if (entity.component === "switch")
    return {
      name: entity.name,
      shown: entity.press ? (value === "ON" ? "Pressing" : "Ready") : value === "ON" ? "On" : "Off",
    };
  if (entity.id === "cover") return { name: entity.name, shown: value.charAt(0).toUpperCase() + value.slice(1) };
  if (entity.id === "cover_fault")
    return { name: entity.name, shown: value === "none" || value === "" ? "none" : value };
  return { name: entity.name, shown: value };
}
