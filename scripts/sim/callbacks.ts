// How the simulated device runs its code, as Espruino's idle loop does (src/jsinteractive.c):
// an exception goes to the 'uncaughtException' handlers, or is printed, and the device carries
// on. Each boot is a generation: a callback made in an earlier boot (a timer, a socket's event)
// never runs in a later one, as on the chip, where a reset drops every pending callback.

type Listener = (...args: unknown[]) => void;

export class DeviceCallbacks {
  /** The boot the device is in; a callback carries the one it was made in. */
  generation = 0;
  /** The running bundle's code was erased under it (device.ts, bootCodeGone): nothing runs
   *  until the boot ends. */
  stopped = false;
  private handlers: Listener[] = [];

  constructor(private readonly print: (line: string) => void) {}

  /** process.on("uncaughtException", handler). */
  onUncaught(handler: Listener): void {
    this.handlers.push(handler);
  }

  /** Runs `fn` as device code of boot `generation`: not at all once that boot has ended. */
  guard(fn: () => void, generation = this.generation): void {
    if (generation !== this.generation || this.stopped) return;
    try {
      fn();
    } catch (error) {
      this.raise(error as Error, generation);
    }
  }

  raise(error: Error, generation = this.generation): void {
    if (generation !== this.generation) return;
    if (this.handlers.length === 0) {
      this.print(`Uncaught ${String(error)}`);
      return;
    }
    for (const h of this.handlers) {
      try {
        h(error);
      } catch (e) {
        this.print(`Uncaught in uncaughtException handler: ${String(e)}`);
      }
    }
  }

  /** The boot ends (reset, load, reboot, power cut): its callbacks and handlers are dropped. */
  endBoot(): void {
    this.generation++;
    this.stopped = false;
    this.handlers = [];
  }
}
