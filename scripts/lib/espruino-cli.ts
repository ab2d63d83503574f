// Runs the real Espruino command-line tool (npm package `espruino`, 0.1.67) and reads what it
// prints. Behaviours of the tool this relies on (node_modules/espruino/bin/espruino-cli.js,
// core/serial.js, core/utils.js):
// - every line the device prints is echoed as `--] <line>`;
// - `--storage NAME:file` becomes `require("Storage").write(NAME, atob(...), offset[, size])`
//   lines of 384 bytes each, the first with the whole size; with `-v` each one is logged as
//   "Splitting for Storage.write", which is how the host counts progress;
// - uploading a file sends `reset()` first; `-e` alone does not;
// - an upload shorter than 512 bytes never reports completion (core/serial.js calls the
//   callback only when it showed progress), so the tool never exits by itself: callers
//   wait for their own marker in the device's output, then stop it;
// - `--board file.json` keeps it offline (no board lookup at www.espruino.com).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { FlashError } from "./errors.ts";
export { FlashError };

const DEVICE_PREFIX = "--] ";
const STARTUP_MS = 30000;

/** The CLI's entry script, or undefined when the package is not installed. */
export function cliPath(root = process.cwd()): string | undefined {
  try {
    const pkg = createRequire(path.join(root, "package.json")).resolve("espruino/package.json");
    const bin = path.join(path.dirname(pkg), "bin", "espruino-cli.js");
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

export interface CliRun {
  /** Lines the device printed (the CLI's `--] ` lines, prefix removed). */
  device: string[];
  /** Everything else the CLI printed (may contain uploaded data with -v: never show it). */
  tool: string[];
  exitCode: number | null;
  /** True when `until` matched (the run was stopped on purpose). */
  matched: boolean;
  timedOut: boolean;
}

export interface CliOptions {
  /** Counted from the moment the tool says it is connected (it may take a while to start on a
   *  loaded machine: up to STARTUP_MS more before that). */
  timeoutMs: number;
  /** Stop the tool once this returns true for the device lines so far. */
  until?: (device: string[]) => boolean;
  /** Called for every line the CLI prints for itself (progress counting). */
  onToolLine?: (line: string) => void;
  cwd?: string;
}

export function runCli(cli: string, args: string[], options: CliOptions): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const run: CliRun = { device: [], tool: [], exitCode: null, matched: false, timedOut: false };
    let stopping: NodeJS.Timeout | undefined;
    const stop = () => {
      if (stopping) return;
      stopping = setTimeout(() => child.kill("SIGTERM"), 300);
    };
    const expire = () => {
      run.timedOut = true;
      child.kill("SIGTERM");
    };
    let timer = setTimeout(expire, STARTUP_MS + options.timeoutMs);
    const onLines = (buffer: { rest: string }, chunk: Buffer) => {
      const text = buffer.rest + chunk.toString("latin1");
      const lines = text.split("\n");
      buffer.rest = lines.pop() ?? "";
      for (const raw of lines) {
        // eslint-disable-next-line no-control-regex
        const line = raw.replace(/\x1b\[[0-9]*[A-Za-z]|\r/g, "");
        const at = line.indexOf(DEVICE_PREFIX);
        if (at >= 0) run.device.push(line.slice(at + DEVICE_PREFIX.length).replace(/^>+/, ""));
        else {
          run.tool.push(line);
          if (line === "Connected") {
            clearTimeout(timer);
            timer = setTimeout(expire, options.timeoutMs);
          }
          options.onToolLine?.(line);
        }
      }
      if (!run.matched && options.until?.(run.device)) {
        run.matched = true;
        stop();
      }
    };
    const out = { rest: "" };
    const err = { rest: "" };
    child.stdout.on("data", (c: Buffer) => onLines(out, c));
    child.stderr.on("data", (c: Buffer) => onLines(err, c));
    child.on("close", (code) => {
      clearTimeout(timer);
      if (stopping) clearTimeout(stopping);
      run.exitCode = code;
      resolve(run);
    });
  });
}

/** The JSON a device printed between `LK<<` and `>>` on one line, if any. */
export function markerJson<T>(device: string[]): T | undefined {
  for (const line of device) {
    const start = line.indexOf("LK<<");
    const end = line.lastIndexOf(">>");
    if (start >= 0 && end > start) {
      try {
        return JSON.parse(line.slice(start + 4, end)) as T;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** One line for a person, with the arguments quoted as a shell would need. */
export function shellLine(command: string, args: string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return [command, ...args].map(quote).join(" ");
}
