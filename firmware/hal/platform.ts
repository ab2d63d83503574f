// Everything the layers above hal/ may ask of the device, as one injected object.
// hal/espruino/platform.ts implements it on Espruino; tests and the simulator give fakes.
import type { Clock, Timers } from "./time";
import type { Network } from "./network";
import type { PinFactory } from "./pins";
import type { WifiRadio } from "./wifi";

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The device's flash key-value store (Espruino's Storage). Names are at most 28 chars. */
export interface FileStore {
  read(name: string): string | undefined;
  /** undefined when the file is absent or is not valid JSON. */
  readJSON(name: string): unknown;
  /** With `offset`, writes into the file at that offset; offset 0 with `size` starts a new
   *  file of `size` erased bytes (Espruino's Storage.write; docs/espruino.md). */
  write(name: string, data: string, offset?: number, size?: number): void;
  erase(name: string): void;
}

/** What faces every connection to the maintenance window's console. */
export interface ConsoleDoor {
  /** What a new connection is shown before it types its password. */
  ask(): string;
  /** The first line the connection typed: true lets it in (it becomes the console). */
  enter(line: string): boolean;
}

/** The consoles someone on the network could reach (telnet, Bluetooth). */
export interface Consoles {
  /** Turns Espruino's own telnet console off (it is on at every boot); false when the board
   *  has none. */
  telnetOff(): boolean;
  /** Removes the Bluetooth console, where the board has one. */
  bluetoothOff(): void;
  /** Serves the console on the telnet port, every connection facing `door` first; the newest
   *  connection let in takes it over. undefined: stops, and drops the connection inside. */
  serve(door: ConsoleDoor | undefined): void;
}

/** Espruino's watchdog in manual mode: the chip resets unless kick() comes within the timeout. */
export interface Watchdog {
  enable(seconds: number): void;
  kick(): void;
}

/** What the device can say about its own health. */
export interface Health {
  /** Free and total interpreter variables (process.memory(): after a garbage collection). */
  memory(): { free: number; total: number };
  /** Free native heap in bytes where the board reports it (ESP32.getState()), else -1. */
  heap(): number;
  /** The station's signal in dBm (Wifi getStatus().rssi), undefined when not joined. */
  rssi(): number | undefined;
}

export interface Platform {
  clock: Clock;
  timers: Timers;
  pins: PinFactory;
  files: FileStore;
  log: Log;
  network: Network;
  wifi: WifiRadio;
  watchdog: Watchdog;
  consoles: Consoles;
  health: Health;
  /** Uniform in [0, 1) from a true random source (the ESP32's RNG register), for jitter. */
  random(): number;
  /** Restarts the chip (E.reboot()): the boot files run again. */
  reboot(): void;
  /** SHA-256 of a binary string, as a 32-character binary string (Espruino's crypto.SHA256). */
  sha256(data: string): string;
}
