// The maintenance window's console on Espruino's own interpreter (ESPRUINO=<Linux build> npm
// run test:espruino; port 2323, as Espruino's Linux telnet). First what Espruino itself does,
// the reason the firmware serves its own console: the password lock is one global flag, and
// the telnet server hands the console to the newest client (src/jsinteractive.c,
// libs/network/telnet/jswrap_telnet.c). Then the BUILT bundle, connected to the real
// Mosquitto: after the owner's tools typed the window's password, a second connection, while
// the first is open and after it left, faces the password and cannot read the command key.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { login, signedWindow } from "../../scripts/lib/console-login.ts";
import { deviceStorageFiles } from "../../scripts/lib/provision.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { ESPRUINO, espruinoMissing, RealEspruino } from "../support/espruino.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { signer, verifiedReports } from "../support/signed.ts";
import { builtBundle, e2eProfile, WIFI } from "../support/sim.ts";
import { runScript, writeConfig } from "../support/flash.ts";
import { TelnetClient } from "../support/telnet.ts";
import { until } from "../support/wait.ts";

const T = "latchkey/door-1";
const PORT = 2323;

/** Connects to the interpreter's port once it listens. */
async function dial(timeoutMs = 10000): Promise<TelnetClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await TelnetClient.connect(PORT);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe.skipIf(espruinoMissing())("Espruino's own telnet console and password lock", () => {
  it("after one client typed the password, a second one gets a prompt: while the first is connected, and after", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-telnet-"));
    const script = path.join(dir, "lock.js");
    await writeFile(script, 'E.setPassword("pw12345678");E.lockConsole();setInterval(function(){},1000);\n');
    const child = spawn(ESPRUINO!, ["--telnet", script], { cwd: dir });
    const opened: TelnetClient[] = [];
    try {
      const first = await dial();
      opened.push(first);
      first.send("6*7\r\n");
      await first.expect("Invalid password");
      first.send("pw12345678\r\n");
      await first.expect("Logged in.");
      const second = await TelnetClient.connect(PORT);
      opened.push(second);
      second.send("E.getConsole()+6*7\r\n");
      // The newest client took the console, unlocked, and JavaScript saw no change.
      await second.expect('="Telnet42"');
      await until("the first client dropped", () => first.closed);
      second.close();
      const third = await dial();
      opened.push(third);
      third.send("6*8\r\n");
      await third.expect("=48");
    } finally {
      opened.forEach((c) => c.close());
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  }, 30000);
});

