// `npm run repl` over tcp:// during a maintenance window: the real Espruino CLI's terminal,
// through a local port that types the window's console password (derived from the command
// key) for each connection; what is typed runs on the device.
import { spawn } from "node:child_process";
import path from "node:path";
import type mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { writeConfig } from "../support/flash.ts";
import { connectTls } from "../support/pki.ts";
import { signer } from "../support/signed.ts";
import { bootDevice, cleanUpAfterEach, e2eProfile, projectWorld } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const root = path.resolve(import.meta.dirname, "../..");

describe("npm run repl over the network", () => {
  const devices: SimulatedDevice[] = [];
  const clients: mqtt.MqttClient[] = [];
  const world = projectWorld(
    [
      ["device", "door-1"],
      ["hub", "hub"],
      ["hub", "tools"],
    ],
    mosquittoMissing(),
  );
  cleanUpAfterEach(devices, clients);

  it("opens the CLI's terminal on the window's console; typed code runs in the device's context", async () => {
    const device = await bootDevice(world.pki.stateDir, e2eProfile(world.broker.port));
    devices.push(device);
    await device.waitFor(/MQTT connected/);
    const hub = await connectTls(world.broker.port, world.pki.credentials("hub", "hub"));
    clients.push(hub);
    const cmd = signer(hub, world.pki.stateDir, "latchkey", "door-1");
    expect(await cmd.send("MAINTENANCE 60", "maintenance")).toMatchObject({ accepted: true });
    // repl reads the window's signed state from the broker (as `tools`) before typing a password.
    const config = await writeConfig(e2eProfile(world.broker.port), `tcp://127.0.0.1:${await device.tcpPort(23)}`);
    const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/repl/cli.ts")], {
      cwd: root,
      env: { ...process.env, LATCHKEY_CONFIG: config, LATCHKEY_STATE_DIR: world.pki.stateDir },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("latin1")));
    child.stderr.on("data", (d: Buffer) => (out += d.toString("latin1")));
    try {
      await until("the CLI connected", () => out.includes("Connected"), 20000);
      await until("the login", () => device.lines.some((l) => / 1$/.test(l) && l.includes("maintenance OPEN")), 5000);
      child.stdin.write('require("Storage").write("lk.note","hi from the repl");6*7\n');
      await until("the answer", () => out.includes("=42"), 10000);
      expect(device.storage.read("lk.note")).toBe("hi from the repl");
    } finally {
      child.kill("SIGTERM");
    }
  }, 40000);
});
