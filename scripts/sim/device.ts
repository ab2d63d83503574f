// The virtual ESP32: runs the built bundle, exactly the file that would be flashed, in a Node
// `vm` context that offers only the Espruino globals and modules the firmware uses, with
// Espruino's behaviour (see storage.ts, pins.ts, tls.ts, random.ts). Host code only: the
// firmware never imports this.
import vm from "node:vm";
import { consoleForm, type TelnetConsole } from "./console.ts";
import { SimConnections } from "./connections.ts";
import { SimConsoles } from "./consoles.ts";
import { espruinoE } from "./espruino-e.ts";
import type { SimOneWireBus } from "./onewire.ts";
import { PinBank } from "./pins.ts";
import { EspruinoRand, type Board } from "./random.ts";
import { FolderStorage } from "./storage.ts";
import { hardwareGlobals } from "./globals.ts";
import { requireModule } from "./modules.ts";
import { espruinoSandbox } from "./sandbox.ts";
import { SimTimers } from "./timers.ts";
import { SimWatchdog } from "./watchdog.ts";
import { SimWifi } from "./wifi.ts";

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
  /** This boot's TLS sockets and net servers (connections.ts). */
  private readonly connections: SimConnections;
  /** The telnet and loopback consoles, the lock, the Bluetooth console (consoles.ts). */
  private readonly consoles: SimConsoles;
  private uncaught: Listener[] = [];
  private rand = new EspruinoRand();
  private ctx: vm.Context | undefined;
  /** reset() and load() take effect after the console line that called them. */
  private deferred: "reset" | "load" | undefined;
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
  /** Every E.srand(seed) call. */
  readonly srandCalls: { t: number; seed: number }[] = [];

  constructor(private readonly options: SimOptions) {
    this.clockOffsetMs = options.clockAtBootMs ?? 0;
    this.storage = new FolderStorage(options.storageDir);
    this.connections = new SimConnections({
      verifyBroker: options.verifyBroker ?? false,
      handshakeMs: options.handshakeMs ?? 0,
      tlsMemoryWindowMs: options.tlsMemoryWindowMs ?? 1000,
      networkUp: () => this.wifi.networkUp && this.wifi.joined,
      run: (fn, generation) => this.guard(fn, generation),
      raise: (e, generation) => this.raise(e, generation),
      elapsed: () => Date.now() - this.started,
      trace: (event) => this.trace.push(event),
    });
    this.consoles = new SimConsoles({
      board: this.board,
      telnet: options.console ?? false,
      evaluate: (code) => vm.runInContext(code, this.ctx ?? this.context(), { filename: "console" }),
      afterLine: () => this.runDeferred(),
      run: (fn, generation) => this.guard(fn, generation),
      generation: () => this.generation,
      elapsed: () => Date.now() - this.started,
      trace: (event) => this.trace.push(event),
      print: (line) => this.print(line),
    });
    this.pins = new PinBank(
      () => Date.now() - this.started,
      (fn) => this.guard(fn),
    );
  }

  /** The telnet console (SimOptions.console): its mode, its history, its lock (consoles.ts). */
  get console(): TelnetConsole | undefined {
    return this.consoles.telnet;
  }

  get telnetMode(): string {
    return this.consoles.telnetMode;
  }

  set telnetMode(mode: string) {
    this.consoles.telnetMode = mode;
  }

  get telnetHistory(): { t: number; mode: string }[] {
    return this.consoles.telnetHistory;
  }

  get consolePassword(): string | undefined {
    return this.consoles.password;
  }

  get consoleLocked(): boolean {
    return this.consoles.locked;
  }

  get bluetoothUart(): boolean {
    return this.consoles.bluetoothUart;
  }

  /** Resolves with the console's port once it listens (SimOptions.console). */
  consolePort(): Promise<number> {
    return this.consoles.port();
  }

  /** Someone types `line` and Enter at the locked prompt: true when it unlocked. */
  typePassword(line: string): boolean {
    return this.consoles.typePassword(line);
  }

  private print(line: string): void {
    this.lines.push(line);
    this.options.output?.(line);
    this.consoles.print(line);
  }

  private runDeferred(): void {
    const action = this.deferred;
    this.deferred = undefined;
    if (action === undefined) return;
    // reset() and load() keep the console device: Espruino sets it only in jsiInit and when a
    // console is chosen (src/jsinteractive.c), so .boot0 sees where the line came from.
    const console = this.consoles.device;
    this.teardown();
    this.consoles.device = console;
    if (action === "load") this.boot();
    else this.softReset();
  }

  /** reset(): JS state cleared, pins back to their init pulls (targets/esp32/jshardware.c),
   *  .boot0-.boot3 run but NOT .bootcde (checked on 2v29: after reset() the bundle does not
   *  run; load() runs it), telnet forced on. */
  private softReset(): void {
    this.consoles.softReset();
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
    return requireModule(name, {
      board: this.board,
      storage: this.storage,
      parse: this.deviceJson,
      written: (n) => {
        if (n === ".bootcde") this.bootCodeGone();
      },
      wifi: this.wifi,
      tls: this.connections.tls(this.generation),
      servers: this.connections.servers,
      setTelnet: (mode) => this.consoles.setTelnet(mode),
    });
  }

  private get board(): Board {
    return this.options.board ?? "ESP32";
  }

  /** When (ms since power-on) each TLS connect began. */
  get tlsConnects(): number[] {
    return this.connections.tlsConnects;
  }

  /** The loopback port where the device's require("net") server for `port` listens. */
  tcpPort(port: number, timeoutMs = 5000): Promise<number> {
    return this.connections.tcpPort(port, timeoutMs);
  }

  private context(): vm.Context {
    const rand = this.rand;
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
      E: espruinoE({
        rand,
        watchdog: this.watchdog,
        consoles: this.consoles,
        seeded: (seed) => {
          this.srandCalls.push({ t: Date.now() - this.started, seed });
          this.trace.push(`srand ${seed}`);
        },
        reboot: () => this.reboot(),
      }),
      ...this.consoles.globals(),
      process: {
        env: { VERSION: "2v29", BOARD: this.board },
        memory: () => ({ ...this.memory }),
        on: (event: string, handler: Listener) => {
          if (event === "uncaughtException") this.uncaught.push(handler);
        },
      },
      require: (name: string) => this.modules(name),
    };
    // The ESP32 class of every ESP32 build (targets/esp32/jswrap_esp32.c, "ifdef": "ESP32").
    sandbox.ESP32 = {
      getState: () => ({ sdkVersion: "v4.4.8", freeHeap: this.freeHeap, BLE: true, Wifi: true, minHeap: 61000 }),
    };
    const { context, parse } = espruinoSandbox(sandbox, () => {
      this.trace.push("Math.random");
      return rand.next() / 0x80000000;
    });
    this.ctx = context;
    this.deviceJson = parse;
    return context;
  }

  /** Timers and watches the device holds now (each is a few Espruino variables). */
  get live(): { timers: number; watches: number } {
    return { timers: this.timers.size, watches: this.pins.watchCount };
  }

  /** Power on: runs the boot files from Storage in Espruino's order. */
  boot(): void {
    this.consoles.powerOn();
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
    this.connections.closeAll();
    this.consoles.teardown();
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
    this.connections.networkDown();
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
