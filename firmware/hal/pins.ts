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

/** Espruino's OneWire on one pin (src/jswrap_onewire.c). */
export interface OneWireBus {
  /** A reset pulse: true when a device answered with a presence pulse. */
  reset(): boolean;
  /** Addresses every device on the bus (command 0xCC); a reset comes first. */
  skip(): void;
  /** Writes a byte; `power` keeps the line driven high after it (parasite power). */
  write(data: number, power: boolean): void;
  /** Reads `count` bytes (0xFF each when nothing drives the bus). */
  read(count: number): ArrayLike<number>;
}

export interface PinFactory {
  /** Makes `pin` an output that starts at `initialHigh`: the level is written BEFORE the pin
   *  becomes an output, so a relay never sees a glitch to its on level at boot. */
  output(pin: string, initialHigh: boolean): OutputPin;
  input(pin: string, pull: "up" | "down" | "none"): InputPin;
  /** analogRead: 0..1 (ESP32: ADC1 pins 32-39 only; NaN elsewhere). */
  analog(pin: string): () => number;
  oneWire(pin: string): OneWireBus;
}
