// Every bad input a new user met, as one table: each row runs the real command and asserts
// one line on stderr naming the problem, a non-zero exit, no stack trace, and no file changed
// in the state folder or where the bundle would be built (LATCHKEY_DIST: a folder of this
// test's own, since other test files build into the checkout's dist/ at the same time).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordBadInput } from "./support/bad-input.ts";
import { freePort } from "./support/broker.ts";
import { root } from "./support/cli.ts";
import { makeTestPki, type TestPki } from "./support/pki.ts";

interface Config {
  device: { broker: { port: number }; relay: Record<string, unknown> } & Record<string, unknown>;
}

interface Row {
  what: string;
  script: string;
  args: string[];
  message: RegExp;
  env?: Record<string, string>;
  /** Another config than the project's (changed from it). */
  config?: (c: Config) => void;
  asNobody?: boolean;
}

const isRoot = process.getuid?.() === 0;
let pki: TestPki;
let dir: string;
let busy: net.Server;
let busyPort: number;
let deadPort: number;

/** Every file under `folders`, with its SHA-256: what "no file changed" compares. */
function snapshot(folders: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) for (const n of readdirSync(p)) walk(path.join(p, n));
    else out[p] = createHash("sha256").update(readFileSync(p)).digest("hex");
  };
  folders.forEach(walk);
  return out;
}

