// `npm run flash` end to end: the real Espruino CLI over tcp:// to the simulated device's telnet
// console, then the flashed device on the real Mosquitto; and every refusal with one clear line,
// a non-zero exit, nothing written to the device and nothing left on the host.
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import type mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../../scripts/lib/config.ts";
import { deviceStorageFiles } from "../../scripts/lib/provision.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { runScript, writeConfig, type FlashRun } from "../support/flash.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { signer } from "../support/signed.ts";
import { bootDevice, e2eProfile, WIFI } from "../support/sim.ts";
import { tcpTap } from "../support/telnet.ts";
import { until } from "../support/wait.ts";

let pki: TestPki;
let broker: Broker | undefined;
const devices: SimulatedDevice[] = [];
const servers: net.Server[] = [];
const clients: mqtt.MqttClient[] = [];
printLogOnFailure(() => [broker]);

beforeAll(async () => {
  pki = await makeTestPki();
  await pki.issue("device", "door-1");
  await pki.issue("hub", "hub");
  // flash over tcp:// reads the device's signed window state as `tools` (scripts/lib/hub.ts).
  await pki.issue("hub", "tools");
  if (!mosquittoMissing()) broker = await startProjectBroker(pki.stateDir, "latchkey", false);
});
afterAll(async () => broker?.stop());
afterEach((context) => {
  if (context.task.result?.state === "fail")
    devices.forEach((d) => console.error(`--- device log ---\n${d.lines.join("\n")}`));
  devices.splice(0).forEach((d) => d.powerOff());
  servers.splice(0).forEach((s) => s.close());
  clients.splice(0).forEach((c) => c.end(true));
});

async function flash(port: string, profile = e2eProfile(broker?.port ?? 1), args: string[] = [], env = {}) {
  const config = await writeConfig(profile, port);
  return runScript("scripts/flash/cli.ts", args, { LATCHKEY_CONFIG: config, LATCHKEY_STATE_DIR: pki.stateDir, ...env });
}

/** One line on stderr (after any progress lines), exit 1, no temporary file left behind. */
function refused(run: FlashRun, pattern: RegExp): void {
  const errors = run.stderr.split("\n").filter((l) => l.startsWith("flash: "));
  expect(errors, run.stdout + run.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
  expect(run.code).toBe(1);
  expect(leftovers(run)).toEqual([]);
}

/** What the flash process left in its TMPDIR (tsx keeps its own cache there). */
const leftovers = (run: FlashRun) => readdirSync(run.tmp).filter((name) => !name.startsWith("tsx-"));

/** A TCP listener that counts connections and answers with `reply` (or stays silent),
 *  also as soon as a client connects when `greet`. */
async function fakePort(reply?: string, greet = false): Promise<{ port: string; connections: () => number }> {
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    s.on("error", () => undefined);
    if (reply && greet) s.write(reply);
    if (reply) s.on("data", () => s.write(reply));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections: () => connections };
}

/** A running device (provisioned over serial earlier) with a maintenance window open: the
 *  loopback port of its console. */
async function deviceInWindow(
  change?: (d: SimulatedDevice) => void,
): Promise<{ device: SimulatedDevice; port: number }> {
  const device = await bootDevice(pki.stateDir, e2eProfile(broker!.port));
  devices.push(device);
  change?.(device);
  await device.waitFor(/MQTT connected/, 15000);
  const hub = await connectTls(broker!.port, pki.credentials("hub", "hub"));
  clients.push(hub);
  const sign = signer(hub, pki.stateDir, "latchkey", "door-1");
  expect(await sign.send("MAINTENANCE 120", "maintenance")).toMatchObject({ accepted: true });
  return { device, port: await device.tcpPort(23) };
}

