// Espruino's own interpreter (its Linux build) as a test device: the optional tier that runs
// when the environment variable ESPRUINO names the binary. Storage is the build's emulated
// flash (`espruino.flash` in the working folder); a `.boot1` shim (`.boot0` is the OTA stub) prints every pin change,
// since the Linux build has no GPIO to read back; then load() boots `.bootcde` as a board
// does at power-on (.boot0-.boot3 first, docs/espruino.md "Boot").
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export const ESPRUINO = process.env.ESPRUINO;

/** True (with a message) when no interpreter is configured: the tier is then skipped. */
export function espruinoMissing(): boolean {
  if (ESPRUINO && existsSync(ESPRUINO)) return false;
  console.warn(
    ESPRUINO
      ? `ESPRUINO=${ESPRUINO} does not exist: skipping the tests on Espruino's interpreter`
      : "ESPRUINO is not set: skipping the tests on Espruino's interpreter (set it to a Linux build of Espruino)",
  );
  return true;
}

/** Prints "PIN <name> <level>" for every digitalWrite and "MODE <name> <mode>" for pinMode. */
const PIN_SHIM =
  "var dw=digitalWrite,pm=pinMode;" +
  // The Linux build's variable pool starts small and grows on demand, but mbedTLS's 16 KB
  // buffers need one contiguous flat string (src/jsvar.c, jsvMalloc): grow it first, as an
  // ESP32's fixed pool (and native TLS heap) would already be.
  "(function(){var a=[];for(var i=0;i<4000;i++)a.push([i]);})();" +
  'global.digitalWrite=function(p,v){print("PIN "+p+" "+(v?1:0));dw(p,v);};' +
  'global.pinMode=function(p,m){print("MODE "+p+" "+m);pm(p,m);};';

/** A console line without the prompt and the terminal's escape sequences. */
const clean = (line: string) =>
  line
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;]*[A-Za-z]|\r/g, "")
    .replace(/^>+/, "");

export interface PinChange {
  pin: string;
  high: boolean;
  /** Milliseconds since the interpreter started. */
  t: number;
}

export class RealEspruino {
  readonly lines: string[] = [];
  readonly started = Date.now();
  private process: ChildProcessWithoutNullStreams | undefined;
  private exited = false;

  private constructor(
    readonly dir: string,
    private readonly args: string[],
  ) {}

  /** Writes `files` to the emulated Storage, then boots: .boot0 (the OTA stub), .boot1 (the pin shim), .bootcde.
   *  `telnet`: Espruino's own telnet console on (port 2323), as an ESP32 has at every boot and reset(). */
  static async boot(files: Record<string, string>, options: { telnet?: boolean } = {}): Promise<RealEspruino> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-espruino-"));
    const writes = Object.entries({ ...files, ".boot1": PIN_SHIM }).map(
      ([name, data]) =>
        `require("Storage").write(${JSON.stringify(name)},atob(${JSON.stringify(Buffer.from(data, "latin1").toString("base64"))}));`,
    );
    const setup = path.join(dir, "setup.js");
    await writeFile(setup, writes.join("\n") + "\nsetTimeout(function(){load();},10);\n");
    const device = new RealEspruino(dir, options.telnet ? ["--telnet"] : []);
    device.run(setup);
    return device;
  }

  private run(script: string): void {
    const child = spawn(ESPRUINO!, [...this.args, script], { cwd: this.dir });
    this.process = child;
    let pending = "";
    const take = (chunk: Buffer) => {
      pending += chunk.toString("latin1");
      const parts = pending.split(/\r?\n/);
      pending = parts.pop() ?? "";
      for (const part of parts) this.lines.push(`${Date.now() - this.started} ${clean(part)}`);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("exit", () => (this.exited = true));
  }

  /** The process ended (E.reboot() ends the Linux build). */
  get hasExited(): boolean {
    return this.exited;
  }

  /** The interpreter's process id (the bench reads its CPU time from /proc). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** E.reboot() ends the Linux build: this starts it again on the same emulated flash and
   *  boots as a board does (load()). Resolves once the old process is gone. */
  async restart(timeoutMs = 15000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.exited) {
      if (Date.now() > deadline) throw new Error("Espruino did not reboot (the process is still running)");
      await new Promise((r) => setTimeout(r, 50));
    }
    const script = path.join(this.dir, "restart.js");
    await writeFile(script, "setTimeout(function(){load();},10);\n");
    this.exited = false;
    this.run(script);
  }

  /** The level changes of `pin`, in order, with when each came. */
  pinChanges(pin: string): PinChange[] {
    const changes: PinChange[] = [];
    for (const line of this.lines) {
      const m = /^(\d+) PIN (\S+) ([01])$/.exec(line);
      if (m && m[2] === pin) changes.push({ pin, high: m[3] === "1", t: Number(m[1]) });
    }
    return changes;
  }

  /** Resolves with the first line (after `from`) matching `pattern`. */
  async waitFor(pattern: RegExp, timeoutMs = 15000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.slice(from).find((l) => pattern.test(l));
      if (line) return line;
      if (this.exited || Date.now() > deadline)
        throw new Error(
          `Espruino never printed ${pattern}${this.exited ? " (it exited)" : ""}; it printed:\n${this.lines.join("\n")}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Kills the interpreter: no DISCONNECT goes out, as at a power cut. */
  async powerOff(): Promise<void> {
    if (!this.process || this.exited) return;
    const gone = new Promise((r) => this.process!.once("exit", r));
    this.process.kill("SIGKILL");
    await gone;
  }
}