function run(row: Row): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const config = JSON.parse(readFileSync(path.join(root, "espruino.config.json"), "utf8")) as Config;
  config.device.broker.port = deadPort;
  row.config?.(config);
  const file = path.join(dir, `config-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  chmodSync(file, 0o644);
  const command = [process.execPath, "--import", "tsx", row.script, ...row.args];
  const wrapped = row.asNobody ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...command] : command;
  return new Promise((resolve, reject) => {
    const child = spawn(wrapped[0], wrapped.slice(1), {
      cwd: root,
      env: {
        ...process.env,
        LATCHKEY_CONFIG: file,
        LATCHKEY_STATE_DIR: pki.stateDir,
        LATCHKEY_CA_PASSPHRASE: "",
        LATCHKEY_DIST: path.join(dir, "dist", "latchkey.js"),
        ...(row.asNobody ? { TMPDIR: path.join(dir, "tmp") } : {}),
        ...row.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const UNRESOLVABLE = "no.such.host.invalid";
const rows: Row[] = [
  {
    what: "hub --port abc",
    script: "scripts/hub/cli.ts",
    args: ["--port", "abc"],
    message: /^hub: --port must be a whole number from 1 to 65535, not 'abc'$/,
  },
  {
    what: "hub --port 70000",
    script: "scripts/hub/cli.ts",
    args: ["--port", "70000"],
    message: /^hub: --port must be a whole number from 1 to 65535, not '70000'$/,
  },
  {
    what: "hub --port <in use>",
    script: "scripts/hub/cli.ts",
    args: ["--port", "BUSY"],
    message: /^hub: port \d+ on 127\.0\.0\.1 is already in use$/,
  },
  {
    what: `hub --host ${UNRESOLVABLE}`,
    script: "scripts/hub/cli.ts",
    args: ["--host", UNRESOLVABLE],
    message: /^hub: no\.such\.host\.invalid does not resolve to an address$/,
  },
  {
    what: "flash --bogus",
    script: "scripts/flash/cli.ts",
    args: ["--bogus"],
    message: /^flash: unknown option '--bogus' \(usage: npm run flash/,
  },
  {
    what: "repl --bogus",
    script: "scripts/repl/cli.ts",
    args: ["--bogus"],
    message: /^repl: unknown option '--bogus' \(usage: npm run repl/,
  },
  {
    what: "ota --bogus",
    script: "scripts/ota/cli.ts",
    args: ["--bogus"],
    message: /^ota: unknown option '--bogus' \(usage: npm run ota/,
  },
  {
    what: "command --bogus",
    script: "scripts/command/cli.ts",
    args: ["garage-door", "on", "--bogus"],
    message: /^command: unknown option '--bogus'/,
  },
  {
    what: "broker --port 22 (as nobody)",
    script: "scripts/broker/cli.ts",
    args: ["--port", "22"],
    asNobody: true,
    message: /^broker: port 22 on 127\.0\.0\.1 needs privileges this user does not have$/,
  },
  {
    what: "repl --port tcp://127.0.0.1:<refused>",
    script: "scripts/repl/cli.ts",
    args: ["--port", "tcp://127.0.0.1:DEAD"],
    message:
      /^repl: cannot open tcp:\/\/127\.0\.0\.1:\d+: nothing accepts connections at 127\.0\.0\.1:\d+ \(connection refused\)$/,
  },
  {
    what: `repl --port tcp://${UNRESOLVABLE}`,
    script: "scripts/repl/cli.ts",
    args: ["--port", `tcp://${UNRESOLVABLE}`],
    message:
      /^repl: cannot open tcp:\/\/no\.such\.host\.invalid: no\.such\.host\.invalid does not resolve to an address \(DNS lookup failed\)$/,
  },
  {
    what: "ota garage-door (no broker)",
    script: "scripts/ota/cli.ts",
    args: ["garage-door"],
    message:
      /^ota: no broker answers at 127\.0\.0\.1:\d+ \(nothing accepts connections at 127\.0\.0\.1:\d+ \(connection refused\)\): start it with npm start or npm run broker$/,
  },
  {
    what: "flash --baud abc",
    script: "scripts/flash/cli.ts",
    args: ["--baud", "abc"],
    message: /^flash: --baud must be a whole number from 300 to 2000000, not 'abc'$/,
  },
  {
    what: "flash --timeout-ms abc",
    script: "scripts/flash/cli.ts",
    args: ["--timeout-ms", "abc"],
    message: /^flash: --timeout-ms must be a whole number from 1000 to 600000, not 'abc'$/,
  },
  {
    what: "ota --confirm-s abc",
    script: "scripts/ota/cli.ts",
    args: ["garage-door", "--confirm-s", "abc"],
    message: /^ota: --confirm-s must be a whole number from 5 to 900, not 'abc'$/,
  },
  {
    what: "start --bogus",
    script: "scripts/start/cli.ts",
    args: ["--bogus"],
    message: /^start: unknown option '--bogus'$/,
  },
  {
    what: "bench --bogus",
    script: "scripts/bench/cli.ts",
    args: ["--bogus"],
    message: /^bench: unknown option '--bogus' \(usage: npm run bench/,
  },
  {
    what: "fleet --devices 0",
    script: "scripts/fleet/cli.ts",
    args: ["--devices", "0"],
    message: /^fleet: --devices must be a whole number from 1 to 2000 \(usage: npm run fleet/,
  },
  {
    what: "start --hub --hub-port 70000",
    script: "scripts/start/cli.ts",
    args: ["--hub", "--hub-port", "70000"],
    message: /^start: --hub-port must be a whole number from 1 to 65535, not '70000'$/,
  },
  {
    what: "profile: device.inputz",
    script: "scripts/hub/cli.ts",
    args: [],
    config: (c) => (c.device.inputz = {}),
    message: /^hub: .*config-\w+\.json: device\.inputz is not a known setting: did you mean inputs\?$/,
  },
  {
    what: "profile: device.relay.lockoutMS",
    script: "scripts/hub/cli.ts",
    args: [],
    config: (c) => (c.device.relay.lockoutMS = 500),
    message: /^hub: .*: device\.relay\.lockoutMS is not a known setting: did you mean lockoutMs\?$/,
  },
  {
    what: "flash: a 5-character Wi-Fi password",
    script: "scripts/flash/cli.ts",
    args: ["--port", "/dev/null"],
    env: { LATCHKEY_WIFI_SSID: "home", LATCHKEY_WIFI_PASSWORD: "abcde" },
    message:
      /^flash: the Wi-Fi password must be 8 to 63 printable ASCII characters \(WPA2\), or 64 hex digits; it has 5 characters$/,
  },
  {
    what: "flash: an empty SSID",
    script: "scripts/flash/cli.ts",
    args: ["--port", "/dev/null"],
    env: { LATCHKEY_WIFI_SSID: "", LATCHKEY_WIFI_PASSWORD: "long enough" },
    message:
      /^flash: set LATCHKEY_WIFI_SSID and LATCHKEY_WIFI_PASSWORD|^flash: the Wi-Fi network name \(SSID\) is empty$/,
  },
  { what: "pki --bogus", script: "scripts/pki/cli.ts", args: ["--bogus"], message: /^pki: unknown option '--bogus'/ },
  { what: "build --bogus", script: "build/cli.ts", args: ["--bogus"], message: /^build: unknown option '--bogus'/ },
];

describe("bad input: one line, non-zero exit, no stack, no file changed", () => {
  beforeAll(async () => {
    pki = await makeTestPki();
    await pki.issue("device", "garage-door");
    await pki.issue("hub", "hub");
    dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-bad-input-"));
    chmodSync(dir, 0o755);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(path.join(dir, "tmp"));
    if (isRoot) chownSync(path.join(dir, "tmp"), 65534, 65534);
    busy = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => busy.once("listening", r));
    busyPort = (busy.address() as net.AddressInfo).port;
    deadPort = await freePort();
  });
  afterAll(() => busy?.close());

  for (const row of rows) {
    it.skipIf(row.asNobody === true && !isRoot)(
      row.what,
      async () => {
        const args = row.args.map((a) => a.replace("BUSY", String(busyPort)).replace("DEAD", String(deadPort)));
        const watched = [pki.stateDir, path.join(dir, "dist")];
        const before = snapshot(watched);
        const result = await run({ ...row, args });
        const lines = result.stderr.trim().split("\n");
        expect(result.status, result.stderr).not.toBe(0);
        expect(result.status).not.toBeNull();
        expect(lines, result.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(row.message);
        expect(result.stderr).not.toMatch(/\n\s+at /);
        expect(snapshot(watched)).toEqual(before);
        recordBadInput(row.what, { status: result.status, stderr: lines[0] }, "state folder and dist/ unchanged");
      },
      60000,
    );
  }
});
