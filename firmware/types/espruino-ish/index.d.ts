// Declarations for exactly the Espruino 2v29 (ESP32) APIs Latchkey uses, with the quirks that
// bite. npm's @types/espruino is 1v94 and lacks ESP32, Storage and tls. Paired with
// `lib: ["es5"]` in tsconfig.json, so what Espruino lacks (Map, Set, Symbol, Array.from,
// Promise.finally, ...) is a type error. Only firmware/hal/espruino/ may use the globals
// (enforced by eslint.config.js).

// ---- The parts of ES2015+ that Espruino does provide (beyond lib.es5) ----

interface PromiseConstructor {
  new <T>(executor: (resolve: (value: T) => void, reject: (reason?: unknown) => void) => void): Promise<T>;
  resolve<T>(value: T): Promise<T>;
  reject<T = never>(reason?: unknown): Promise<T>;
  /** Present. Promise.race/any/allSettled are NOT (and Promise.prototype.finally is absent). */
  all<T>(values: readonly (T | PromiseLike<T>)[]): Promise<T[]>;
}
declare var Promise: PromiseConstructor;

interface ObjectConstructor {
  assign<T extends object, U>(target: T, source: U): T & U;
  /** Present. Object.freeze/seal/is are absent. */
  keys(o: object): string[];
}
interface Array<T> {
  find(predicate: (value: T, index: number) => boolean): T | undefined;
  findIndex(predicate: (value: T, index: number) => boolean): number;
  includes(searchElement: T): boolean;
  fill(value: T, start?: number, end?: number): this;
}
interface String {
  startsWith(search: string, position?: number): boolean;
  endsWith(search: string, length?: number): boolean;
  includes(search: string, position?: number): boolean;
  repeat(count: number): string;
  padStart(maxLength: number, fillString?: string): string;
}

// ---- Pins ----

/** A GPIO. `new Pin("D26")` accepts a name, a number or a Pin; it returns undefined when the
 *  name is not a valid pin (src/jswrap_pin.c, jswrap_pin_constructor). */
declare class Pin {
  constructor(value: string | number | Pin);
  read(): boolean;
  write(value: boolean): void;
  getInfo(): { port?: string; num?: number; analog?: unknown; functions?: unknown };
}
type PinLike = Pin | number | string;
type PinModeName = "output" | "input" | "input_pullup" | "input_pulldown" | "opendrain" | "analog" | "auto";

/** Write the level BEFORE making a pin an output: digitalWrite on an input pin with mode
 *  "auto" switches it to output at the written level (no glitch). */
declare function digitalWrite(pin: PinLike, value: boolean | number): void;
declare function digitalRead(pin: PinLike): number;
declare function digitalPulse(pin: PinLike, value: boolean, time: number | number[]): void;
declare function analogRead(pin: PinLike): number;
/** ESP32: GPIO 34-39 have no internal pulls; GPIO 6-11 are the flash. */
declare function pinMode(pin: PinLike, mode: PinModeName, automatic?: boolean): void;

interface WatchEvent {
  state: boolean;
  /** Seconds (float) since boot, like getTime(). */
  time: number;
  lastTime: number;
}
interface WatchOptions {
  repeat?: boolean;
  edge?: "rising" | "falling" | "both";
  /** Milliseconds. On ESP32 setWatch forces input with pull-up. */
  debounce?: number;
}
declare function setWatch(callback: (event: WatchEvent) => void, pin: PinLike, options?: WatchOptions): number;
declare function clearWatch(id?: number): void;

/** Reads a 32-bit word of memory. On the classic ESP32, RNG_DATA_REG is 0x3FF75144 and is
 *  truly random while the radio is on (unverified on hardware). */
declare function peek32(address: number): number;

// ---- Time ----
declare function setTimeout(callback: () => void, ms: number): number;
declare function clearTimeout(id?: number): void;
declare function setInterval(callback: () => void, ms: number): number;
declare function clearInterval(id?: number): void;
/** Seconds since boot (or since setTime) as a float. */
declare function getTime(): number;

// ---- Conversions and crypto primitives ----
declare function btoa(binary: string): string;
declare function atob(base64: string): string;

declare const console: { log(...values: unknown[]): void };

interface EspruinoEnvironment {
  /** Seeds the fixed multiply-with-carry generator that TLS uses (src/jsutils.c). */
  srand(seed: number): void;
  /** NOT hardware randomness on ESP32: the same fixed-seed generator as TLS. */
  hwRand(): number;
  toUint8Array(data: string | ArrayLike<number>): Uint8Array;
  /** A binary string from bytes. */
  toString(data: ArrayLike<number> | ArrayBuffer): string;
  getSizeOf(value: unknown): number;
  enableWatchdog(timeoutSeconds: number, isAuto?: boolean): void;
  kickWatchdog(): void;
  reboot(): void;
  /** No argument removes the password. At most 20 characters can be typed at the prompt. */
  setPassword(password?: string): void;
  lockConsole(): void;
  /** The console device's name ("Serial1", "Telnet", "LoopbackA"...), null for none. */
  getConsole(): string | null;
  /** force: no other device takes the console (src/jsinteractive.c, jsiSetConsoleDevice). */
  setConsole(device: string | null, options?: { force?: boolean }): void;
  on(event: "init" | "kill", callback: () => void): void;
}
declare const E: EspruinoEnvironment;

