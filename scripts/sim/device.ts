// The virtual ESP32: runs the built bundle, exactly the file that would be flashed, in a Node
// `vm` context that offers only the Espruino globals and modules the firmware uses, with
// Espruino's behaviour (see storage.ts, pins.ts, tls.ts, random.ts). This file is its power
// lifecycle: boot files, reset(), load(), reboot, power cut, code erased under itself; the
// globals of a boot are boot-context.ts, how its callbacks run callbacks.ts, what tests read
// record.ts. Host code only: the firmware never imports this.
import vm from "node:vm";
import { bootContext } from "./boot-context.ts";
import { DeviceCallbacks } from "./callbacks.ts";
import { SimConnections } from "./connections.ts";
import { SimConsoles } from "./consoles.ts";
import { requireModule } from "./modules.ts";
import { PinBank } from "./pins.ts";
import { EspruinoRand, type Board } from "./random.ts";
import { DeviceRecord } from "./record.ts";
import { FolderStorage } from "./storage.ts";
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

export class SimulatedDevice extends DeviceRecord {
  readonly storage: FolderStorage;
  readonly pins: PinBank;
  /** The bundle from `.bootcde` runs (set at boot, cleared at reset() and reboot). */
  private bootcdeRuns = false;
  private readonly callbacks = new DeviceCallbacks((line) => this.print(line));
  private deviceJson: (text: string) => unknown = JSON.parse;
  private readonly timers = new SimTimers();
  private readonly watchdog = new SimWatchdog((timeoutMs) => {
    this.print(`WATCHDOG: not kicked for ${timeoutMs / 1000} s, resetting`);
    this.watchdogResets++;
    this.reboot();
  });
  private readonly wifi = new SimWifi({
    wifi: () => this.options.wifi,
    guard: (fn, generation) => this.callbacks.guard(fn, generation),
    generation: () => this.callbacks.generation,
    trace: (event) => this.trace.push(event),
    print: (line) => this.print(line),
    rssi: () => this.rssi,
  });
  /** This boot's TLS sockets and net servers (connections.ts). */
  private readonly connections: SimConnections;
  /** The telnet and loopback consoles, telnet mode and its history, the password lock, the
   *  Bluetooth console (consoles.ts); `consoles.port()` is the telnet console's loopback port
   *  (SimOptions.console). */
  readonly consoles: SimConsoles;
  private rand = new EspruinoRand();
  private ctx: vm.Context | undefined;
  /** reset() and load() take effect after the console line that called them. */
  private deferred: "reset" | "load" | undefined;
  /** getTime() minus the time since power-on (ms): setClock moves it, timers keep running. */
  private clockOffsetMs: number;

  constructor(private readonly options: SimOptions) {
    super();
    this.clockOffsetMs = options.clockAtBootMs ?? 0;
    this.storage = new FolderStorage(options.storageDir);
    this.connections = new SimConnections({
      verifyBroker: options.verifyBroker ?? false,
      handshakeMs: options.handshakeMs ?? 0,
      tlsMemoryWindowMs: options.tlsMemoryWindowMs ?? 1000,
      networkUp: () => this.wifi.networkUp && this.wifi.joined,
      run: (fn, generation) => this.callbacks.guard(fn, generation),
      raise: (e, generation) => this.callbacks.raise(e, generation),
      elapsed: () => this.elapsed(),
      trace: (event) => this.trace.push(event),
    });
    this.consoles = new SimConsoles({
      board: this.board,
      telnet: options.console ?? false,
      evaluate: (code) => vm.runInContext(code, this.ctx ?? this.context(), { filename: "console" }),
      afterLine: () => this.runDeferred(),
      run: (fn, generation) => this.callbacks.guard(fn, generation),
      generation: () => this.callbacks.generation,
      elapsed: () => this.elapsed(),
      trace: (event) => this.trace.push(event),
      print: (line) => this.print(line),
    });
    this.pins = new PinBank(
      () => this.elapsed(),
      (fn) => this.callbacks.guard(fn),
    );
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
    if (code !== undefined) this.callbacks.guard(() => vm.runInContext(code, context, { filename: name }));
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
      tls: this.connections.tls(this.callbacks.generation),
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

  /** A fresh vm context with this boot's globals (boot-context.ts). */
  private context(): vm.Context {
    const { context, parse } = bootContext({
      board: this.board,
      record: this,
      pins: this.pins,
      rand: this.rand,
      watchdog: this.watchdog,
      consoles: this.consoles,
      timers: this.timers,
      callbacks: this.callbacks,
      print: (line) => this.print(line),
      defer: (action) => void (this.deferred = action),
      clockMs: () => performance.timeOrigin + performance.now() - this.started + this.clockOffsetMs,
      setClock: (ms) => this.setClock(ms),
      require: (name) => this.modules(name),
      reboot: () => this.reboot(),
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
    this.callbacks.stopped = true;
    this.watchdog.stop();
  }

  private teardown(): void {
    this.callbacks.endBoot();
    this.bootcdeRuns = false;
    this.watchdog.stop();
    this.timers.clearAll();
    this.connections.closeAll();
    this.consoles.teardown();
    this.wifi.reset();
    this.pins.reset();
  }

  /** E.reboot(): everything stops, pins float, the console's client is dropped (the chip
   *  resets), then the boot files run again. */
  reboot(): void {
    this.teardown();
    this.consoles.telnet?.close();
    this.reboots++;
    this.boot();
  }

  /** Sets the wall clock to `ms` (as SNTP or setTime would): getTime() jumps, timers do not. */
  setClock(ms: number): void {
    this.clockOffsetMs = ms - (Date.now() - this.started);
  }

  /** Power cut: no DISCONNECT is sent, so the broker publishes the last will. */
  powerOff(): void {
    this.teardown();
    this.consoles.telnet?.close();
  }

  /** The access point goes away: the radio drops, open sockets die, joining fails. */
  wifiDown(): void {
    this.connections.networkDown();
    this.wifi.down();
  }

  wifiUp(): void {
    this.wifi.networkUp = true;
  }
}
