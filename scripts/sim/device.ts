// The virtual ESP32: runs the built bundle, exactly the file that would be flashed, in a Node
// `vm` context that offers only the Espruino globals and modules the firmware uses, with
// Espruino's behaviour (see storage.ts, pins.ts, tls.ts, random.ts). Host code only: the
// firmware never imports this.
import type net from "node:net";
import vm from "node:vm";
import { MISSING_GLOBALS, MISSING_METHODS, MISSING_STATICS } from "../../build/espruino-builtins.ts";
import { consoleForm, TelnetConsole } from "./console.ts";
import type { SimOneWireBus } from "./onewire.ts";
import { PinBank } from "./pins.ts";
import { BOARD_CONSOLES, EspruinoRand, type Board } from "./random.ts";
import { FolderStorage } from "./storage.ts";
import { hardwareGlobals } from "./globals.ts";
import { requireModule } from "./modules.ts";
import { SimTimers } from "./timers.ts";
import { SimWatchdog } from "./watchdog.ts";
import { SimWifi } from "./wifi.ts";

/** Removes from the context what Espruino lacks (build/espruino-builtins.ts), so using one
 *  fails here as it would on the device. */
const REMOVE_MISSING = [
  ...[...MISSING_GLOBALS].map((name) => `delete globalThis.${name};`),
  ...Object.entries(MISSING_STATICS).flatMap(([object, names]) => names.map((name) => `delete ${object}.${name};`)),
  ...Object.values(MISSING_METHODS).map((path) => `delete ${path};`),
  "delete globalThis.globalThis;",
].join("");

/** Espruino's boot order (docs/espruino.md): .boot0-.boot3 always, then .bootcde. */
const BOOT_FILES = [".boot0", ".boot1", ".boot2", ".boot3", ".bootcde"];

export interface SimOptions {
  storageDir: string;
  /** The access point the simulated radio can join. */
  wifi: { ssid: string; password: string };
  verifyBroker?: boolean;
  handshakeMs?: number;
  /** process.env.BOARD: the RNG register's address differs between them (random.ts). */
  board?: Board;
  /** Model Espruino's "mbedtls_ssl_setup: Not enough memory" when a TLS socket is opened
   *  within this many ms of the last one closing (seen on 2v29 at about 1 s). 0: never. */
  tlsMemoryWindowMs?: number;
  /** Every line the device prints. */
  output?: (line: string) => void;
  /** Serve the telnet console on a loopback port while telnet mode is on (console.ts). */
  console?: boolean;
  /** What getTime() says at power-on, in ms: 0 (an ESP32 before SNTP, the default) or the wall
   *  clock (Espruino's Linux build, or a board whose clock was set). */
  clockAtBootMs?: number;
}

/** Espruino prints this at power-on and at reset() (src/jsinteractive.c, jsiDumpVersion). */
const BANNER = [
  " ____                 _ ",
  "|  __|___ ___ ___ _ _|_|___ ___ ",
  "|  __|_ -| . |  _| | | |   | . |",
  "|____|___|  _|_| |___|_|_|_|___|",
  "         |_| espruino.com",
  " 2v29 (c) 2026 G.Williams (simulated ESP32)",
  "",
];

type Listener = (...args: unknown[]) => void;

