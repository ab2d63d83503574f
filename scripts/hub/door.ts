// A garage door in the owner's words, from the hub's VERIFIED values: the cover state the
// device signed (firmware/app/actuators/cover.ts), its fault report and the reed switches' own signed
// reports. The door is shown Closed only when the device says closed AND the closed switch
// says so; a door stopped mid-travel is Stopped, never Closed; a contradiction or a fault is
// Fault with the device's reason, never a guess. The buttons follow the device's own rules
// (Cover.command): OPEN and CLOSE from an end or a stop (not the press that would reverse
// the last movement), STOP only while it moves, nothing while the device is offline.
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";

export type DoorLabel = "Open" | "Opening" | "Closed" | "Closing" | "Stopped" | "Fault" | "Unknown";
export type DoorWord = "OPEN" | "CLOSE" | "STOP";

/** What the page needs of one signed value (device-state.ts EntityValue). */
export interface SignedSlot {
  value?: string;
  lastKnown?: { value: string; at: number };
}

export interface DoorPanel {
  label: DoorLabel;
  /** One sentence: why the door is shown so (the switches, the fault, what is missing). */
  detail: string;
  /** Each button and whether pressing it makes sense now. */
  buttons: { word: DoorWord; label: string; enabled: boolean }[];
}

/** The value as last verified, confirmed current or not (the page marks which). */
export function shownValue(slot: SignedSlot | undefined): string | undefined {
  return slot?.value ?? slot?.lastKnown?.value;
}

const noFault = (fault: string | undefined) => fault === undefined || fault === "" || fault === "none";

export interface DoorInputs {
  /** The cover's reported state: open, opening, closed, closing, stopped, unknown. */
  reported: string | undefined;
  fault: string | undefined;
  /** The closed end switch ("ON": at the closed end). */
  closedSwitch: string | undefined;
  /** The open end switch; undefined with the single-sensor variant. */
  openSwitch: string | undefined;
  twoSwitches: boolean;
  /** The direction of the last movement the hub saw, if any (a stop's next press reverses it). */
  lastMove?: "opening" | "closing";
  online: boolean;
}

function label(d: DoorInputs): { label: DoorLabel; detail: string } {
  const closedOn = d.closedSwitch === "ON";
  const openOn = d.twoSwitches && d.openSwitch === "ON";
  if (d.reported === undefined) return { label: "Unknown", detail: "no verified state from the device yet" };
  if (d.reported === "unknown" || (closedOn && openOn))
    return {
      label: "Fault",
      detail: noFault(d.fault) ? "both end switches are active: check the reed switches" : d.fault!,
    };
  if (!noFault(d.fault)) return { label: "Fault", detail: d.fault! };
  switch (d.reported) {
    case "closed":
      return closedOn
        ? { label: "Closed", detail: "the closed switch is made" }
        : { label: "Unknown", detail: "the device says closed but its closed switch does not" };
    case "open":
      return {
        label: "Open",
        detail: openOn ? "the open switch is made" : d.twoSwitches ? "not at either end switch" : "not closed",
      };
    case "opening":
      return { label: "Opening", detail: "moving toward the open end" };
    case "closing":
      return { label: "Closing", detail: "moving toward the closed end" };
    case "stopped":
      return { label: "Stopped", detail: "stopped between the end switches: not closed" };
    default:
      return { label: "Unknown", detail: `the device reported '${d.reported}'` };
  }
}

export function doorPanel(d: DoorInputs): DoorPanel {
  const shown = label(d);
  const state = d.reported;
  const moving = state === "opening" || state === "closing";
  const known = state !== undefined && state !== "unknown";
  // From a stop the opener's next press reverses the last movement: the other way only.
  const stopped = state === "stopped";
  const canOpen = d.online && known && !moving && state !== "open" && !(stopped && d.lastMove === "opening");
  const canClose = d.online && known && !moving && state !== "closed" && !(stopped && d.lastMove === "closing");
  return {
    ...shown,
    buttons: [
      { word: "OPEN", label: "Open", enabled: canOpen },
      { word: "CLOSE", label: "Close", enabled: canClose },
      { word: "STOP", label: "Stop", enabled: d.online && moving },
    ],
  };
}

/** The door's inputs from a device's profile and its values by entity id. */
export function doorInputs(
  profile: DeviceProfile,
  values: Record<string, SignedSlot | undefined>,
  online: boolean,
  lastMove: "opening" | "closing" | undefined,
): DoorInputs | undefined {
  const cover = profile.cover;
  if (!cover) return undefined;
  return {
    reported: shownValue(values.cover),
    fault: shownValue(values.cover_fault),
    closedSwitch: shownValue(values[`input_${cover.closed}`]),
    openSwitch: cover.open ? shownValue(values[`input_${cover.open}`]) : undefined,
    twoSwitches: cover.open !== undefined,
    lastMove,
    online,
  };
}
