// ESP32 pins as Espruino drives them, with a history of every level change a test can read.
// digitalWrite makes a pin an output (Espruino does this unless the mode was set by hand);
// setWatch follows Espruino's edge and debounce semantics: after a change the level must stay
// put for `debounce` ms before the callback fires with {state, time, lastTime}.

export type PinMode = "input" | "input_pullup" | "input_pulldown" | "output" | "opendrain" | "analog" | "reset";

export interface PinEvent {
  /** Milliseconds since the simulation started. */
  t: number;
  pin: string;
  kind: "mode" | "drive" | "reset";
  mode: PinMode;
  /** The level on the wire while driven (undefined when the pin floats). */
  high?: boolean;
}

interface Watch {
  id: number;
  pin: string;
  callback: (event: { state: boolean; time: number; lastTime: number }) => void;
  edge: "rising" | "falling" | "both";
  debounce: number;
  repeat: boolean;
  reported: boolean;
  lastTime: number;
  timer?: NodeJS.Timeout;
}

interface PinState {
  mode: PinMode;
  out: boolean;
  /** The level something outside drives an input to (undefined: the pull decides). */
  external?: boolean;
}

/** GPIOs that Espruino on ESP32 makes inputs with pull-up at init and at every reset()
 *  (targets/esp32/jshardware.c, jshPinDefaultPullup; docs/espruino.md, "Pins"). */
export const DEFAULT_PULLUP_GPIOS = [0, 12, 13, 14, 15, 18, 19, 21, 22, 25, 26, 27, 34, 35, 36, 37, 38, 39];

const NO_PULL_GPIOS = ["D34", "D35", "D36", "D37", "D38", "D39"];

/** GPIOs a classic ESP32 does not have: using one is "Invalid pin" on the device. */
const MISSING_GPIOS = [20, 24, 28, 29, 30, 31];

export function pinName(pin: unknown): string {
  const name = typeof pin === "number" ? `D${pin}` : String(pin);
  const gpio = /^D(\d+)$/.exec(name);
  if (!gpio || Number(gpio[1]) > 39 || MISSING_GPIOS.includes(Number(gpio[1]))) throw new Error(`Invalid pin: ${name}`);
  return name;
}

export class PinBank {
  readonly history: PinEvent[] = [];
  private readonly pins: Record<string, PinState> = {};
  private watches: Watch[] = [];
  private nextWatch = 1;

  constructor(
    private readonly now: () => number,
    private readonly run: (fn: () => void) => void,
  ) {}

  private state(name: string): PinState {
    return (this.pins[name] ??= { mode: "reset", out: false });
  }

  level(name: string): boolean {
    const s = this.state(name);
    if (s.mode === "output" || s.mode === "opendrain") return s.out;
    if (s.external !== undefined) return s.external;
    // GPIO 34-39 have no pull resistors: asking for one does nothing, the pin floats (low here).
    return s.mode === "input_pullup" && !NO_PULL_GPIOS.includes(name);
  }

  pinMode(pin: unknown, mode: PinMode): void {
    const name = pinName(pin);
    const before = this.level(name);
    this.state(name).mode = mode;
    this.history.push({
      t: this.now(),
      pin: name,
      kind: "mode",
      mode,
      high: mode === "output" ? this.state(name).out : undefined,
    });
    this.changed(name, before);
  }

  digitalWrite(pin: unknown, value: unknown): void {
    const name = pinName(pin);
    const before = this.level(name);
    const s = this.state(name);
    s.out = Boolean(value);
    if (s.mode !== "output" && s.mode !== "opendrain") s.mode = "output";
    this.history.push({ t: this.now(), pin: name, kind: "drive", mode: s.mode, high: s.out });
    this.changed(name, before);
  }

  digitalRead(pin: unknown): number {
    return this.level(pinName(pin)) ? 1 : 0;
  }

  /** A test (or the world) drives an input. */
  drive(pin: string, high: boolean): void {
    const before = this.level(pin);
    this.state(pin).external = high;
    this.changed(pin, before);
  }

  /** Power-on reset: every pin floats as an input, every watch is gone. */
  reset(): void {
    for (const name of Object.keys(this.pins)) {
      this.pins[name].mode = "reset";
      this.history.push({ t: this.now(), pin: name, kind: "reset", mode: "reset" });
    }
    this.clearWatch();
  }

  /** Espruino's init on ESP32: the default-pull pins become inputs with pull-up, so an
   *  active-high relay there reads HIGH (ON) from reset until the firmware drives it. */
  powerOn(): void {
    for (const gpio of DEFAULT_PULLUP_GPIOS) {
      const name = `D${gpio}`;
      const s = this.state(name);
      s.mode = "input_pullup";
      this.history.push({ t: this.now(), pin: name, kind: "reset", mode: "input_pullup", high: this.level(name) });
    }
  }

  setWatch(
    callback: Watch["callback"],
    pin: unknown,
    options: { repeat?: boolean; edge?: Watch["edge"] | 1 | -1 | 0; debounce?: number } = {},
  ): number {
    const edge =
      options.edge === 1
        ? "rising"
        : options.edge === -1
          ? "falling"
          : options.edge === 0 || options.edge === undefined
            ? "both"
            : options.edge;
    const name = pinName(pin);
    // On ESP32 setWatch makes the pin an input with pull-up WHATEVER pinMode said before
    // (targets/esp32/jshardware.c, jshPinWatch: gpio_set_pull_mode(GPIO_PULLUP_ONLY); docs/espruino.md).
    if (this.state(name).mode !== "input_pullup") this.pinMode(name, "input_pullup");
    const watch: Watch = {
      id: this.nextWatch++,
      pin: name,
      callback,
      edge,
      debounce: options.debounce ?? 0,
      repeat: options.repeat ?? false,
      reported: this.level(name),
      lastTime: this.now() / 1000,
    };
    this.watches.push(watch);
    return watch.id;
  }

  get watchCount(): number {
    return this.watches.length;
  }

  clearWatch(id?: number): void {
    const gone = id === undefined ? this.watches : this.watches.filter((w) => w.id === id);
    gone.forEach((w) => clearTimeout(w.timer));
    this.watches = id === undefined ? [] : this.watches.filter((w) => w.id !== id);
  }

  private changed(name: string, before: boolean): void {
    if (this.level(name) === before) return;
    for (const watch of this.watches.filter((w) => w.pin === name)) {
      clearTimeout(watch.timer);
      if (watch.debounce > 0) watch.timer = setTimeout(() => this.settle(watch), watch.debounce);
      else this.settle(watch);
    }
  }

  private settle(watch: Watch): void {
    const state = this.level(watch.pin);
    if (state === watch.reported || !this.watches.includes(watch)) return;
    watch.reported = state;
    if (watch.edge === "rising" && !state) return;
    if (watch.edge === "falling" && state) return;
    const time = this.now() / 1000;
    const event = { state, time, lastTime: watch.lastTime };
    watch.lastTime = time;
    if (!watch.repeat) this.clearWatch(watch.id);
    this.run(() => watch.callback(event));
  }
}