export class SimulatedDevice {
  readonly storage: FolderStorage;
  readonly pins: PinBank;
  readonly lines: string[] = [];
  readonly started = Date.now();
  private generation = 0;
  /** The bundle from `.bootcde` runs (set at boot, cleared at reset() and reboot). */
  private bootcdeRuns = false;
  /** The running bundle's code was erased under it (bootCodeGone): nothing runs until a reboot. */
  private codeGone = false;
  private deviceJson: (text: string) => unknown = JSON.parse;
  private readonly timers = new SimTimers();
  private readonly watchdog = new SimWatchdog((timeoutMs) => {
    this.print(`WATCHDOG: not kicked for ${timeoutMs / 1000} s, resetting`);
    this.watchdogResets++;
    this.reboot();
  });
  private readonly wifi = new SimWifi({
    wifi: () => this.options.wifi,
    guard: (fn, generation) => this.guard(fn, generation),
    generation: () => this.generation,
    trace: (event) => this.trace.push(event),
    print: (line) => this.print(line),
    rssi: () => this.rssi,
  });
  private lastTlsClose = -Infinity;
  private sockets: net.Socket[] = [];
  private servers: { destroy(): void }[] = [];
  /** Device TCP port -> the loopback port its require("net") server listens on. */
  private tcpPorts = new Map<number, Promise<number>>();
  /** E.setConsole / E.getConsole: "Serial1" (an ESP32's default) until moved. */
  private consoleDevice = "Serial1";
  private loopbackListeners: Listener[] = [];
  /** The console when it is moved to LoopbackA: its input is what the device writes to
   *  LoopbackB, its output goes to LoopbackB's 'data' listeners (src/jsdevices.c). */
  private readonly loopback: TelnetConsole;
  private uncaught: Listener[] = [];
  private rand = new EspruinoRand();
  private telnetMode_ = "on";
  private ctx: vm.Context | undefined;
  /** reset() and load() take effect after the console line that called them. */
  private deferred: "reset" | "load" | undefined;
  readonly console: TelnetConsole | undefined;
  /** Every telnet mode change (see the telnetMode accessor). */
  readonly telnetHistory: { t: number; mode: string }[] = [];
  /** E.setPassword / E.lockConsole (src/jswrap_espruino.c, src/jsinteractive.c): the password
   *  lives in RAM (gone at reboot unless saved); a locked console takes a line of at most 20
   *  characters and unlocks only when it equals the password. */
  consolePassword: string | undefined;
  consoleLocked = false;
  /** The Bluetooth console (Nordic UART service), on at boot on boards with BLUETOOTH. */
  bluetoothUart = false;
  /** Every value the RNG register gave out. */
  readonly rngReads: { t: number; value: number }[] = [];
  /** In order: "rng <value>" (a read of the RNG register), "srand <seed>", "Math.random",
   *  "tls.connect", "telnet on|off", "wifi.connect". */
  readonly trace: string[] = [];
  reboots = 0;
  /** getTime() minus the time since power-on (ms): setClock moves it, timers keep running. */
  private clockOffsetMs: number;
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
  watchdogResets = 0;
  /** Every E.srand(seed) call, and where the device's first TLS connects came. */
  readonly srandCalls: { t: number; seed: number }[] = [];
  readonly tlsConnects: number[] = [];

  constructor(private readonly options: SimOptions) {
    this.clockOffsetMs = options.clockAtBootMs ?? 0;
    this.storage = new FolderStorage(options.storageDir);
    const host = {
      evaluate: (code: string) => vm.runInContext(code, this.ctx ?? this.context(), { filename: "console" }),
      afterLine: () => this.runDeferred(),
      locked: () => this.consoleLocked,
      typePassword: (line: string) => this.typePassword(line),
      accepted: () => this.setConsole("Serial1"),
    };
    if (options.console) this.console = new TelnetConsole(host);
    this.loopback = new TelnetConsole(host);
    this.pins = new PinBank(
      () => Date.now() - this.started,
      (fn) => this.guard(fn),
    );
  }

  /** Espruino's telnet console: forced on at every boot and reset() (libs/network/telnet/
   *  jswrap_telnet.c, jswrap_telnet_init), on boards built with TELNET;
   *  `require("TelnetServer").setOptions({mode:"off"})` closes it (SimOptions.console). */
  get telnetMode(): string {
    return this.telnetMode_;
  }

  set telnetMode(mode: string) {
    this.telnetMode_ = mode;
    if (!this.console) return;
    if (mode === "on") this.console.open().catch((e: Error) => this.print(`telnet: ${e.message}`));
    else this.console.close();
  }

  /** Resolves with the console's port once it listens (SimOptions.console). */
  async consolePort(): Promise<number> {
    if (!this.console) throw new Error("this simulated device has no console (SimOptions.console)");
    return this.console.open();
  }

  private print(line: string): void {
    this.lines.push(line);
    this.options.output?.(line);
    if (this.consoleDevice === "LoopbackA") this.loopback.print(line);
    else this.console?.print(line);
  }

  private runDeferred(): void {
    const action = this.deferred;
    this.deferred = undefined;
    if (action === undefined) return;
    // reset() and load() keep the console device: Espruino sets it only in jsiInit and when a
    // console is chosen (src/jsinteractive.c), so .boot0 sees where the line came from.
    const console = this.consoleDevice;
    this.teardown();
    this.consoleDevice = console;
    if (action === "load") this.boot();
    else this.softReset();
  }

