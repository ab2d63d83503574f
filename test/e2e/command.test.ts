// `npm run command -- <device> on|off|pulse` end to end: the real CLI process, as the hub
// identity, through the real Mosquitto (the embedded broker where it is missing) to the
// simulated device running the built bundle; its exit code and its one line of output.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { freePort, mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { makeTestPki, type TestPki } from "../support/pki.ts";
import { relayBehaviour } from "../support/profile.ts";
import { bootDevice, builtBundle, e2eProfile } from "../support/sim.ts";

const root = path.resolve(import.meta.dirname, "../..");

describe("npm run command", () => {
  let pki: TestPki;
  let broker: Broker | undefined;
  let device: SimulatedDevice | undefined;
  let configFile: string;
  printLogOnFailure(() => [broker]);

  const listening = (port: number) => {
    mkdirSync(path.join(pki.stateDir, "broker"), { recursive: true });
    writeFileSync(path.join(pki.stateDir, "broker", "listening.json"), JSON.stringify({ host: "127.0.0.1", port }));
  };
  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "scripts/command/cli.ts", ...args],
        { cwd: root, env: { ...process.env, LATCHKEY_STATE_DIR: pki.stateDir, LATCHKEY_CONFIG: configFile } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    await builtBundle();
    pki = await makeTestPki();
    await pki.issue("device", "door-1");
    await pki.issue("device", "door-2");
    await pki.revoke("door-2");
    await pki.issue("hub", "hub");
    broker = await startProjectBroker(pki.stateDir, "latchkey", mosquittoMissing());
    const config = JSON.parse(readFileSync(path.join(root, "espruino.config.json"), "utf8"));
    config.device.id = "door-1";
    config.device.broker.port = broker.port;
    configFile = path.join(pki.stateDir, "espruino.config.json");
    writeFileSync(configFile, JSON.stringify(config));
    listening(broker.port);
    // A long lockout: the second PULSE is refused however slowly the second process starts.
    device = await bootDevice(
      pki.stateDir,
      e2eProfile(broker.port, { relay: relayBehaviour({ mode: "switch", pulseMs: 500, lockoutMs: 600000 }) }),
    );
    await device.waitFor(/MQTT connected/);
  });
  afterAll(async () => {
    device?.powerOff();
    await broker?.stop();
  });

  it("signs and sends, prints the device's verified result, exit 0", async () => {
    const on = await run("door-1", "on");
    expect(on).toMatchObject({ code: 0, stdout: "door-1: ON done, relay ON\n" });
    expect(device!.pins.level("D23")).toBe(true);
    expect(await run("door-1", "OFF")).toMatchObject({ code: 0, stdout: "door-1: OFF done, relay OFF\n" });
    expect(device!.pins.level("D23")).toBe(false);
  });

  it("exits 1 with the device's reason when it refuses", async () => {
    expect(await run("door-1", "pulse")).toMatchObject({
      code: 0,
      stdout: "door-1: PULSE done, relay pulsed for 500 ms\n",
    });
    expect(await run("door-1", "pulse")).toMatchObject({
      code: 1,
      stdout: "door-1: PULSE refused, a press is running or in its 10 min lockout\n",
    });
  });

  it("refuses an unknown command word and a device without an active certificate, one line, exit 1", async () => {
    expect(await run("door-1", "open")).toEqual({
      code: 1,
      stdout: "",
      stderr: "command: unknown command 'open': on, off or pulse (usage: npm run command -- <device> on|off|pulse)\n",
    });
    for (const id of ["door-9", "door-2"])
      expect(await run(id, "on")).toEqual({
        code: 1,
        stdout: "",
        stderr: `command: no active device certificate for '${id}' in the CA (npm run pki -- list)\n`,
      });
    expect((await run("door-1")).stderr).toBe("command: usage: npm run command -- <device> on|off|pulse\n");
  });

  it("says so when listening.json names a broker that is not answering", async () => {
    const dead = await freePort();
    listening(dead);
    try {
      const result = await run("door-1", "on");
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(
          `^command: the broker recorded in .*listening\\.json \\(127\\.0\\.0\\.1:${dead}\\) is not answering .*: the file is stale`,
        ),
      );
    } finally {
      listening(broker!.port);
    }
  });

  it("times out with a clear message when the device does not answer", async () => {
    device!.powerOff();
    const result = await run("door-1", "on");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("command: no nonce from device 'door-1' within 10000 ms: is it online?\n");
  }, 30000);
});
