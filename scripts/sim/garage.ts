// A garage door on a one-button opener, wired to a simulated device's pins: every press of the
// relay (its pin becoming active) starts the door, stops it while it moves, and after a stop
// starts it the other way, as most openers do (firmware/app/actuators/cover.ts assumes the same). The
// door leaves its end switch LEAVE_MS after starting; it reaches the other end after
// `travelMs`, or only when told (`arrive()`), so a test decides when the door gets there
// instead of racing a timer. Reed switches are driven as contacts: made = active, which is the
// LOW level on an activeLow pin.
import type { PinSpec } from "../../firmware/app/profile/profile.ts";
import type { PinBank } from "./pins.ts";

export const LEAVE_MS = 150;
const POLL_MS = 10;

export type DoorPosition = "closed" | "open" | "opening" | "closing" | "stopped";

export interface GarageWiring {
  relay: PinSpec;
  closed: PinSpec;
  /** Absent with a single closed-end switch. */
  open?: PinSpec;
}

export class GarageDoor {
  position: DoorPosition;
  /** The direction of the last movement (a press after a stop goes the other way). */
  private last: "opening" | "closing";
  private seen: number;
  private wasActive = false;
  private readonly poll: NodeJS.Timeout;
  private leave?: NodeJS.Timeout;
  /** The moving door has left the switch it started from. */
  private left = true;
  private reach?: NodeJS.Timeout;
  readonly presses: DoorPosition[] = [];

  constructor(
    private readonly pins: PinBank,
    private readonly wiring: GarageWiring,
    start: "closed" | "open",
    /** Undefined: the door arrives only when `arrive()` is called. */
    private readonly travelMs?: number,
  ) {
    this.position = start;
    this.last = start === "closed" ? "closing" : "opening";
    this.contacts();
    this.seen = pins.history.length;
    this.poll = setInterval(() => this.watch(), POLL_MS);
  }

  private contact(spec: PinSpec | undefined, made: boolean): void {
    if (spec) this.pins.drive(spec.pin, spec.activeLow ? !made : made);
  }

  private contacts(): void {
    this.contact(this.wiring.closed, this.position === "closed");
    this.contact(this.wiring.open, this.position === "open");
  }

  private watch(): void {
    const events = this.pins.history.slice(this.seen);
    this.seen = this.pins.history.length;
    for (const e of events) {
      if (e.pin !== this.wiring.relay.pin || e.kind !== "drive") continue;
      const active = e.high !== this.wiring.relay.activeLow;
      if (active && !this.wasActive) this.press();
      this.wasActive = active;
    }
  }

  private press(): void {
    this.presses.push(this.position);
    clearTimeout(this.leave);
    clearTimeout(this.reach);
    if (this.position === "opening" || this.position === "closing") {
      this.position = "stopped";
      this.contacts();
      return;
    }
    const direction =
      this.position === "closed"
        ? "opening"
        : this.position === "open"
          ? "closing"
          : this.last === "opening"
            ? "closing"
            : "opening";
    const from = this.position;
    this.position = direction;
    this.last = direction;
    // Still on its end switch until it has moved a little.
    this.left = false;
    if (from === "closed" || from === "open")
      this.leave = setTimeout(() => {
        this.left = true;
        this.contacts();
      }, LEAVE_MS);
    else {
      this.left = true;
      this.contacts();
    }
    if (this.travelMs !== undefined) this.reach = setTimeout(() => this.arrive(), this.travelMs);
  }

  /** The moving door reaches the end it is moving to (a door still on the switch it started
   *  from leaves it first, and arrives LEAVE_MS later). */
  arrive(): void {
    if (this.position !== "opening" && this.position !== "closing") return;
    if (this.leave && !this.left) {
      clearTimeout(this.leave);
      this.left = true;
      this.contacts();
      this.reach = setTimeout(() => this.arrive(), LEAVE_MS);
      return;
    }
    clearTimeout(this.leave);
    clearTimeout(this.reach);
    this.position = this.position === "opening" ? "open" : "closed";
    this.contacts();
  }

  stop(): void {
    clearInterval(this.poll);
    clearTimeout(this.leave);
    clearTimeout(this.reach);
  }
}