interface ProcessMemory {
  free: number;
  usage: number;
  total: number;
  history: number;
  blocksize: number;
}
declare const process: {
  memory(gc?: boolean): ProcessMemory;
  env: { VERSION: string; BOARD: string };
  /** 'uncaughtException' catches the InternalError that a refused TLS handshake raises from
   *  the idle loop (libs/network/network.c). */
  on(event: "uncaughtException", callback: (error: unknown) => void): void;
};

// ---- Built-in modules, loaded with require(name) ----

interface StorageModule {
  /** Names are at most 28 characters. */
  write(name: string, data: string | ArrayBuffer | ArrayBufferView, offset?: number, size?: number): boolean;
  /** undefined when absent. */
  read(name: string, offset?: number, length?: number): string | undefined;
  readJSON(name: string, noExceptions: boolean): unknown;
  writeJSON(name: string, data: unknown): boolean;
  readArrayBuffer(name: string): ArrayBuffer | undefined;
  erase(name: string): void;
  list(pattern?: RegExp): string[];
  getFree(): number;
}

interface WifiStatus {
  station: "off" | "connecting" | "wrong_password" | "no_ap_found" | "connect_fail" | "connected";
  rssi?: number;
}
interface WifiModule {
  connect(ssid: string, options: { password?: string }, callback: (error: string | null) => void): void;
  disconnect(callback?: () => void): void;
  getStatus(): WifiStatus;
  getIP(): { ip: string; netmask: string; gw: string; mac: string };
  /** `zone` is a POSIX TZ string such as "UTC0": a number throws. */
  setSNTP(server: string, zone: string): void;
  /** Stores the password in plain text in .wificfg: Latchkey never calls it. */
  save(what?: string): void;
  on(event: "connected" | "disconnected", callback: (details: { reason?: string | number } | undefined) => void): void;
}

interface SocketLike {
  write(data: string): boolean;
  /** With data: writes it, then closes. */
  end(data?: string): void;
  on(event: "connect" | "end" | "drain", callback: () => void): void;
  on(event: "data", callback: (data: string) => void): void;
  on(event: "close", callback: (hadError: boolean) => void): void;
  on(event: "error", callback: (error: { code?: number; message?: string }) => void): void;
}
interface TlsConnectOptions {
  host: string;
  port: number;
  /** DER as a binary string, PEM with a trailing "\0" (ESP-IDF only), or a function returning
   *  it. A string of 100 characters or fewer is a FAT file path. Never verified: see docs/espruino.md, "TLS". */
  ca?: string | (() => string);
  cert?: string | (() => string);
  key?: string | (() => string);
}
interface TlsModule {
  /** Can throw "mbedtls_ssl_setup: Not enough memory". Never pass a callback AND listen for
   *  'connect' (the listener list is corrupted and neither fires). */
  connect(options: TlsConnectOptions): SocketLike;
}
interface NetServer {
  listen(port: number): NetServer;
  close(): void;
}
interface NetModule {
  connect(options: { host: string; port: number }): SocketLike;
  createServer(callback: (socket: SocketLike) => void): NetServer;
}
/** The loopback serial pair (src/jsdevices.c): what is written to one is the other's input. */
interface LoopbackDevice {
  write(data: string): void;
  on(event: "data", callback: (data: string) => void): void;
}
declare const LoopbackA: LoopbackDevice;
declare const LoopbackB: LoopbackDevice;
interface CryptoModule {
  /** Returns an ArrayBuffer of 32 bytes. There is no HMAC built in. */
  SHA256(message: string | ArrayBuffer | ArrayBufferView): ArrayBuffer;
}
interface TelnetServerModule {
  /** Telnet on port 23 is forced ON at every boot and reset() on ESP32; boards built
   *  without TELNET (ESP32_IDF4, ESP32C3_IDF4) have no such module: require throws. */
  setOptions(options: { mode: "on" | "off" }): void;
}
/** Boards built with BLUETOOTH only. `uart: false` removes the Bluetooth console (the Nordic
 *  UART service) and restarts the stack (libs/bluetooth/jswrap_bluetooth.c). */
declare const NRF: { setServices(data: undefined, options: { uart: boolean }): void } | undefined;
/** src/jswrap_onewire.c: reset() is true when a device pulled the bus low (presence);
 *  search() gives 16 lower-case hex characters per device, ROM byte 0 (family) first;
 *  read(count) returns a Uint8Array, read() one byte; nothing driving the bus reads 0xFF. */
interface OneWireDevice {
  reset(): boolean;
  skip(): void;
  select(rom: string): void;
  write(data: number | number[], power?: boolean): void;
  read(): number;
  read(count: number): Uint8Array;
  search(command?: number): string[];
}
interface OneWireConstructor {
  new (pin: PinLike): OneWireDevice;
}

declare function require(name: "Storage"): StorageModule;
declare function require(name: "Wifi"): WifiModule;
declare function require(name: "tls"): TlsModule;
declare function require(name: "net"): NetModule;
declare function require(name: "crypto"): CryptoModule;
declare function require(name: "TelnetServer"): TelnetServerModule;
declare const OneWire: OneWireConstructor;
/** ESP32 builds only (targets/esp32/jswrap_esp32.c, jswrap_ESP32_getState). */
declare const ESP32: {
  getState(): { sdkVersion: string; freeHeap: number; minHeap: number; BLE: boolean; Wifi: boolean };
};