describe.skipIf(mosquittoMissing())("flash over the network during a maintenance window", () => {
  it("writes code and profile only, through the window's console; the LAN sees no secret; reboots, connects, obeys", async () => {
    const { device, port } = await deviceInWindow();
    const secretsBefore = ["lk.cmdkey", "lk.key", "lk.wifi", "lk.cert", "lk.ca"].map((n) => device.storage.read(n));
    const profile = e2eProfile(broker!.port, {
      mqtt: { keepaliveSeconds: 7, connectTimeoutMs: 4000, maxPacketBytes: 4096 },
    });
    const tap = await tcpTap(port);
    const started = Date.now();
    try {
      const run = await flash(`tcp://127.0.0.1:${tap.port}`, profile);
      const seconds = (Date.now() - started) / 1000;
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/all 3 files read back identical \(length and SHA-256\)/);
      expect(run.stdout).toMatch(/Storage free after: \d+ bytes/);
      expect(run.stderr).toMatch(/\[#{30}\] 100% of \d+ bytes/);
      expect(leftovers(run)).toEqual([]);
      // Plain TCP: anyone on the LAN reads it. No key, no Wi-Fi password crossed it.
      const secrets = deviceStorageFiles(profile, pki.stateDir, WIFI);
      const traffic = tap.seen();
      for (const name of ["lk.cmdkey", "lk.key", "lk.wifi"])
        expect(traffic.includes(Buffer.from(secrets[name], "latin1").toString("base64")), name).toBe(false);
      expect(traffic).not.toContain(WIFI.password);
      console.log(`flash over tcp:// with the real CLI: ${seconds.toFixed(1)} s including the build`);
    } finally {
      tap.close();
    }
    const want = validateConfig({
      device: profile,
      build: { sizeBudgetBytes: 40000 },
      tools: { port: "x", baud: 115200, stateDir: "x" },
    }).device;
    expect(device.storage.read("lk.profile")).toBe(JSON.stringify(want));
    expect(device.storage.read(".bootcde")).toBe(
      readFileSync(path.resolve(import.meta.dirname, "../../dist/latchkey.js"), "latin1"),
    );
    expect(["lk.cmdkey", "lk.key", "lk.wifi", "lk.cert", "lk.ca"].map((n) => device.storage.read(n))).toEqual(
      secretsBefore,
    );
    await until("the reboot", () => device.reboots === 1);
    await device.waitFor(
      /MQTT connected/,
      15000,
      device.lines.lastIndexOf("[latchkey] Latchkey 0.0.0-test booting") + 1,
    );
    const hub = await connectTls(broker!.port, pki.credentials("hub", "hub"));
    clients.push(hub);
    const sign = signer(hub, pki.stateDir, "latchkey", "door-1");
    expect(await sign.send("ON")).toEqual({ accepted: true, detail: "relay ON" });
    await until("the relay pin", () => device.pins.level("D23"));
  }, 120000);

  it("refuses, before writing anything, a device whose keys or certificates are not the CA's (serial changes them)", async () => {
    const { device, port } = await deviceInWindow((d) => d.storage.write("lk.ca", d.storage.read("lk.cert")!));
    const bundleBefore = device.storage.read(".bootcde");
    const run = await flash(`tcp://127.0.0.1:${port}`);
    refused(
      run,
      /^flash: the device's lk.ca is not the CA's: keys, certificates and Wi-Fi settings are never sent over the network; flash over serial/,
    );
    expect(device.storage.read(".bootcde")).toBe(bundleBefore);
    expect(device.reboots).toBe(0);
  }, 120000);

  it("a full Storage: found by the read-only probe, nothing written", async () => {
    const { device, port } = await deviceInWindow();
    // An older, smaller bundle: the new one does not fit in what it leaves.
    device.storage.write(".bootcde", "/* an older, smaller bundle */");
    device.storage.write("junk", "x".repeat(device.storage.getFree() - 2000));
    const list = device.storage.list();
    const run = await flash(`tcp://127.0.0.1:${port}`);
    refused(run, /^flash: Storage full: the files need \d+ bytes, the device has \d+ free .*nothing was written$/);
    expect(device.storage.list()).toEqual(list);
    expect(device.reboots).toBe(0);
  }, 120000);
});

describe("flash refuses, with one line and nothing half-written", () => {
  it("a profile whose device has no certificate: before connecting to anything", async () => {
    const target = await fakePort();
    const run = await flash(target.port, e2eProfile(1, { id: "door-9" }));
    refused(run, /^flash: no certificate for device 'door-9' in .*npm run pki -- device door-9$/);
    expect(target.connections()).toBe(0);
  }, 60000);

  it("a silent port, a port that is not Espruino, a missing port, a missing CLI, a bundle over budget", async () => {
    const silent = await fakePort();
    refused(
      await flash(silent.port, undefined, ["--timeout-ms", "4000"]),
      /^flash: device silent: no answer from tcp:.*is a maintenance window open\?\)$/,
    );
    const http = await fakePort("HTTP/1.0 400 Bad Request\r\n\r\n", true);
    refused(
      await flash(http.port, undefined, ["--timeout-ms", "4000"]),
      /is not a maintenance window's console: it answered "HTTP/,
    );
    refused(await flash("/dev/ttyLATCHKEY-NONE"), /^flash: no port \/dev\/ttyLATCHKEY-NONE: plug the board in/);
    const target = await fakePort();
    refused(
      await flash(target.port, undefined, [], { LATCHKEY_ESPRUINO_CLI: "/nonexistent/espruino-cli.js" }),
      /^flash: the Espruino CLI is missing/,
    );
    const config = await writeConfig(e2eProfile(1), target.port);
    const raw = JSON.parse((await import("node:fs")).readFileSync(config, "utf8"));
    raw.build.sizeBudgetBytes = 1000;
    (await import("node:fs")).writeFileSync(config, JSON.stringify(raw));
    refused(
      await runScript("scripts/flash/cli.ts", [], { LATCHKEY_CONFIG: config, LATCHKEY_STATE_DIR: pki.stateDir }),
      /over the size budget of 1000 bytes$/,
    );
    expect(target.connections()).toBe(0);
  }, 120000);

  it("--dry-run prints every step and the exact CLI invocations, and connects to nothing", async () => {
    const target = await fakePort();
    const run = await flash(target.port, undefined, ["--dry-run"], {
      LATCHKEY_WIFI_SSID: "",
      LATCHKEY_WIFI_PASSWORD: "",
    });
    expect(run.code, run.stderr).toBe(0);
    for (const n of [1, 2, 3, 4, 5]) expect(run.stdout).toContain(`flash: ${n}/5`);
    expect(run.stdout).toMatch(/espruino --no-ble --board \S+ESP32.json -p tcp:\/\/127.0.0.1:\d+ -b 115200 -e /);
    expect(run.stdout).toMatch(/espruino -v --no-ble .* --storage 'lk.up.bootcde:<tmp>\/lk.up.bootcde' /);
    expect(run.stdout).toContain("dry run: nothing was sent");
    expect(run.stdout).not.toContain(WIFI.password);
    expect(target.connections()).toBe(0);
  }, 60000);
});
