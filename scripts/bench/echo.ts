// `npm run bench`, part 3: the state echo. An operator (the hub identity) publishes a signed
// relay command (its nonce fetched first, not timed); the time until the device's signed
// state report for it reaches the operator, median of
// ECHO_RUNS, with the broker configuration `npm run broker` generates (set_tcp_nodelay true)
// and with the same file but `set_tcp_nodelay false` (Mosquitto's default: Nagle on). The
// device is the simulated ESP32 running the built bundle. Needs Mosquitto; skipped without it.
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { buildFirmware } from "../../build/build.ts";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { freePort, mosquittoPath, runMosquitto } from "../broker/mosquitto.ts";
import { writeBrokerPolicy } from "../broker/policy.ts";
import { deviceStorageFiles } from "../lib/provision.ts";
import { readCommandKey, signCommand, verifyReport } from "../lib/signing.ts";
import { initCa, issue } from "../ca/commands.ts";
import { PkiStore } from "../lib/pki-store.ts";
import { SimulatedDevice } from "../sim/device.ts";

const ECHO_RUNS = 21;
const WIFI = { ssid: "bench", password: "bench-password" };
const root = path.resolve(import.meta.dirname, "../..");

function profile(port: number): DeviceProfile {
  return {
    id: "door-1",
    topicPrefix: "latchkey",
    pins: { relay: { pin: "D23", activeLow: false } },
    relay: {
      mode: "switch",
      pulseMs: 500,
      lockoutMs: 0,
      maxOnMs: 0,
      linkLoss: "hold",
      linkLossMs: 60000,
      powerOn: "off",
    },
    broker: { host: "127.0.0.1", port },
    mqtt: { keepaliveSeconds: 30, connectTimeoutMs: 4000, maxPacketBytes: 4096 },
  } as DeviceProfile;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** One broker run: boots the device, then times ECHO_RUNS command -> state echoes. */
async function echoTimes(stateDir: string, conf: string, bundle: string, port: number): Promise<number[]> {
  const broker = await runMosquitto(conf, "127.0.0.1", port);
  const storageDir = await mkdtemp(path.join(os.tmpdir(), "latchkey-bench-storage-"));
  const device = new SimulatedDevice({ storageDir, wifi: WIFI, handshakeMs: 20 });
  const store = new PkiStore(stateDir);
  const hub = store.identityDir("hub", "hub");
  let client: mqtt.MqttClient | undefined;
  try {
    for (const [name, data] of Object.entries(deviceStorageFiles(profile(port), stateDir, WIFI, bundle))) {
      device.storage.write(name, data);
    }
    device.boot();
    await device.waitFor(/MQTT connected/, 20000);
    client = await mqtt.connectAsync({
      host: "127.0.0.1",
      port,
      protocol: "mqtts",
      reconnectPeriod: 0,
      ca: readFileSync(store.caCertFile),
      cert: readFileSync(path.join(hub, "cert.pem")),
      key: readFileSync(path.join(hub, "key.pem")),
    });
    // The operator's own socket without Nagle too (as the simulated device's, scripts/sim/tls.ts):
    // what is left to compare is the broker's side alone.
    (client.stream as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
    const root = "latchkey/door-1";
    const key = readCommandKey(stateDir, "door-1");
    let waiting: { topic: string; value?: string; done: (value: string) => void } | undefined;
    client.on("message", (topic, payload) => {
      if (!waiting || topic !== waiting.topic) return;
      if (topic.endsWith("/nonce")) waiting.done(payload.toString("latin1"));
      else {
        const report = verifyReport(key, topic, payload);
        if (report.ok && report.value === waiting.value) waiting.done(report.value);
      }
    });
    await client.subscribeAsync([root + "/relay/state", root + "/nonce"], { qos: 1 });
    const next = (topic: string, value?: string) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing on ${topic} within 5 s`)), 5000);
        waiting = { topic, value, done: (v) => (clearTimeout(timer), resolve(v)) };
      });
    const times: number[] = [];
    for (let run = 0; run < ECHO_RUNS + 1; run++) {
      const value = run % 2 === 0 ? "ON" : "OFF";
      const nonce = next(root + "/nonce");
      client.publish(root + "/nonce/get", "", { qos: 1 });
      const command = signCommand(key, root + "/relay/set", await nonce, value);
      const echoed = next(root + "/relay/state", value);
      const started = performance.now();
      client.publish(root + "/relay/set", command, { qos: 1 });
      await echoed;
      // The first command also pays for the device's first PUBACK path: not counted.
      if (run > 0) times.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 50));
    }
    return times;
  } finally {
    client?.end(true);
    device.powerOff();
    await broker.stop();
    await rm(storageDir, { recursive: true, force: true });
  }
}

export async function echoFigures(): Promise<void> {
  if (!mosquittoPath()) {
    console.log("State echo: skipped (Mosquitto is not installed)");
    return;
  }
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "latchkey-bench-echo-"));
  try {
    const ctx = { store: new PkiStore(stateDir), passphrase: undefined, log: () => undefined };
    await initCa(ctx, { keyType: "ec" });
    await issue(ctx, "broker", "broker", { keyType: "ec" });
    await issue(ctx, "device", "door-1", { keyType: "ec" });
    await issue(ctx, "hub", "hub", { keyType: "ec" });
    const built = await buildFirmware({
      root,
      outFile: path.join(stateDir, "latchkey.js"),
      version: "0.0.0-bench",
      sizeBudgetBytes: 1 << 20,
    });
    const bundle = readFileSync(built.outFile, "utf8");
    const port = await freePort();
    const files = await writeBrokerPolicy(stateDir, "latchkey", { host: "127.0.0.1", port });
    const generated = readFileSync(files.conf, "utf8");
    if (!generated.includes("\nset_tcp_nodelay true\n")) throw new Error("the generated config lacks set_tcp_nodelay");
    const nagle = path.join(files.dir, "mosquitto-nagle.conf");
    await writeFile(nagle, generated.replace("\nset_tcp_nodelay true\n", "\nset_tcp_nodelay false\n"));
    const withNoDelay = await echoTimes(stateDir, files.conf, bundle, port);
    const withNagle = await echoTimes(stateDir, nagle, bundle, port);
    console.log(`State echo (operator command -> device state at the operator), median of ${ECHO_RUNS}, Mosquitto:`);
    console.log(`  generated config (set_tcp_nodelay true):  ${median(withNoDelay).toFixed(1)} ms`);
    console.log(`  same with set_tcp_nodelay false:          ${median(withNagle).toFixed(1)} ms`);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}