describe.skipIf(espruinoMissing() || mosquittoMissing())("the bundle's maintenance console on the interpreter", () => {
  let pki: TestPki;
  let broker: Broker;
  const devices: RealEspruino[] = [];
  const clients: mqtt.MqttClient[] = [];
  const opened: { destroy?: () => void; close?: () => void }[] = [];
  printLogOnFailure(() => [broker]);
  afterEach(async (context) => {
    if (context.task.result?.state === "fail")
      devices.forEach((d) => console.error(`--- Espruino output ---\n${d.lines.join("\n")}`));
    opened.splice(0).forEach((c) => (c.destroy ? c.destroy() : c.close?.()));
    await Promise.all(devices.splice(0).map((d) => d.powerOff()));
    clients.splice(0).forEach((c) => c.end(true));
  });
  beforeAll(async () => {
    await builtBundle();
    pki = await makeTestPki("rsa");
    await pki.issue("device", "door-1");
    await pki.issue("hub", "hub");
    await pki.issue("hub", "tools");
    // The Linux build's mbedTLS has no EC: the broker also offers DHE-RSA (scripts/broker/tls.ts).
    broker = await startProjectBroker(pki.stateDir, "latchkey", false, { dheRsa: true });
  }, 60000);
  afterAll(async () => broker?.stop());

  it("npm run flash over tcp:// writes code and profile through the window's console, and the device reboots into them", async () => {
    const h = await connectTls(broker.port, pki.credentials("hub", "hub"));
    clients.push(h);
    const cmd = signer(h, pki.stateDir, "latchkey", "door-1");
    const device = await RealEspruino.boot(
      deviceStorageFiles(e2eProfile(broker.port), pki.stateDir, WIFI, await builtBundle()),
    );
    devices.push(device);
    await device.waitFor(/MQTT connected/, 30000);
    expect(await cmd.send("MAINTENANCE 300", "maintenance")).toMatchObject({ accepted: true });
    const config = await writeConfig(e2eProfile(broker.port), `tcp://127.0.0.1:${PORT}`);
    const run = await runScript("scripts/flash/cli.ts", [], {
      LATCHKEY_CONFIG: config,
      LATCHKEY_STATE_DIR: pki.stateDir,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/all 3 files read back identical \(length and SHA-256\)/);
    // The staged files were moved into place and the device rebooted into the new bundle.
    await device.restart();
    await device.waitFor(/Latchkey 0\.1\.0 booting/, 30000);
    await device.waitFor(
      /MQTT connected/,
      30000,
      device.lines.findIndex((l) => /Latchkey 0\.1\.0 booting/.test(l)),
    );
  }, 240000);

  it("reset() typed in the window's console: the boot stub reboots, and Espruino's telnet never comes back without a password", async () => {
    const h = await connectTls(broker.port, pki.credentials("hub", "hub"));
    clients.push(h);
    const cmd = signer(h, pki.stateDir, "latchkey", "door-1");
    // --telnet: Espruino's own telnet is switched on at every boot and reset(), as on an ESP32.
    // .boot2 keeps the interpreter alive after reset(), as a board stays on: the Linux build ends
    // when nothing is scheduled (it would end the test's question before it is asked).
    const device = await RealEspruino.boot(
      {
        ...deviceStorageFiles(e2eProfile(broker.port), pki.stateDir, WIFI, await builtBundle()),
        ".boot2": "setInterval(function(){},1000);",
      },
      { telnet: true },
    );
    devices.push(device);
    await device.waitFor(/MQTT connected/, 30000);
    expect(await cmd.send("MAINTENANCE 60", "maintenance")).toMatchObject({ accepted: true });
    const owner = await login("127.0.0.1", PORT, cmd.key, signedWindow(h, cmd.key, `${T}/maintenance/state`));
    opened.push(owner);
    owner.on("error", () => undefined);
    owner.write("reset()\r\n");
    // Without the stub's reboot, Espruino's telnet is listening again here, with no password.
    // E.reboot() ends the Linux build (targets/linux/jshardware.c, jshReboot: exit).
    await until("the reboot", () => device.hasExited, 15000);
    await expect(TelnetClient.connect(PORT)).rejects.toThrow(/ECONNREFUSED/);
    const from = device.lines.length;
    await device.restart();
    await device.waitFor(/MQTT connected/, 30000, from);
    await expect(TelnetClient.connect(PORT)).rejects.toThrow(/ECONNREFUSED/);
  }, 120000);

  it("every connection faces the window's next password; the owner's session stays; the key stays on the device", async () => {
    const h = await connectTls(broker.port, pki.credentials("hub", "hub"));
    clients.push(h);
    const cmd = signer(h, pki.stateDir, "latchkey", "door-1");
    const states = await verifiedReports(h, cmd.key, `${T}/maintenance/state`);
    const device = await RealEspruino.boot(
      deviceStorageFiles(e2eProfile(broker.port), pki.stateDir, WIFI, await builtBundle()),
    );
    devices.push(device);
    await device.waitFor(/MQTT connected/, 30000);
    await until("the live CLOSED report", () => states.includes("CLOSED"), 10000);
    expect(await cmd.send("MAINTENANCE 60", "maintenance")).toEqual({ accepted: true, detail: "console open 60 s" });
    await until("the OPEN report", () => (states.at(-1) ?? "").startsWith("OPEN 60 "));
    const id = states.at(-1)!.split(" ")[2];

    const owner = await login("127.0.0.1", PORT, cmd.key, signedWindow(h, cmd.key, `${T}/maintenance/state`));
    opened.push(owner);
    let ownerText = "";
    owner.on("data", (d: Buffer) => (ownerText += d.toString("latin1")));
    owner.write("E.getConsole()+6*7\r\n");
    await until("the owner's answer", () => ownerText.includes('="LoopbackA42"'));

    const key = cmd.key.toString("base64");
    const steal = 'btoa(require("Storage").read("lk.cmdkey"))\r\n';
    const neighbour = await TelnetClient.connect(PORT);
    opened.push(neighbour);
    await neighbour.expect(`OPEN 60 ${id} 1\r\npassword>`);
    neighbour.send(steal);
    await neighbour.expect("Invalid password");
    await until("the neighbour dropped", () => neighbour.closed);
    owner.write("6*8\r\n");
    await until("the owner's session, still the console", () => ownerText.includes("=48"));

    owner.destroy();
    const later = await TelnetClient.connect(PORT);
    opened.push(later);
    await later.expect(`OPEN 60 ${id} 1\r\npassword>`);
    later.send(steal);
    await until("the later one dropped", () => later.closed);
    expect(neighbour.text + later.text + ownerText).not.toContain(key);
    expect(device.lines.join("\n")).not.toContain(key);

    // The console went back to the interpreter's own device; the next session needs k = 1.
    const again = await login("127.0.0.1", PORT, cmd.key, signedWindow(h, cmd.key, `${T}/maintenance/state`));
    opened.push(again);
    expect(await cmd.send("MAINTENANCE 0", "maintenance")).toEqual({ accepted: true, detail: "console closed" });
    await until("the report", () => states.at(-1) === "CLOSED");
    await expect(TelnetClient.connect(PORT)).rejects.toThrow(/ECONNREFUSED/);
    expect(device.lines.filter((l) => /Uncaught|ERROR/.test(l))).toEqual([]);
  }, 90000);
});