  /** reset(): JS state cleared, pins back to their init pulls (targets/esp32/jshardware.c),
   *  .boot0-.boot3 run but NOT .bootcde (checked on 2v29: after reset() the bundle does not
   *  run; load() runs it), telnet forced on. */
  private softReset(): void {
    if (BOARD_CONSOLES[this.board].telnet) this.setTelnet("on");
    this.pins.powerOn();
    for (const text of BANNER) this.print(text);
    const context = this.context();
    for (const name of BOOT_FILES.slice(0, 4)) this.runFile(name, context);
  }

  private runFile(name: string, context: vm.Context): void {
    const code = this.storage.read(name);
    if (code !== undefined) this.guard(() => vm.runInContext(code, context, { filename: name }));
  }

  /** Runs device code the way Espruino's idle loop does: an exception goes to the
   *  'uncaughtException' handlers, or is printed, and the device carries on. */
  private guard(fn: () => void, generation = this.generation): void {
    if (generation !== this.generation || this.codeGone) return;
    try {
      fn();
    } catch (error) {
      this.raise(error as Error, generation);
    }
  }

  private raise(error: Error, generation = this.generation): void {
    if (generation !== this.generation) return;
    if (this.uncaught.length === 0) {
      this.print(`Uncaught ${String(error)}`);
      return;
    }
    for (const h of this.uncaught) {
      try {
        h(error);
      } catch (e) {
        this.print(`Uncaught in uncaughtException handler: ${String(e)}`);
      }
    }
  }

  /** A timer whose callback runs as the device runs callbacks, in the boot that set it. */
  private setTimer(fn: unknown, ms: unknown, repeat: boolean): number {
    const generation = this.generation;
    return this.timers.set(() => this.guard(fn as () => void, generation), ms, repeat);
  }

  /** require(name): the module as this boot's device sees it (modules.ts). */
  private modules(name: string): unknown {
    const generation = this.generation;
    const sim = {
      verifyBroker: this.options.verifyBroker ?? false,
      handshakeMs: this.options.handshakeMs ?? 0,
      networkUp: () => this.wifi.networkUp && this.wifi.joined,
      run: (fn: () => void) => this.guard(fn, generation),
      raise: (e: Error) => {
        setImmediate(() => this.raise(e, generation));
      },
      track: (s: net.Socket) => {
        this.sockets.push(s);
        s.once("close", () => (this.lastTlsClose = Date.now()));
      },
      beforeConnect: () => {
        this.tlsConnects.push(Date.now() - this.started);
        this.trace.push("tls.connect");
        const window = this.options.tlsMemoryWindowMs ?? 1000;
        if (Date.now() - this.lastTlsClose < window)
          throw Object.assign(new Error("mbedtls_ssl_setup: Not enough memory"), { name: "InternalError" });
      },
    };
    return requireModule(name, {
      board: this.board,
      storage: this.storage,
      parse: this.deviceJson,
      written: (n) => {
        if (n === ".bootcde") this.bootCodeGone();
      },
      wifi: this.wifi,
      tls: sim,
      servers: {
        listening: (port, actual) => {
          if (actual) this.tcpPorts.set(port, actual);
          else this.tcpPorts.delete(port);
        },
        track: (thing) => this.servers.push("destroy" in thing ? thing : { destroy: () => void thing.close() }),
      },
      setTelnet: (mode) => this.setTelnet(mode),
    });
  }

  private get board(): Board {
    return this.options.board ?? "ESP32";
  }

  private setTelnet(mode: string): void {
    this.telnetMode = mode;
    this.telnetHistory.push({ t: Date.now() - this.started, mode });
    this.trace.push(`telnet ${mode}`);
  }

  /** E.setConsole: Espruino says "<- <old device>" on the new console (src/jsinteractive.c,
   *  jsiSetConsoleDevice). */
  private setConsole(device: string): void {
    if (device === this.consoleDevice) return;
    const old = this.consoleDevice;
    this.consoleDevice = device;
    const generation = this.generation;
    if (device === "LoopbackA")
      this.loopback.attach(
        {
          write: (text) => this.loopbackListeners.forEach((fn) => this.guard(() => fn(text), generation)),
          destroy: () => undefined,
        },
        `<- ${old}\r\n`,
        false,
      );
    else if (old === "LoopbackA") this.loopback.attach(undefined, "", false);
  }

