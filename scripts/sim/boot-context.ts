// One boot's vm context: every global the bundle sees on the simulated ESP32. The hardware's
// (globals.ts), E (espruino-e.ts), the consoles' (consoles.ts), and here the ones that reach
// the device's lifecycle: the console's own (print, reset, load), the clock, the timers,
// process and ESP32. Made afresh at power-on and at reset(), as Espruino clears its JS state.
import { consoleForm } from "./console.ts";
import type { DeviceCallbacks } from "./callbacks.ts";
import type { SimConsoles } from "./consoles.ts";
import { espruinoE } from "./espruino-e.ts";
import { hardwareGlobals } from "./globals.ts";
import type { PinBank } from "./pins.ts";
import type { Board, EspruinoRand } from "./random.ts";
import type { DeviceRecord } from "./record.ts";
import { espruinoSandbox, type Sandbox } from "./sandbox.ts";
import type { SimTimers } from "./timers.ts";
import type { SimWatchdog } from "./watchdog.ts";

export interface BootHost {
  board: Board;
  /** Where reads of the RNG register and E.srand calls are recorded; analog levels, OneWire
   *  buses, memory and free heap are read from it. */
  record: DeviceRecord;
  pins: PinBank;
  /** The boot's generator (src/jsutils.c), behind Math.random, E.hwRand and E.srand. */
  rand: EspruinoRand;
  watchdog: SimWatchdog;
  consoles: SimConsoles;
  timers: SimTimers;
  callbacks: DeviceCallbacks;
  print(line: string): void;
  /** reset() or load() was called: it takes effect after the console line that called it. */
  defer(action: "reset" | "load"): void;
  /** The wall clock, in ms (what getTime() says, times 1000). */
  clockMs(): number;
  setClock(ms: number): void;
  require(name: string): unknown;
  /** E.reboot(), after the current turn. */
  reboot(): void;
}

export function bootContext(host: BootHost): Sandbox {
  const { record, rand, callbacks } = host;
  const show = (...values: unknown[]) =>
    host.print(values.map((v) => (typeof v === "string" ? v : consoleForm(v))).join(" "));
  /** A timer whose callback runs as the device runs callbacks, in the boot that set it. */
  const setTimer = (fn: unknown, ms: unknown, repeat: boolean) => {
    const generation = callbacks.generation;
    return host.timers.set(() => callbacks.guard(fn as () => void, generation), ms, repeat);
  };
  const globals: Record<string, unknown> = {
    console: { log: show },
    // The console's own globals (src/jswrap_interactive.c): print, reset, load, echo.
    print: show,
    reset: () => host.defer("reset"),
    load: () => host.defer("load"),
    echo: () => undefined,
    ...hardwareGlobals({
      board: host.board,
      pins: host.pins,
      analog: record.analog,
      oneWire: record.oneWire,
      rngRead: (value) => {
        record.rngReads.push({ t: record.elapsed(), value });
        record.trace.push(`rng ${value}`);
      },
    }),
    // The wall clock (gettimeofday on ESP32, targets/esp32/jshardware.c: microseconds), which
    // setTime and SNTP move without moving any timer.
    getTime: () => host.clockMs() / 1000,
    setTime: (seconds: number) => host.setClock(seconds * 1000),
    setTimeout: (fn: unknown, ms: unknown) => setTimer(fn, ms, false),
    setInterval: (fn: unknown, ms: unknown) => setTimer(fn, ms, true),
    clearTimeout: (...args: unknown[]) => host.timers.clear(args, "Timeout"),
    clearInterval: (...args: unknown[]) => host.timers.clear(args, "Interval"),
    E: espruinoE({
      rand,
      watchdog: host.watchdog,
      consoles: host.consoles,
      seeded: (seed) => {
        record.srandCalls.push({ t: record.elapsed(), seed });
        record.trace.push(`srand ${seed}`);
      },
      reboot: () => host.reboot(),
    }),
    ...host.consoles.globals(),
    process: {
      env: { VERSION: "2v29", BOARD: host.board },
      memory: () => ({ ...record.memory }),
      on: (event: string, handler: (...args: unknown[]) => void) => {
        if (event === "uncaughtException") callbacks.onUncaught(handler);
      },
    },
    require: (name: string) => host.require(name),
    // The ESP32 class of every ESP32 build (targets/esp32/jswrap_esp32.c, "ifdef": "ESP32").
    ESP32: {
      getState: () => ({ sdkVersion: "v4.4.8", freeHeap: record.freeHeap, BLE: true, Wifi: true, minHeap: 61000 }),
    },
  };
  return espruinoSandbox(globals, () => {
    record.trace.push("Math.random");
    return rand.next() / 0x80000000;
  });
}
