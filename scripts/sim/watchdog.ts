// E.enableWatchdog for the simulated ESP32: the chip resets unless kicked within the timeout.
// In automatic mode Espruino kicks it from its idle loop, so only a loop blocked for longer (a
// handshake, an endless loop) resets it. A blocked Node loop delays this check too, and the
// elapsed time it then sees is what a hardware watchdog would have counted.
export class SimWatchdog {
  private state: { timeoutMs: number; lastKick: number; check: NodeJS.Timeout } | undefined;

  /** `reset` runs once when the watchdog fires, with its timeout in ms. */
  constructor(private readonly reset: (timeoutMs: number) => void) {}

  enable(timeout: number, isAuto?: boolean): void {
    this.stop();
    const timeoutMs = Math.round(timeout > 0 ? timeout : 1) * 1000;
    const auto = isAuto === undefined || Boolean(isAuto);
    let lastTick = Date.now();
    const check = setInterval(() => {
      const state = this.state;
      if (!state || state.check !== check) return;
      const now = Date.now();
      if (auto && now - lastTick < timeoutMs) state.lastKick = now;
      lastTick = now;
      if (now - state.lastKick <= timeoutMs) return;
      this.reset(timeoutMs);
    }, 100);
    this.state = { timeoutMs, lastKick: Date.now(), check };
  }

  /** E.kickWatchdog(). */
  kick(): void {
    if (this.state) this.state.lastKick = Date.now();
  }

  /** Off: at a reset, a power cut, or when the running code is gone. */
  stop(): void {
    if (this.state) clearInterval(this.state.check);
    this.state = undefined;
  }
}