  /** The loopback port where the device's require("net") server for `port` listens. */
  async tcpPort(port: number, timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!this.tcpPorts.has(port)) {
      if (Date.now() > deadline) throw new Error(`the device never listened on port ${port}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.tcpPorts.get(port)!;
  }

  /** Someone types `line` and Enter at the locked prompt: true when it unlocked. */
  typePassword(line: string): boolean {
    if (!this.consoleLocked) return true;
    if (this.consolePassword !== undefined && line.slice(0, 20) === this.consolePassword) this.consoleLocked = false;
    return !this.consoleLocked;
  }

  private context(): vm.Context {
    const rand = this.rand;
    const E = {
      srand: (seed: number) => {
        this.srandCalls.push({ t: Date.now() - this.started, seed });
        this.trace.push(`srand ${seed}`);
        rand.srand(seed);
      },
      hwRand: () => rand.next() | 0,
      toUint8Array: (s: string) => new Uint8Array(Buffer.from(String(s), "latin1")),
      toString: (d: ArrayLike<number> | ArrayBuffer) =>
        Buffer.from(d instanceof ArrayBuffer ? new Uint8Array(d) : Uint8Array.from(d as ArrayLike<number>)).toString(
          "latin1",
        ),
      getSizeOf: (v: unknown) => Math.ceil(JSON.stringify(v ?? null).length / 12),
      enableWatchdog: (timeout: number, isAuto?: boolean) => this.watchdog.enable(timeout, isAuto),
      kickWatchdog: () => this.watchdog.kick(),
      reboot: () => setImmediate(() => this.reboot()),
      setPassword: (password?: unknown) => {
        this.consolePassword = password === undefined ? undefined : String(password);
      },
      lockConsole: () => {
        if (this.consolePassword !== undefined) this.consoleLocked = true;
      },
      on: () => undefined,
      getConsole: () => (this.consoleDevice === "Serial1" && this.console?.connected ? "Telnet" : this.consoleDevice),
      setConsole: (device: unknown) =>
        this.setConsole(device === null || device === undefined ? "null" : String(device)),
    };
    const loopbackB = {
      write: (data: unknown) => {
        const generation = this.generation;
        // Input arrives through the event queue, after the code that wrote it.
        setImmediate(() => {
          if (generation === this.generation && this.consoleDevice === "LoopbackA") this.loopback.receive(String(data));
        });
      },
      on: (event: string, fn: Listener) => {
        if (event === "data") this.loopbackListeners.push(fn);
      },
    };
    const show = (...values: unknown[]) =>
      this.print(values.map((v) => (typeof v === "string" ? v : consoleForm(v))).join(" "));
    const sandbox: Record<string, unknown> = {
      console: { log: show },
      // The console's own globals (src/jswrap_interactive.c): print, reset, load, echo.
      print: show,
      reset: () => void (this.deferred = "reset"),
      load: () => void (this.deferred = "load"),
      echo: () => undefined,
      ...hardwareGlobals({
        board: this.board,
        pins: this.pins,
        analog: this.analog,
        oneWire: this.oneWire,
        rngRead: (value) => {
          this.rngReads.push({ t: Date.now() - this.started, value });
          this.trace.push(`rng ${value}`);
        },
      }),
      // The wall clock (gettimeofday on ESP32, targets/esp32/jshardware.c: microseconds), which
      // setTime and SNTP move without moving any timer.
      getTime: () => (performance.timeOrigin + performance.now() - this.started + this.clockOffsetMs) / 1000,
      setTime: (seconds: number) => this.setClock(seconds * 1000),
      setTimeout: (fn: unknown, ms: unknown) => this.setTimer(fn, ms, false),
      setInterval: (fn: unknown, ms: unknown) => this.setTimer(fn, ms, true),
      clearTimeout: (...args: unknown[]) => this.timers.clear(args, "Timeout"),
      clearInterval: (...args: unknown[]) => this.timers.clear(args, "Interval"),
      E,
      LoopbackA: { write: () => undefined, on: () => undefined },
      LoopbackB: loopbackB,
      process: {
        env: { VERSION: "2v29", BOARD: this.board },
        memory: () => ({ ...this.memory }),
        on: (event: string, handler: Listener) => {
          if (event === "uncaughtException") this.uncaught.push(handler);
        },
      },
      require: (name: string) => this.modules(name),
    };
    // libs/bluetooth/jswrap_bluetooth.c, jswrap_ble_setServices: `uart: false` removes the
    // Bluetooth console (the stack restarts by itself).
    if (BOARD_CONSOLES[this.board].bluetooth)
      sandbox.NRF = {
        setServices: (_data: unknown, options?: { uart?: unknown }) => {
          if (options && options.uart === false) this.bluetoothUart = false;
          else if (options && options.uart === true) this.bluetoothUart = true;
        },
      };
    // The ESP32 class of every ESP32 build (targets/esp32/jswrap_esp32.c, "ifdef": "ESP32").
    sandbox.ESP32 = {
      getState: () => ({ sdkVersion: "v4.4.8", freeHeap: this.freeHeap, BLE: true, Wifi: true, minHeap: 61000 }),
    };
    const context = vm.createContext(sandbox, { name: "espruino" });
    vm.runInContext(REMOVE_MISSING, context);
    this.ctx = context;
    this.deviceJson = vm.runInContext("(function (t) { return JSON.parse(t); })", context);
    // Math.random is the same fixed-seed generator (src/jswrap_math.c: rand()/(RAND_MAX+1)).
    (vm.runInContext("Math", context) as Math).random = () => {
      this.trace.push("Math.random");
      return rand.next() / 0x80000000;
    };
    return context;
  }

  /** Timers and watches the device holds now (each is a few Espruino variables). */
  get live(): { timers: number; watches: number } {
    return { timers: this.timers.size, watches: this.pins.watchCount };
  }

  /** Power on: runs the boot files from Storage in Espruino's order. */
  boot(): void {
    // Power-on state: telnet forced on, the password gone with RAM, Bluetooth console on.
    if (BOARD_CONSOLES[this.board].telnet) this.setTelnet("on");
    else this.telnetMode = "absent";
    this.consolePassword = undefined;
    this.consoleLocked = false;
    this.bluetoothUart = BOARD_CONSOLES[this.board].bluetooth;
    // The generator starts from its fixed seeds at every boot (src/jsutils.c).
    this.rand = new EspruinoRand();
    this.pins.powerOn();
    const context = this.context();
    for (const name of BOOT_FILES) {
      if (name === ".bootcde") this.bootcdeRuns = true;
      this.runFile(name, context);
    }
  }

  /** `.bootcde` written or erased while the bundle loaded from it runs: Espruino turns every
   *  string pointing into the old file to null (src/jsflash.c, jsfEraseFileInternal ->
   *  src/jsvar.c, jsvUpdateMemoryAddress), and the bundle's functions are such strings (its
   *  code stays in flash), so none of them runs again: the Linux build stopped dead, no more
   *  output (docs/espruino.md "Flashing"). Code from elsewhere (a console line, .boot0) goes on
   *  in the turn that wrote. An ESP32's watchdog would reset the chip later; the simulator
   *  stops as the Linux build did. */
  private bootCodeGone(): void {
    if (!this.bootcdeRuns) return;
    this.bootcdeRuns = false;
    // The simulator runs the rest of the turn that wrote (V8 holds the code), but no callback
    // after it: nothing of the bundle, nor anything it scheduled, until a reboot.
    this.codeGone = true;
    this.watchdog.stop();
  }

  private teardown(): void {
    this.generation++;
    this.bootcdeRuns = false;
    this.codeGone = false;
    this.watchdog.stop();
    this.timers.clearAll();
    for (const socket of this.sockets.splice(0)) socket.destroy();
    for (const server of this.servers.splice(0)) server.destroy();
    this.tcpPorts.clear();
    this.setConsole("Serial1");
    this.loopbackListeners = [];
    this.uncaught = [];
    this.wifi.reset();
    this.pins.reset();
  }

  /** E.reboot(): everything stops, pins float, the console's client is dropped (the chip
   *  resets), then the boot files run again. */
  reboot(): void {
    this.teardown();
    this.console?.close();
    this.reboots++;
    this.boot();
  }

  /** Power cut: no DISCONNECT is sent, so the broker publishes the last will. */
  /** Sets the wall clock to `ms` (as SNTP or setTime would): getTime() jumps, timers do not. */
  setClock(ms: number): void {
    this.clockOffsetMs = ms - (Date.now() - this.started);
  }

  powerOff(): void {
    this.teardown();
    this.console?.close();
  }

  /** The access point goes away: the radio drops, open sockets die, joining fails. */
  wifiDown(): void {
    for (const socket of this.sockets.splice(0))
      socket.destroy(Object.assign(new Error("network down"), { code: "ENETDOWN" }));
    this.wifi.down();
  }

  wifiUp(): void {
    this.wifi.networkUp = true;
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
