// What the simulated device did, kept for tests to read (the lines it printed, a trace of its
// randomness, TLS and console events, its reboots), and the levels a test sets (signal,
// memory, analog inputs, OneWire buses). SimulatedDevice (device.ts) is one.
import type { SimOneWireBus } from "./onewire.ts";

export class DeviceRecord {
  /** Every line the device printed, from power-on of the first boot. */
  readonly lines: string[] = [];
  readonly started = Date.now();
  /** Every value the RNG register gave out. */
  readonly rngReads: { t: number; value: number }[] = [];
  /** Every E.srand(seed) call. */
  readonly srandCalls: { t: number; seed: number }[] = [];
  /** In order: "rng <value>" (a read of the RNG register), "srand <seed>", "Math.random",
   *  "tls.connect", "telnet on|off", "wifi.connect". */
  readonly trace: string[] = [];
  reboots = 0;
  watchdogResets = 0;
  /** analogRead levels (0..1) a test sets per pin, e.g. analog.D34 = 0.5. */
  readonly analog: Record<string, number> = {};
  /** The OneWire bus of each pin (add SimDs18b20 sensors to its devices). */
  readonly oneWire: Record<string, SimOneWireBus> = {};
  /** Signal strength while the station is joined. */
  rssi = -52;
  /** What process.memory() reports (the simulator cannot count Espruino's variables). */
  memory = { free: 12000, usage: 4383, total: 16383, history: 0, gc: 0, gctime: 0, blocksize: 14 };
  /** ESP32.getState().freeHeap. */
  freeHeap = 94000;

  /** Milliseconds since the device was made (its first power-on). */
  elapsed(): number {
    return Date.now() - this.started;
  }

  /** Resolves when a printed line matches `pattern` (counting lines from `from`). */
  async waitFor(pattern: RegExp, timeoutMs = 10000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.slice(from).find((l) => pattern.test(l));
      if (line) return line;
      if (Date.now() > deadline)
        throw new Error(`device never printed ${pattern} in ${timeoutMs} ms; it printed:\n${this.lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
