// Device administration from the page: an update over the air (updates.ts), a restart, and
// the maintenance window opened or closed. Each is the owner's: an operator whose certificate
// names no devices (every device); an operator limited with `--devices` is refused with one
// sentence. Restart and the window are signed commands on maintenance/set (firmware/app/
// maintenance.ts: RESTART, MAINTENANCE <seconds>), sent and audited by the Commander. The
// window's passwords never pass through the hub: the owner's tools derive them from the
// command key (scripts/lib/console-login.ts); the page only shows the device's signed report.
import { DEFAULT_MAINTENANCE_MAX_SECONDS, RESTART } from "../../firmware/app/maintenance/maintenance.ts";
import type { Operator } from "./access.ts";
import type { Commander, Outcome } from "./commander.ts";
import type { DeviceStates } from "./device-state.ts";
import type { Updates } from "./updates.ts";

export const ADMIN_ACTIONS = ["update", "restart", "maintenance-open", "maintenance-close"] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

const WHAT: Record<AdminAction, string> = {
  update: "update a device's firmware",
  restart: "restart a device",
  "maintenance-open": "open a maintenance window",
  "maintenance-close": "close a maintenance window",
};

/** Why `operator` may not administer devices, or undefined for the owner. */
export function notOwner(operator: Operator, action: AdminAction): string | undefined {
  if (operator.devices === undefined) return undefined;
  const limited = operator.devices.length ? `limited to ${operator.devices.join(", ")}` : "limited to no device";
  return `Only an operator for every device may ${WHAT[action]}: the certificate of ${operator.cn} is ${limited}.`;
}

/** How long a window opened from the page lasts: the device's longest (its profile). */
export function windowSeconds(states: DeviceStates, device: string): number {
  return states.profile(device)?.commands?.maintenanceMaxSeconds ?? DEFAULT_MAINTENANCE_MAX_SECONDS;
}

export async function administer(
  commander: Commander,
  updates: Updates,
  states: DeviceStates,
  who: string,
  device: string,
  action: AdminAction,
): Promise<Outcome> {
  if (action === "update") return updates.start(who, device);
  const cmd =
    action === "restart" ? RESTART : `MAINTENANCE ${action === "maintenance-open" ? windowSeconds(states, device) : 0}`;
  return commander.administer({ who, via: "web", device, entity: "maintenance", cmd }, "maintenance/set");
}
