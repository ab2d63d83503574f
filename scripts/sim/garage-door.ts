// The garage door `npm start` wires to its simulated device when the profile has a cover: the
// opener (scripts/sim/garage.ts) on the cover's relay pin and its reed switches, named by the
// profile's cover (never by pin numbers). It starts closed and moves by itself, faster than the
// profile's travelMs so the firmware never times it out and the demo is quick: each press
// starts, stops or reverses it; the switch it leaves opens within LEAVE_MS, the other end's
// switch closes after `demoTravelMs`. Test fixtures' devices get none: their tests drive pins.
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { GarageDoor, type DoorPosition } from "./garage.ts";
import type { PinBank } from "./pins.ts";

/** The longest simulated travel: a demo door should not keep its owner waiting. */
export const DEMO_TRAVEL_MAX_MS = 10000;

/** The simulated door's travel: 60% of the profile's travelMs (inside the firmware's fault
 *  limit), at most DEMO_TRAVEL_MAX_MS. */
export function demoTravelMs(travelMs: number): number {
  return Math.min(Math.round(travelMs * 0.6), DEMO_TRAVEL_MAX_MS);
}

export interface SimulatedDoor {
  door: GarageDoor;
  travelMs: number;
  /** What a watcher is told of each change of position (polled: the opener has no events). */
  follow(say: (position: DoorPosition) => void, everyMs?: number): void;
  stop(): void;
}

/** A closed door on `pins` as the profile's cover names them, or undefined without a cover. */
export function attachGarageDoor(pins: PinBank, profile: DeviceProfile): SimulatedDoor | undefined {
  const cover = profile.cover;
  if (!cover) return undefined;
  const spec = (name: string | undefined) => (name === undefined ? undefined : profile.pins[name]);
  const relay = spec(cover.relay);
  const closed = spec(cover.closed);
  if (!relay || !closed) return undefined;
  const travelMs = demoTravelMs(cover.travelMs);
  const door = new GarageDoor(pins, { relay, closed, open: spec(cover.open) }, "closed", travelMs);
  let timer: NodeJS.Timeout | undefined;
  return {
    door,
    travelMs,
    follow(say, everyMs = 25) {
      let last = door.position;
      timer = setInterval(() => {
        if (door.position === last) return;
        last = door.position;
        say(last);
      }, everyMs);
    },
    stop() {
      clearInterval(timer);
      door.stop();
    },
  };
}
