// `npm start` as a child process, as a user runs it: its own config, state folder and bundle in
// a temporary folder (removed by `cleanup()`), optionally wrapped in another command (a bare
// machine made with a mount namespace, another user through setpriv).
import { spawn, type ChildProcess } from "node:child_process";
import { chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { dropFolderPath } from "../../scripts/broker/run-as.ts";
import { freePort } from "./broker.ts";
import { root } from "./cli.ts";

export interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  port: number;
  dir: string;
  stateDir: string;
  /** Ends the process if it still runs (SIGKILL) and removes the temporary folder. */
  cleanup: () => Promise<void>;
}

export interface StartConfig {
  device: { broker: { host: string; port: number } };
  build: { sizeBudgetBytes: number };
}

export interface StartOptions {
  args?: string[];
  /** A command and arguments the node process is run under (it must exec the rest). */
  wrap?: (dir: string) => string[];
  /** Owner of the temporary folder (the user the wrapped command runs as). */
  owner?: { uid: number; gid: number };
  env?: Record<string, string>;
  /** TMPDIR inside the temporary folder: what the run writes there (tsx's cache among it) is
   *  removed with it. */
  ownTmp?: boolean;
  /** Its own process group: `process.kill(-child.pid, "SIGINT")` is then a terminal's Ctrl-C,
   *  which reaches every process of the group (Mosquitto too), not only npm start. */
  detached?: boolean;
  /** Run in this folder (made by an earlier npmStart) instead of a new one: its state too. */
  dir?: string;
}

export async function npmStart(change: (config: StartConfig) => void, options: StartOptions = {}): Promise<Started> {
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), "latchkey-start-")));
  const config = JSON.parse(readFileSync(path.join(root, "espruino.config.json"), "utf8")) as StartConfig;
  const port = await freePort();
  config.device.broker.port = port;
  change(config);
  writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
  if (options.ownTmp) mkdirSync(path.join(dir, "tmp"), { recursive: true });
  if (options.owner) {
    for (const file of ["", "config.json", ...(options.ownTmp ? ["tmp"] : [])])
      chownSync(path.join(dir, file), options.owner.uid, options.owner.gid);
  }
  const command = [...(options.wrap?.(dir) ?? []), process.execPath, "--import", "tsx", "scripts/start/cli.ts"];
  const child = spawn(command[0], [...command.slice(1), ...(options.args ?? [])], {
    cwd: root,
    env: {
      ...process.env,
      LATCHKEY_CONFIG: path.join(dir, "config.json"),
      LATCHKEY_STATE_DIR: path.join(dir, "state"),
      LATCHKEY_DIST: path.join(dir, "dist", "latchkey.js"),
      LATCHKEY_CA_PASSPHRASE: "",
      ...(options.ownTmp ? { TMPDIR: path.join(dir, "tmp") } : {}),
      ...options.env,
    },
    stdio: ["pipe", "pipe", "pipe"],
    detached: options.detached,
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const stateDir = path.join(dir, "state");
  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    for (const pid of brokersOf(stateDir)) process.kill(pid, "SIGKILL");
    await rm(dir, { recursive: true, force: true });
    await rm(dropFolderPath(stateDir), { recursive: true, force: true });
  };
  return { child, output: () => output, exited, port, dir, stateDir, cleanup };
}

export const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });

/** Pids of Mosquitto processes running with the configuration written for `stateDir`. */
export function brokersOf(stateDir: string): number[] {
  const confs = [
    path.join(stateDir, "broker", "mosquitto.conf"),
    path.join(dropFolderPath(stateDir), "mosquitto.conf"),
  ];
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmdline = readFileSync(`/proc/${p}/cmdline`, "utf8");
        return confs.some((conf) => cmdline.includes(conf));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The complete line of `output` matching `pattern` (a line is complete once its newline
 *  arrived), or undefined: what a test waits for before it asserts on a line. */
export function completeLine(output: string, pattern: RegExp): string | undefined {
  const lines = output.split("\n");
  lines.pop(); // the last piece has no newline yet: possibly a partial chunk
  return lines.find((line) => pattern.test(line));
}

/** Waits until `output` holds a complete line matching `pattern` and returns it; fails at
 *  once, with the output, if the process ends first. */
export async function waitForLine(started: Started, pattern: RegExp, timeoutMs = 45000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = completeLine(started.output(), pattern);
    if (line !== undefined) return line;
    const ended = started.child.exitCode !== null || started.child.signalCode !== null;
    if (ended || Date.now() > deadline)
      throw new Error(
        `${ended ? "npm start ended" : "timed out"} before a line matching ${pattern}:\n${started.output()}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const brokerUp = /broker +│ (Mosquitto|embedded broker \(aedes\)) on 127\.0\.0\.1:(\d+)/;
