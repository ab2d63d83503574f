// `npm run repl`: the real Espruino CLI's terminal on the simulated device's telnet console, with
// the port from the project config; what is typed runs on the device.
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { SimulatedDevice } from "../../scripts/sim/device.ts";
import { writeConfig } from "../support/flash.ts";
import { e2eProfile, WIFI } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const root = path.resolve(import.meta.dirname, "../..");
const devices: SimulatedDevice[] = [];
afterEach(() => devices.splice(0).forEach((d) => d.powerOff()));

it("opens the CLI's terminal on the profile's port; typed code runs in the device's context", async () => {
  const device = new SimulatedDevice({
    storageDir: await mkdtemp(path.join(os.tmpdir(), "latchkey-repl-")),
    wifi: WIFI,
    console: true,
  });
  devices.push(device);
  device.boot();
  const config = await writeConfig(e2eProfile(1), `tcp://127.0.0.1:${await device.consolePort()}`);
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/repl.ts")], {
    cwd: root,
    env: { ...process.env, LATCHKEY_CONFIG: config },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("latin1")));
  try {
    await until("the CLI connected", () => out.includes("Connected"), 20000);
    await until("the console", () => device.console!.connected, 5000);
    child.stdin.write('require("Storage").write("lk.note","hi from the repl");6*7\n');
    await until("the answer", () => out.includes("=42"), 10000);
    expect(device.storage.read("lk.note")).toBe("hi from the repl");
  } finally {
    child.kill("SIGTERM");
  }
}, 40000);
