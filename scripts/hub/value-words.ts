// A device's values in the words of its profile, shared by the page's rows (page-model.ts) and
// the timeline's events (device-journal.ts): an input as an end switch of the door, a button or
// a contact; a relay as on/off or pressing/ready; the door's position and fault; the
// maintenance window; a command's result as the owner would say it.
import type { DeviceProfile, InputBehaviour } from "../../firmware/app/profile/profile.ts";
import type { Entity } from "../lib/entities.ts";

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

/** Seconds as the page says a span of time: "42 s", "17 min", "5 h 3 min", "12 days 4 h". */
export function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172800) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} days ${Math.floor((s % 86400) / 3600)} h`;
}

/** The window's report ("OPEN <seconds> <window id> <k>" or "CLOSED",
 *  firmware/app/maintenance/maintenance.ts) as a timeline line, or undefined when nothing the
 *  owner cares about changed (the id and the login counter are for the owner's tools). */
export function windowEvent(before: string | undefined, now: string): string | undefined {
  const seconds = (report: string | undefined) => /^OPEN (\d+)/.exec(report ?? "")?.[1];
  const was = seconds(before);
  const is = seconds(now);
  if (is !== undefined)
    return was === is ? undefined : `${was === undefined ? "opened" : "open"} for ${duration(Number(is))}`;
  if (now === "CLOSED") return before === "CLOSED" ? undefined : "closed";
  return now;
}

/** A device's result in the owner's words: "done, the door is opening (was stopped)". The
 *  details are what the firmware says (actuators/cover.ts "<from> -> <to>", the signed
 *  RESTART, maintenance.ts "console open <s> s" and "console closed"); any other detail is
 *  shown as the device wrote it. A refusal is the device's (or the hub's) reason, with a
 *  press's lockout (app/protocol/commands.ts "<word> ignored: … <ms> ms lockout") in minutes. */
export function resultWords(accepted: boolean, detail: string): string {
  if (!accepted) {
    const lockout = /^[A-Z]+ ignored: (.*) (\d+) ms lockout$/.exec(detail);
    return `refused, ${lockout ? `${lockout[1]} ${duration(Number(lockout[2]) / 1000)} lockout` : detail}`;
  }
  const move = /^([a-z]+) -> ([a-z]+)$/.exec(detail);
  if (move) {
    const [, from, to] = move;
    return to === "stopped" ? `done, the door stopped (was ${from})` : `done, the door is ${to} (was ${from})`;
  }
  if (detail === "RESTART") return "done, the device is restarting";
  const open = /^console open (\d+) s$/.exec(detail);
  if (open) return `done, the window is open for ${duration(Number(open[1]))}`;
  if (detail === "console closed") return "done, the window is closed";
  return `done, ${detail}`;
}
