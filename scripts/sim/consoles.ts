// The simulated device's consoles and which one is in charge: the telnet console and its mode
// (forced on at power-on and reset(), taken over by each new client), the loopback console
// (E.setConsole("LoopbackA"), its client whatever listens on LoopbackB), the password lock
// (E.setPassword / E.lockConsole) and the Bluetooth console (NRF.setServices). The line
// discipline of each console is console.ts.
import { TelnetConsole } from "./console.ts";
import { BOARD_CONSOLES, type Board } from "./random.ts";

type Listener = (...args: unknown[]) => void;

/** What the consoles need from the device they belong to. */
export interface ConsolesHost {
  board: Board;
  /** Serve the telnet console on a loopback port while telnet mode is on (SimOptions.console). */
  telnet: boolean;
  /** Runs one complete console input in the device's context. */
  evaluate(code: string): unknown;
  /** After each console line: runs what it deferred (reset(), load()). */
  afterLine(): void;
  /** Runs device code in the boot `generation` (an exception goes where the device's go). */
  run(fn: () => void, generation: number): void;
  generation(): number;
  /** Milliseconds since power-on. */
  elapsed(): number;
  trace(event: string): void;
  print(line: string): void;
}

export class SimConsoles {
  readonly telnet: TelnetConsole | undefined;
  /** The console when it is moved to LoopbackA: its input is what the device writes to
   *  LoopbackB, its output goes to LoopbackB's 'data' listeners (src/jsdevices.c). */
  private readonly loopback: TelnetConsole;
  private loopbackListeners: Listener[] = [];
  /** E.setConsole / E.getConsole: "Serial1" (an ESP32's default) until moved. */
  device = "Serial1";
  private telnetMode_ = "on";
  /** Every telnet mode change (see the telnetMode accessor). */
  readonly telnetHistory: { t: number; mode: string }[] = [];
  /** E.setPassword / E.lockConsole (src/jswrap_espruino.c, src/jsinteractive.c): the password
   *  lives in RAM (gone at reboot unless saved); a locked console takes a line of at most 20
   *  characters and unlocks only when it equals the password. */
  password: string | undefined;
  locked = false;
  /** The Bluetooth console (Nordic UART service), on at boot on boards with BLUETOOTH. */
  bluetoothUart = false;

  constructor(private readonly host: ConsolesHost) {
    const consoleHost = {
      evaluate: (code: string) => host.evaluate(code),
      afterLine: () => host.afterLine(),
      locked: () => this.locked,
      typePassword: (line: string) => this.typePassword(line),
      accepted: () => this.setConsole("Serial1"),
    };
    if (host.telnet) this.telnet = new TelnetConsole(consoleHost);
    this.loopback = new TelnetConsole(consoleHost);
  }

  /** Espruino's telnet console: forced on at every boot and reset() (libs/network/telnet/
   *  jswrap_telnet.c, jswrap_telnet_init), on boards built with TELNET;
   *  `require("TelnetServer").setOptions({mode:"off"})` closes it (SimOptions.console). */
  get telnetMode(): string {
    return this.telnetMode_;
  }

  set telnetMode(mode: string) {
    this.telnetMode_ = mode;
    if (!this.telnet) return;
    if (mode === "on") this.telnet.open().catch((e: Error) => this.host.print(`telnet: ${e.message}`));
    else this.telnet.close();
  }

  setTelnet(mode: string): void {
    this.telnetMode = mode;
    this.telnetHistory.push({ t: this.host.elapsed(), mode });
    this.host.trace(`telnet ${mode}`);
  }

  /** Resolves with the console's port once it listens (SimOptions.console). */
  async port(): Promise<number> {
    if (!this.telnet) throw new Error("this simulated device has no console (SimOptions.console)");
    return this.telnet.open();
  }

  /** Device output, on the console in charge. */
  print(line: string): void {
    if (this.device === "LoopbackA") this.loopback.print(line);
    else this.telnet?.print(line);
  }

  /** Power-on: telnet forced on, the password gone with RAM, Bluetooth console on. */
  powerOn(): void {
    if (BOARD_CONSOLES[this.host.board].telnet) this.setTelnet("on");
    else this.telnetMode = "absent";
    this.password = undefined;
    this.locked = false;
    this.bluetoothUart = BOARD_CONSOLES[this.host.board].bluetooth;
  }

  /** reset(): telnet forced on; the password and lock stay (they live in RAM, not JS). */
  softReset(): void {
    if (BOARD_CONSOLES[this.host.board].telnet) this.setTelnet("on");
  }

  /** The boot's code is gone: the console is Serial1 again and LoopbackB has no listeners. */
  teardown(): void {
    this.setConsole("Serial1");
    this.loopbackListeners = [];
  }

  /** Someone types `line` and Enter at the locked prompt: true when it unlocked. */
  typePassword(line: string): boolean {
    if (!this.locked) return true;
    if (this.password !== undefined && line.slice(0, 20) === this.password) this.locked = false;
    return !this.locked;
  }

  /** E.setConsole: Espruino says "<- <old device>" on the new console (src/jsinteractive.c,
   *  jsiSetConsoleDevice). */
  private setConsole(device: string): void {
    if (device === this.device) return;
    const old = this.device;
    this.device = device;
    const generation = this.host.generation();
    if (device === "LoopbackA")
      this.loopback.attach(
        {
          write: (text) => this.loopbackListeners.forEach((fn) => this.host.run(() => fn(text), generation)),
          destroy: () => undefined,
        },
        `<- ${old}\r\n`,
        false,
      );
    else if (old === "LoopbackA") this.loopback.attach(undefined, "", false);
  }

  /** E's console functions (src/jswrap_espruino.c). */
  e(): Record<string, unknown> {
    return {
      setPassword: (password?: unknown) => {
        this.password = password === undefined ? undefined : String(password);
      },
      lockConsole: () => {
        if (this.password !== undefined) this.locked = true;
      },
      getConsole: () => (this.device === "Serial1" && this.telnet?.connected ? "Telnet" : this.device),
      setConsole: (device: unknown) =>
        this.setConsole(device === null || device === undefined ? "null" : String(device)),
    };
  }

  /** The consoles' globals: LoopbackA/LoopbackB, and NRF on boards with Bluetooth. */
  globals(): Record<string, unknown> {
    const globals: Record<string, unknown> = {
      LoopbackA: { write: () => undefined, on: () => undefined },
      LoopbackB: {
        write: (data: unknown) => {
          const generation = this.host.generation();
          // Input arrives through the event queue, after the code that wrote it.
          setImmediate(() => {
            if (generation === this.host.generation() && this.device === "LoopbackA")
              this.loopback.receive(String(data));
          });
        },
        on: (event: string, fn: Listener) => {
          if (event === "data") this.loopbackListeners.push(fn);
        },
      },
    };
    // libs/bluetooth/jswrap_bluetooth.c, jswrap_ble_setServices: `uart: false` removes the
    // Bluetooth console (the stack restarts by itself).
    if (BOARD_CONSOLES[this.host.board].bluetooth)
      globals.NRF = {
        setServices: (_data: unknown, options?: { uart?: unknown }) => {
          if (options && options.uart === false) this.bluetoothUart = false;
          else if (options && options.uart === true) this.bluetoothUart = true;
        },
      };
    return globals;
  }
}
