// Pins as the app sees them: named by role in the profile ("relay", "door"), never numbers.

export interface OutputPin {
  /** Drives the electrical level: true is high. */
  write(high: boolean): void;
}

export interface InputPin {
  read(): boolean;
  /** Calls back on every debounced level change; returns the function that stops watching. */
  watch(callback: (high: boolean) => void, debounceMs: number): () => void;
}

export interface PinFactory {
  /** Makes `pin` an output that starts at `initialHigh`: the level is written BEFORE the pin
   *  becomes an output, so a relay never sees a glitch to its on level at boot. */
  output(pin: string, initialHigh: boolean): OutputPin;
  input(pin: string, pull: "up" | "down" | "none"): InputPin;
}
