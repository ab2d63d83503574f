// `npm run flash [-- --port /dev/ttyUSB0|tcp://IP[:port] --baud 115200 --board file.json --dry-run]`:
// builds, then writes the bundle (as `.bootcde`) and the provisioning files of
// scripts/lib/provision.ts to the device's Storage with the real Espruino CLI, reads every
// file back (length and SHA-256) and reboots the device into the new bundle. Nothing is
// written to the device before every host-side check passed (certificate, budget, Wi-Fi,
// the device answers as Espruino, the files fit); the files the CLI reads live in a private
// temporary folder that is always removed.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ALL_FEATURES, buildFirmware, featuresOf } from "../../build/build.ts";
import { runTool, wholeNumber } from "../lib/cli.ts";
import { probeTcp } from "../lib/tcp-probe.ts";
import { CA_FILE, CERT_FILE, CMDKEY_FILE, KEY_FILE, WIFI_FILE } from "../../firmware/app/profile/profile.ts";
import { loginProxy, signedWindow } from "../lib/console-login.ts";
import { connectAsHub } from "../lib/hub.ts";
import { deviceTopics, thingTopic } from "../../firmware/app/protocol/topics.ts";
import { cliPath, FlashError, markerJson, runCli, shellLine, type CliRun } from "../lib/espruino-cli.ts";
import { deviceStorageFiles, type WifiSecrets } from "../lib/provision.ts";
import { readCommandKey } from "../lib/signing.ts";
import { projectConfig, projectRoot, stateDir } from "../lib/state.ts";
import { askWifi } from "./wifi-prompt.ts";
import {
  chunksOf,
  probeProgram,
  stagedName,
  unstagedName,
  sha256Hex,
  storageCost,
  verifyProgram,
  type ProbeAnswer,
  type VerifyAnswer,
} from "./device-code.ts";

const DEFAULT_BOARD = path.join(projectRoot, "scripts/flash/ESP32.json");
const OPTIONS = {
  port: { type: "string", short: "p" },
  baud: { type: "string", short: "b" },
  board: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  "timeout-ms": { type: "string" },
  "all-features": { type: "boolean", default: false },
} as const;
const USAGE =
  "usage: npm run flash -- [--port /dev/ttyUSB0|tcp://IP[:port]] [--baud 115200] [--board file.json] [--timeout-ms 15000] [--dry-run] [--all-features]";
let values: {
  port?: string;
  baud?: string;
  board?: string;
  "dry-run": boolean;
  "timeout-ms"?: string;
  "all-features": boolean;
};
let dryRun = false;
const step = (text: string) => console.log(`flash: ${text}`);

/** The CLI's way to a port: tcp://host[:port] (telnet console) or a serial device. */
function checkPort(port: string): void {
  if (/^tcp:\/\/[^/:]+(:\d+)?$/.test(port)) return;
  if (port.startsWith("tcp://")) throw new FlashError(`bad port ${port}: expected tcp://host[:port]`);
  if (!dryRun && !existsSync(port))
    throw new FlashError(`no port ${port}: plug the board in, or pass --port /dev/ttyX or tcp://IP`);
}

function progress(done: number, total: number, bytes: number): void {
  const width = 30;
  const filled = Math.round((width * done) / total);
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.round((100 * done) / total)}% of ${bytes} bytes`;
  if (process.stderr.isTTY) process.stderr.write(`\r${bar}${done === total ? "\n" : ""}`);
  else if (done === total || done % Math.max(1, Math.floor(total / 4)) === 0) process.stderr.write(`${bar}\n`);
}

/** The one-line reason a CLI run produced no answer. */
function noAnswer(run: CliRun, port: string, seconds: number): FlashError {
  const tool = run.tool.join("\n");
  if (/ENOTFOUND|EAI_AGAIN/.test(tool))
    return new FlashError(`cannot open ${port}: the host name does not resolve to an address (DNS lookup failed)`);
  if (/ECONNREFUSED|EHOSTUNREACH|Unable to connect|not found/i.test(tool))
    return new FlashError(`cannot open ${port}: nothing accepts the connection (is telnet on? is the port right?)`);
  const printed = run.device.filter((l) => l.trim() !== "");
  if (printed.length > 0)
    return new FlashError(`${port} is not an Espruino console: it answered ${JSON.stringify(printed[0].slice(0, 60))}`);
  return new FlashError(
    `device silent: no answer from ${port} in ${seconds} s (powered? baud rate? over tcp://: is a maintenance window open?)`,
  );
}

