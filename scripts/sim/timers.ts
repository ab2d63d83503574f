// Espruino's timers for the simulated ESP32, and the id rule the unit tests' fake clock
// (test/support/fake-platform.ts) shares: ids as src/jsinteractive.c (jsiTimerAdd) hands them
// out, so code that clears a stale handle cancels someone else's timer here as on the chip.

/** Espruino's next timer id: the highest live id + 1, or 1 when none is live. */
export function nextTimerId(live: Iterable<number>): number {
  let id = 1;
  for (const n of live) id = Math.max(id, n + 1);
  return id;
}

/** setTimeout/setInterval/clearTimeout/clearInterval of one boot. A timeout is retired only
 *  AFTER its callback ran, so a freed id comes back at once and a stale clearTimeout cancels
 *  whichever timer holds it now. */
export class SimTimers {
  private readonly live = new Map<number, NodeJS.Timeout>();

  get size(): number {
    return this.live.size;
  }

  /** `run` is the callback as the device runs it (in its realm, errors reported). */
  set(run: () => void, ms: unknown, repeat: boolean): number {
    const id = nextTimerId(this.live.keys());
    const tick = () => {
      run();
      if (!repeat && this.live.get(id) === handle) this.live.delete(id);
    };
    const delay = Math.max(0, Number(ms) || 0);
    const handle = repeat ? setInterval(tick, delay) : setTimeout(tick, delay);
    this.live.set(id, handle);
    return id;
  }

  /** Espruino 2v29 (src/jswrap_interactive.c): clearTimeout(undefined) throws, and
   *  clearTimeout() with no argument clears every timer. */
  clear(args: unknown[], name: "Timeout" | "Interval"): void {
    if (args.length === 0) return this.clearAll();
    if (args[0] === undefined) throw new Error(`clear${name}(undefined) not allowed. Use clear${name}() instead`);
    const handle = this.live.get(args[0] as number);
    if (handle) clearTimeout(handle);
    this.live.delete(args[0] as number);
  }

  clearAll(): void {
    for (const handle of this.live.values()) clearTimeout(handle);
    this.live.clear();
  }
}
