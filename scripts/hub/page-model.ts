// What the page draws for one device, decided here (tested without a browser) so the page's
// script only lays it out: the door in the owner's words with its buttons (door.ts), one row
// per relay, input and sensor in the words of the device's profile, each marked confirmed,
// last known, unsigned or unverified with the times needed for its age, then the device's
// health and recent events (device-journal.ts).
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import type { DeviceView } from "./device-view.ts";
import type { DeviceJournals, Health, TimelineEvent } from "./device-journal.ts";
import { doorInputs, doorPanel, type DoorPanel } from "./door.ts";
import type { Entity } from "../lib/entities.ts";
import type { UpdateProgress, Updates } from "./updates.ts";
import { duration, inputWords, resultWords } from "./value-words.ts";

export type Trust = "confirmed" | "last known" | "unsigned" | "none";

/** How much to trust a value, and the times its age is counted from. */
export interface Mark {
  trust: Trust;
  /** When the value arrived (host clock, ms). */
  at?: number;
  /** A confirmed value: when the challenge went out that the device answered before signing
   *  it (the value is no older than that; `at` is when its confirming report arrived). */
  confirmedAt?: number;
  /** Why the latest report on this topic was not accepted (shown beside, never as the value). */
  unverified?: string;
}

export interface Button {
  word: string;
  label: string;
  enabled: boolean;
  /** A toggle: whether it is on now (aria-checked). */
  on?: boolean;
}

export interface Row extends Mark {
  id: string;
  name: string;
  /** diagnostic: the device's health (signal, uptime, memory), shown with the details. */
  kind: "press" | "switch" | "input" | "sensor" | "diagnostic";
  shown: string;
  /** What the value means here, from the profile (an input's role). */
  meaning?: string;
  buttons: Button[];
  history?: { t: number; v: number }[];
}

export interface PageDevice extends DeviceView {
  door?: DoorPanel & Mark;
  /** Counted as "open or on" in the fleet summary: a door with a verified state that is not
   *  confirmed closed (the card's rule: stopped, fault, a contradiction are open), else a
   *  switch that is on. */
  openOrOn: boolean;
  /** The latest result of a command to this device, in the owner's words (the card's "last:"). */
  lastSaid?: string;
  rows: Row[];
  /** The window from the device's signed report; `open` only from a verified "OPEN". */
  maintenance?: { shown: string; open: boolean } & Mark;
  /** For the owner: the update running or last run from the hub, and the version offered. */
  update?: UpdateProgress;
  offered?: { version: string; newer: boolean };
  /** Whether the profile has telemetry (uptime, signal, memory come only with it). */
  telemetry: boolean;
  health: Health;
  timeline: TimelineEvent[];
}

type Slot = DeviceView["values"][string] & {
  confirmedAt?: number;
  lastKnown?: { value: string; at: number };
};

function mark(entity: Entity, slot: Slot | undefined): Mark {
  const unverified = slot?.unverified;
  if (slot?.value !== undefined)
    return entity.signed
      ? { trust: "confirmed", at: slot.at, confirmedAt: slot.confirmedAt, unverified }
      : { trust: "unsigned", at: slot.at, unverified };
  if (slot?.lastKnown) return { trust: "last known", at: slot.lastKnown.at, unverified };
  return { trust: "none", unverified };
}

const valueOf = (slot: Slot | undefined) => slot?.value ?? slot?.lastKnown?.value;

function row(profile: DeviceProfile, view: DeviceView, entity: Entity, online: boolean): Row | undefined {
  const slot = view.values[entity.id] as Slot | undefined;
  const value = valueOf(slot);
  const base = { id: entity.id, ...mark(entity, slot) };
  if (entity.component === "switch") {
    const on = value === "ON";
    if (entity.press)
      return {
        ...base,
        name: entity.name,
        kind: "press",
        shown: value === undefined ? "Unknown" : on ? "Pressing" : "Ready",
        buttons: [{ word: "ON", label: "Press", enabled: online && !on }],
      };
    return {
      ...base,
      name: entity.name,
      kind: "switch",
      shown: value === undefined ? "Unknown" : on ? "On" : "Off",
      buttons: [
        { word: on ? "OFF" : "ON", label: on ? "Turn off" : "Turn on", enabled: online && value !== undefined, on },
      ],
    };
  }
  if (entity.component === "binary_sensor") {
    const name = entity.id.slice("input_".length);
    const words = inputWords(profile, name, profile.inputs?.[name]);
    return {
      ...base,
      name: words.name,
      kind: "input",
      shown: value === undefined ? "Unknown" : value === "ON" ? words.on : words.off,
      meaning: words.meaning,
      buttons: [],
    };
  }
  // The maintenance window and the door's fault have their own places (health, the door).
  if (entity.component !== "sensor" || entity.id === "maintenance" || entity.id === "cover_fault") return undefined;
  const number = Number(value);
  const shown =
    value === undefined || value === "null"
      ? "—"
      : entity.id === "up" && Number.isFinite(number)
        ? duration(number)
        : `${value}${entity.unit ? ` ${entity.unit}` : ""}`;
  return {
    ...base,
    name: entity.name,
    kind: entity.diagnostic ? "diagnostic" : "sensor",
    shown,
    buttons: [],
    history: entity.chart ? slot?.history : undefined,
  };
}

/** The maintenance report in words: "OPEN <seconds> <window id> <k>" or "CLOSED"
 *  (firmware/app/maintenance.ts); the id and counter are for the owner's tools, not the page. */
export function windowWords(report: string | undefined): { shown: string; open: boolean } {
  if (report === undefined) return { shown: "Unknown", open: false };
  const open = /^OPEN (\d+) /.exec(report);
  if (open) return { shown: `Open (for ${duration(Number(open[1]))} from when it opened)`, open: true };
  return { shown: report === "CLOSED" ? "Closed" : report, open: false };
}

export function pageDevice(
  profile: DeviceProfile,
  view: DeviceView,
  journals: DeviceJournals,
  updates?: Updates,
): PageDevice {
  const online = view.availability === "online";
  const rows: Row[] = [];
  for (const entity of view.entities) {
    const r = row(profile, view, entity, online);
    if (r) rows.push(r);
  }
  const inputs = doorInputs(profile, view.values as Record<string, Slot>, online, journals.lastMove(view.id));
  const coverEntity = view.entities.find((e) => e.id === "cover");
  const maintenanceEntity = view.entities.find((e) => e.id === "maintenance");
  const maintenance = maintenanceEntity && view.values.maintenance;
  const door = inputs && coverEntity && { ...doorPanel(inputs), ...mark(coverEntity, view.values.cover as Slot) };
  const last = view.lastResult;
  return {
    ...view,
    door,
    openOrOn: door
      ? door.label !== "Closed" && inputs.reported !== undefined
      : rows.some((r) => r.kind === "switch" && r.buttons[0]?.on === true),
    lastSaid: last && `${last.cmd} by ${last.who}: ${resultWords(last.accepted, last.detail)}`,
    rows,
    maintenance: maintenanceEntity && {
      ...windowWords(valueOf(maintenance as Slot)),
      ...mark(maintenanceEntity, maintenance as Slot),
    },
    update: updates?.of(view.id),
    offered: updates?.offered(view.id),
    telemetry: profile.telemetry !== undefined,
    health: journals.health(view.id) ?? { offlineSeen: 0 },
    timeline: journals.timeline(view.id),
  };
}
