// Boots the BUILT bundle (dist/latchkey.js, built once per run) in the simulated ESP32 with
// certificates from the test's CA and a profile pointing at the test's broker.
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll } from "vitest";
import { buildFirmware } from "../../build/build.ts";
import { PROFILE_FILE, type DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { deviceStorageFiles } from "../../scripts/lib/provision.ts";
import { SimulatedDevice, type SimOptions } from "../../scripts/sim/device.ts";
import type { Kind } from "../../scripts/lib/pki-store.ts";
import { printLogOnFailure, startProjectBroker, type Broker } from "./broker.ts";
import { connectTls, makeTestPki, type TestPki } from "./pki.ts";
import { relayBehaviour, testProfile } from "./profile.ts";

const root = path.resolve(import.meta.dirname, "../..");
let built: Promise<string> | undefined;

/** Builds dist/latchkey.js once for the whole test file (the bundle is what gets tested). */
export function builtBundle(): Promise<string> {
  built ??= buildFirmware({
    root,
    version: "0.0.0-test",
    sizeBudgetBytes: 1 << 20,
    outFile: path.join(os.tmpdir(), `latchkey-e2e-${process.pid}.js`),
  }).then((r) => {
    if (!existsSync(r.outFile)) throw new Error("build produced no bundle");
    return readFileSync(r.outFile, "utf8");
  });
  return built;
}

/** The bundle built at `version` (an update to offer: a version other than the running one's),
 *  as the 8-bit string it is sent as. The files the build wrote (bundle, map) are removed. */
export async function builtBundleAt(version: string): Promise<string> {
  const outFile = path.join(os.tmpdir(), `latchkey-${version}-${process.pid}.js`);
  try {
    await buildFirmware({ root, version, sizeBudgetBytes: 1 << 20, outFile });
    return readFileSync(outFile, "latin1");
  } finally {
    await rm(outFile, { force: true });
    await rm(`${outFile}.map`, { force: true });
  }
}

export const WIFI = { ssid: "latchkey-test", password: "correct horse battery" };

/** A switch-mode profile (ON stays on) with quick backoff, for tests. */
export function e2eProfile(port: number, overrides: Partial<DeviceProfile> = {}): DeviceProfile {
  return testProfile({
    id: "door-1",
    relay: relayBehaviour({ mode: "switch", pulseMs: 500 }),
    broker: { host: "127.0.0.1", port },
    mqtt: { keepaliveSeconds: 5, connectTimeoutMs: 4000, maxPacketBytes: 4096 },
    backoff: { baseMs: 300, capMs: 2000, refusedMs: 1000, refusedCapMs: 8000 },
    ...overrides,
  });
}

/** `provisioned`: the Storage files of a board flashed earlier (before its certificate was
 *  revoked, say), booted with `profile`. */
export async function bootDevice(
  stateDir: string,
  profile: DeviceProfile,
  options: Partial<SimOptions> = {},
  provisioned?: Record<string, string>,
): Promise<SimulatedDevice> {
  const storageDir = await mkdtemp(path.join(os.tmpdir(), "latchkey-storage-"));
  const device = new SimulatedDevice({ storageDir, wifi: WIFI, handshakeMs: 20, ...options });
  const files = provisioned
    ? { ...provisioned, [PROFILE_FILE]: JSON.stringify(profile) }
    : deviceStorageFiles(profile, stateDir, WIFI, await builtBundle());
  for (const [name, data] of Object.entries(files)) device.storage.write(name, data);
  device.boot();
  return device;
}

/** After each test: the device logs when it failed, then every device off and every client
 *  closed (the lists are emptied for the next test). */
export function cleanUpAfterEach(devices: SimulatedDevice[], clients: { end(force: boolean): unknown }[]): void {
  afterEach((context) => {
    if (context.task.result?.state === "fail")
      devices.forEach((d) => console.error(`--- device log ---\n${d.lines.join("\n")}`));
    devices.splice(0).forEach((d) => d.powerOff());
    clients.splice(0).forEach((c) => c.end(true));
  });
}

/** What an end-to-end file shares: the test's CA, the project's broker, and the devices and
 *  hub clients a test made (off and closed after it, a failed test's device logs printed). */
export interface World {
  pki: TestPki;
  broker: Broker;
  devices: SimulatedDevice[];
  clients: MqttClient[];
  /** A client of the identity hub/hub on the world's broker. */
  hub(): Promise<MqttClient>;
  /** `profile` (default: e2eProfile on the world's broker) booted in the simulated ESP32. */
  boot(profile?: DeviceProfile, options?: Partial<SimOptions>): Promise<SimulatedDevice>;
  /** boot(), then wait for the device's MQTT session. */
  online(profile?: DeviceProfile, options?: Partial<SimOptions>): Promise<SimulatedDevice>;
}

/** What an end-to-end file shares, set up once for the whole file: the built bundle, a test
 *  CA with `identities` issued, and the project's broker (Mosquitto, or the embedded one when
 *  `embedded`) with topic prefix "latchkey", its log printed when a test fails. Read its
 *  fields inside tests and hooks (they are set in beforeAll). */
export function projectWorld(identities: [Kind, string][], embedded = false): World {
  const world: World = {
    devices: [],
    clients: [],
    hub: async () => {
      const client = await connectTls(world.broker.port, world.pki.credentials("hub", "hub"));
      world.clients.push(client);
      return client;
    },
    boot: async (profile = e2eProfile(world.broker.port), options = {}) => {
      const device = await bootDevice(world.pki.stateDir, profile, options);
      world.devices.push(device);
      return device;
    },
    online: async (profile, options) => {
      const device = await world.boot(profile, options);
      await device.waitFor(/MQTT connected/);
      return device;
    },
  } as Partial<World> as World;
  printLogOnFailure(() => [world.broker]);
  cleanUpAfterEach(world.devices, world.clients);
  beforeAll(async () => {
    await builtBundle();
    world.pki = await makeTestPki();
    for (const [kind, name] of identities) await world.pki.issue(kind, name);
    world.broker = await startProjectBroker(world.pki.stateDir, "latchkey", embedded);
  });
  afterAll(async () => world.broker?.stop());
  return world;
}
