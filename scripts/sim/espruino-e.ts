// The `E` global of the simulated ESP32 (src/jswrap_espruino.c): the random generator's seed
// and hardware read, byte strings, sizes, the watchdog, reboot, and the console functions
// (consoles.ts). One E per boot, made with the boot's context (boot-context.ts).
import type { SimConsoles } from "./consoles.ts";
import type { EspruinoRand } from "./random.ts";
import type { SimWatchdog } from "./watchdog.ts";

export interface EHost {
  /** The boot's generator (src/jswrap_math.c: rand()), shared with Math.random. */
  rand: EspruinoRand;
  watchdog: SimWatchdog;
  consoles: SimConsoles;
  /** E.srand(seed) was called (before the generator takes the seed). */
  seeded(seed: number): void;
  /** E.reboot(): runs after the current turn. */
  reboot(): void;
}

export function espruinoE(host: EHost): Record<string, unknown> {
  const rand = host.rand;
  return {
    srand: (seed: number) => {
      host.seeded(seed);
      rand.srand(seed);
    },
    hwRand: () => rand.next() | 0,
    toUint8Array: (s: string) => new Uint8Array(Buffer.from(String(s), "latin1")),
    toString: (d: ArrayLike<number> | ArrayBuffer) =>
      Buffer.from(d instanceof ArrayBuffer ? new Uint8Array(d) : Uint8Array.from(d as ArrayLike<number>)).toString(
        "latin1",
      ),
    getSizeOf: (v: unknown) => Math.ceil(JSON.stringify(v ?? null).length / 12),
    enableWatchdog: (timeout: number, isAuto?: boolean) => host.watchdog.enable(timeout, isAuto),
    kickWatchdog: () => host.watchdog.kick(),
    reboot: () => setImmediate(() => host.reboot()),
    on: () => undefined,
    ...host.consoles.e(),
  };
}