async function main(): Promise<void> {
  const config = projectConfig();
  const profile = config.device;
  const port = values.port ?? config.tools.port;
  const baud = String(values.baud === undefined ? config.tools.baud : wholeNumber(values.baud, "--baud", 300, 2000000));
  const board = values.board ?? DEFAULT_BOARD;
  const timeoutMs =
    values["timeout-ms"] === undefined ? 15000 : wholeNumber(values["timeout-ms"], "--timeout-ms", 1000, 600000);
  const cli = process.env.LATCHKEY_ESPRUINO_CLI ?? cliPath(projectRoot);
  if (!cli || !existsSync(cli))
    throw new FlashError("the Espruino CLI is missing: run npm install (devDependency espruino)");
  checkPort(port);
  if (!existsSync(board)) throw new FlashError(`no board description ${board}`);
  // Wi-Fi is asked (and checked) before the build, with the other input.
  const wifiAsked = dryRun || port.startsWith("tcp://") ? undefined : await askWifi();

  step(`1/5 build dist/latchkey.js (budget ${config.build.sizeBudgetBytes} bytes)`);
  const version = process.env.LATCHKEY_VERSION ?? "0.1.0";
  // The parts the profile uses (--all-features: every part, one bundle for any profile).
  const built = await buildFirmware({
    root: projectRoot,
    // LATCHKEY_DIST: where the bundle goes (default dist/latchkey.js), as for npm start.
    outFile: process.env.LATCHKEY_DIST,
    version,
    sizeBudgetBytes: config.build.sizeBudgetBytes,
    features: values["all-features"] ? ALL_FEATURES : featuresOf(profile),
  });
  step(`    ${built.bytes} bytes`);
  const { readFileSync } = await import("node:fs");
  const bundle = readFileSync(built.outFile, "latin1");

  // Over tcp:// (the maintenance window's console: plain TCP, anyone on the LAN reads it) no
  // secret is sent: code and profile only; the keys, certificates and Wi-Fi settings must
  // already be on the device, the same as the CA's (compared by SHA-256 in the probe).
  const network = port.startsWith("tcp://");
  step(
    `2/5 provisioning files for device '${profile.id}'${network ? " (over the network: code and profile only)" : ""}`,
  );
  const wifi: WifiSecrets = dryRun || network ? { ssid: "<ssid>", password: "<password>" } : wifiAsked!;
  const all = deviceStorageFiles(profile, stateDir(config), wifi, bundle);
  const kept = network ? [KEY_FILE, CMDKEY_FILE, CERT_FILE, CA_FILE] : [];
  // Over the network the firmware keeps running while the files go in, and its functions are
  // text in .bootcde's flash (docs/espruino.md "Boot and Storage"): each file is written under
  // a staged name and moved into place by the verification program just before its reboot.
  const files = Object.fromEntries(
    Object.entries(all)
      .filter(([name]) => !network || !(kept.includes(name) || name === WIFI_FILE))
      .map(([name, data]) => [network ? stagedName(name) : name, data]),
  );
  const expected: Record<string, [number, string]> = {};
  for (const [name, data] of Object.entries(files)) expected[name] = [data.length, sha256Hex(data)];
  for (const [name, [length]] of Object.entries(expected)) step(`    ${name.padEnd(12)} ${length} bytes`);

  // Over tcp://: a refusal, a name that does not resolve or silence, said as such, before the
  // CLI talks to it (and after every check that needs no device: nothing is touched for those).
  if (network && !dryRun) await probeTcp(port);
  const common = ["--no-ble", "--board", board, "-p", port, "-b", baud];
  const temp = dryRun ? "<tmp>" : mkdtempSync(path.join(os.tmpdir(), "latchkey-flash-"));
  const storageArgs = Object.keys(files).flatMap((name) => ["--storage", `${name}:${path.join(temp, name)}`]);
  const verifyFile = path.join(temp, "verify.js");
  const probeArgs = [...common, "-e", probeProgram(kept)];
  // Over tcp:// the console is the firmware's own (firmware/hal/espruino/console.ts): no
  // reset() before the upload (it would end that server and the connection the upload runs
  // on), and the CLI's own pacing stays: socket data goes into Espruino's input queue as it
  // arrives, with no flow control (Espruino's telnet server, no longer used, had some).
  const noDelays = network ? ["--config", "RESET_BEFORE_SEND=false"] : [];
  const writeArgs = ["-v", ...common, ...noDelays, ...storageArgs, verifyFile];
  let proxy: Awaited<ReturnType<typeof loginProxy>> | undefined;
  let via = (args: string[]) => args;
  const cleanup = () => {
    proxy?.close();
    if (!dryRun) rmSync(temp, { recursive: true, force: true });
  };
  process.once("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    if (network) step(`    through a local port that types each connection's console password (from the command key)`);
    // Each step is printed when it is reached (a dry run prints them all): a dead port must
    // not read as if the files were already being written.
    const plan = {
      probe: () => {
        step(`3/5 ask the device for its interpreter, free Storage and files (read-only)`);
        step(`    ${shellLine("espruino", probeArgs)}`);
      },
      write: () => {
        step(
          `4/5 ${network ? "" : "reset() it, "}write ${Object.keys(files).length} files, read each back (length, SHA-256), reboot`,
        );
        step(`    ${shellLine("espruino", writeArgs)}`);
      },
      compare: () => step(`5/5 compare what the device read back with what was sent`),
    };
    if (dryRun) {
      plan.probe();
      plan.write();
      plan.compare();
      step("dry run: nothing was sent");
      return;
    }
    chmodSync(temp, 0o700);
    for (const [name, data] of Object.entries(files))
      writeFileSync(path.join(temp, name), data, { encoding: "latin1", mode: 0o600 });
    writeFileSync(verifyFile, verifyProgram(expected, network), { mode: 0o600 });

    if (network) {
      // A password only for the window the device reports, signed, through the broker.
      const key = readCommandKey(stateDir(config), profile.id);
      const window = signedWindow(
        () => connectAsHub(stateDir(config), profile.broker.host, profile.broker.port, false, profile.failover),
        key,
        thingTopic(deviceTopics(profile.topicPrefix, profile.id).root, "maintenance", "state"),
      );
      proxy = await loginProxy(port, key, window);
      const local = proxy.port;
      via = (args) => args.map((a) => (a === port ? local : a));
    }
    plan.probe();
    const probe = await runCli(cli, via(probeArgs), { timeoutMs, until: (l) => markerJson(l) !== undefined });
    const found = markerJson<ProbeAnswer>(probe.device);
    if (proxy?.failed()) throw new FlashError(proxy.failed()!);
    if (!found || typeof found.free !== "number") throw noAnswer(probe, port, timeoutMs / 1000);
    if (!found.v) throw new FlashError(`${port} is not running Espruino (no process.env.VERSION)`);
    const differ = kept.filter((name) => found.h?.[name] !== sha256Hex(all[name]));
    if (network && found.files[WIFI_FILE] === undefined) differ.push(WIFI_FILE);
    if (differ.length > 0)
      throw new FlashError(
        `the device's ${differ.join(", ")} ${differ.length > 1 ? "are" : "is"} not the CA's: keys, certificates and Wi-Fi settings are never sent over the network; flash over serial (--port /dev/ttyUSB0) to change them`,
      );
    // Staged files are copied into place: twice their size, less what the old ones free.
    const need = Object.values(files).reduce((sum, d) => sum + storageCost(d.length), 0) * (network ? 2 : 1);
    const replaced = Object.keys(files).flatMap((n) => (network ? [n, unstagedName(n)] : [n]));
    const reclaim = replaced.reduce(
      (sum, n) => sum + (found.files[n] === undefined ? 0 : storageCost(found.files[n])),
      0,
    );
    step(`    Espruino ${found.v} on ${found.b}; Storage free before: ${found.free} bytes`);
    if (need > found.free + reclaim)
      throw new FlashError(
        `Storage full: the files need ${need} bytes, the device has ${found.free} free (+${reclaim} from files replaced); nothing was written`,
      );

    plan.write();
    const total = Object.values(files).reduce((sum, d) => sum + chunksOf(d.length), 0);
    const bytes = Object.values(files).reduce((sum, d) => sum + d.length, 0);
    let sent = 0;
    let uploadChars = 0;
    let sentChars = 0;
    const started = Date.now();
    progress(0, total, bytes);
    // No early stop: the tool exits when the device reboots (the link drops) or, if it does
    // not, half a second after the device went quiet.
    const write = await runCli(cli, via(writeArgs), {
      timeoutMs: timeoutMs + total * 1000,
      onToolLine: (line) => {
        // With -v the tool logs the whole upload once ("--->"), then every block it sends.
        const text = (prefix: string) => {
          try {
            return (JSON.parse(line.slice(prefix.length)) as string).length;
          } catch {
            return 0;
          }
        };
        if (line.startsWith("serial: ---> ")) uploadChars = text("serial: ---> ");
        else if (line.startsWith("serial: Sending ") && uploadChars > 0) {
          sentChars += text("serial: Sending ");
          const done = Math.min(total - 1, Math.floor((total * sentChars) / uploadChars));
          while (sent < done) progress(++sent, total, bytes);
        }
      },
    });
    const verified = markerJson<VerifyAnswer>(write.device);
    if (!verified) throw noAnswer(write, port, Math.round((timeoutMs + total * 1000) / 1000));
    if (sent < total) progress(total, total, bytes);
    plan.compare();
    const bad = Object.keys(expected).filter(
      (n) => !verified.files[n] || verified.files[n][0] !== expected[n][0] || verified.files[n][1] !== expected[n][1],
    );
    if (bad.length > 0 || !verified.ok)
      throw new FlashError(`verification failed for ${bad.join(", ")}: the device kept its old boot (no reboot)`);
    step(`    all ${Object.keys(expected).length} files read back identical (length and SHA-256)`);
    step(`    Storage free after: ${verified.free} bytes; written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const rebooted = write.tool.some((l) => /Disconnected/.test(l));
    step(`done: the device ${rebooted ? "rebooted" : "reboots"} into ${built.bytes} bytes of Latchkey ${version}`);
  } finally {
    cleanup();
  }
}

runTool("flash", { options: OPTIONS, usage: USAGE }, (parsed) => {
  values = parsed.values;
  dryRun = values["dry-run"];
  return main();
});
