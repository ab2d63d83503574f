// Updates over the air end to end: the built bundle in the simulated ESP32 on the real
// Mosquitto, updated through its own mTLS session by scripts/ota/transfer.ts (what
// `npm run ota` runs). Every case ends with the device running a verified bundle.
import { randomBytes } from "node:crypto";
import type mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOOT_STATE_FILE, PREV_FILE, STAGE_FILE } from "../../firmware/app/maintenance/ota.ts";
import { sendUpdate, type OtaOptions } from "../../scripts/ota/transfer.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { signer, verifiedReports, verifiedResults } from "../support/signed.ts";
import { bootDevice, builtBundle, builtBundleAt, cleanUpAfterEach, e2eProfile } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const T = "latchkey/door-1";
const NEW_VERSION = "0.2.0-ota";

describe.skipIf(mosquittoMissing())("OTA through the device's MQTT session (Mosquitto)", () => {
  let pki: TestPki;
  let broker: Broker | undefined;
  let oldBundle: string;
  let newBundle: string;
  const devices: SimulatedDevice[] = [];
  const clients: mqtt.MqttClient[] = [];
  printLogOnFailure(() => [broker]);
  cleanUpAfterEach(devices, clients);

  beforeAll(async () => {
    oldBundle = await builtBundle();
    newBundle = await builtBundleAt(NEW_VERSION);
    pki = await makeTestPki();
    await pki.issue("device", "door-1");
    await pki.issue("hub", "hub");
    broker = await startProjectBroker(pki.stateDir, "latchkey", false);
  }, 60000);
  afterAll(async () => broker?.stop());

  const setup = async () => {
    const device = await bootDevice(pki.stateDir, e2eProfile(broker!.port));
    devices.push(device);
    await device.waitFor(/MQTT connected/, 15000);
    const hub = await connectTls(broker!.port, pki.credentials("hub", "hub"));
    clients.push(hub);
    const answers: string[] = [];
    const options = (over: Partial<OtaOptions> = {}): OtaOptions => ({
      prefix: "latchkey",
      device: "door-1",
      key: signer(hub, pki.stateDir, "latchkey", "door-1").key,
      bundle: newBundle,
      version: NEW_VERSION,
      confirmSeconds: 20,
      ackTimeoutMs: 4000,
      progress: (e) => e.kind === "device" && answers.push(e.text),
      ...over,
    });
    return { device, hub, answers, options };
  };

  /** The device obeys a signed command: it is up and running a working bundle. */
  const obeys = async (hub: mqtt.MqttClient) => {
    const sign = signer(hub, pki.stateDir, "latchkey", "door-1");
    expect(await sign.send("ON")).toEqual({ accepted: true, detail: "relay ON" });
    expect(await sign.send("OFF")).toEqual({ accepted: true, detail: "relay OFF" });
  };

  const runs = (device: SimulatedDevice, bundle: string) => {
    expect(device.storage.read(".bootcde")).toBe(bundle);
    expect(device.storage.read(STAGE_FILE)).toBeUndefined();
  };

  it("a good update: staged, hashed, swapped, rebooted, confirmed; the old bundle kept", async () => {
    const { device, hub, answers, options } = await setup();
    const result = await sendUpdate(hub, options());
    expect(answers).toEqual([
      `ota ready for ${NEW_VERSION} (${newBundle.length} bytes)`,
      `staged ${NEW_VERSION}; rebooting`,
      `confirmed ${NEW_VERSION}`,
    ]);
    runs(device, newBundle);
    expect(device.storage.read(PREV_FILE)).toBe(oldBundle);
    expect(device.storage.readJSON(BOOT_STATE_FILE)).toEqual({ v: NEW_VERSION });
    expect(device.lines.some((l) => l.includes(`Latchkey ${NEW_VERSION} booting`))).toBe(true);
    await obeys(hub);
    console.log(
      `OTA of ${newBundle.length} bytes: sent in ${result.seconds.transfer.toFixed(1)} s, confirmed after ${result.seconds.total.toFixed(1)} s`,
    );
  }, 90000);

  it("a corrupted chunk: the SHA-256 does not match, nothing changes", async () => {
    const { device, hub, options } = await setup();
    const flip = (offset: number, data: string) =>
      offset === 2048 ? String.fromCharCode(data.charCodeAt(0) ^ 1) + data.slice(1) : data;
    await expect(sendUpdate(hub, options({ mangle: flip }))).rejects.toThrow(
      "the device refused the update: sha256 mismatch (its running bundle is unchanged)",
    );
    runs(device, oldBundle);
    expect(device.reboots).toBe(0);
    await obeys(hub);
  }, 90000);

  it("a manifest signed with the wrong key: refused, no transfer opens", async () => {
    const { device, hub, options } = await setup();
    const key = signer(hub, pki.stateDir, "latchkey", "door-1").key;
    const results = await verifiedResults(hub, key, `${T}/ota/set`);
    const states = await verifiedReports(hub, key, `${T}/ota/state`);
    await expect(sendUpdate(hub, options({ key: randomBytes(32) }))).rejects.toThrow(/no result from device 'door-1'/);
    expect(results).toContain("refused bad signature");
    await hub.publishAsync(`${T}/otadata/set`, Buffer.from("0 evil", "latin1"), { qos: 1 });
    await until("the chunk refused", () => states.includes("refused no transfer"));
    runs(device, oldBundle);
    await obeys(hub);
  }, 90000);

  it("a reboot mid-transfer: the transfer is dropped, the partial file erased; the next run succeeds", async () => {
    const { device, hub, options } = await setup();
    let cutDone = false;
    const cut = (offset: number, data: string) => {
      if (offset === 4096 && !cutDone) {
        cutDone = true;
        device.reboot();
      }
      return data;
    };
    await expect(sendUpdate(hub, options({ mangle: cut }))).rejects.toThrow(
      /dropped the transfer at 4096 of \d+ bytes \(it rebooted\?\): it still runs its verified bundle/,
    );
    runs(device, oldBundle);
    await obeys(hub);
    await sendUpdate(hub, options());
    runs(device, newBundle);
  }, 120000);

  it("a new bundle cut off from the network confirms by itself: blocking the device does not undo the update", async () => {
    const { device, hub, answers, options } = await setup();
    // The LAN attacker: from the swap on, the device reaches no broker.
    const reboot = device.reboot.bind(device);
    device.reboot = () => {
      device.wifiDown();
      reboot();
    };
    const update = sendUpdate(hub, options({ confirmSeconds: 6 })).catch((error: unknown) => error as Error);
    await until(
      "the new bundle to boot",
      () => device.lines.some((l) => l.includes(`Latchkey ${NEW_VERSION} booting`)),
      30000,
    );
    // Past the boot stub's deadline (armed at that boot, so it fires before this sleep ends).
    await new Promise((r) => setTimeout(r, 6000 + 1500));
    expect(device.reboots).toBe(1);
    runs(device, newBundle);
    expect(device.storage.readJSON(BOOT_STATE_FILE)).toEqual({ v: NEW_VERSION, ok: 1 });
    expect(
      device.lines.some(
        (l) =>
          /MQTT connected/.test(l) &&
          device.lines.indexOf(l) > device.lines.findIndex((x) => x.includes(`Latchkey ${NEW_VERSION} booting`)),
      ),
    ).toBe(false);
    // The network comes back: the device says so, and the update ends well.
    device.wifiUp();
    const result = await update;
    expect(result).not.toBeInstanceOf(Error);
    expect(answers.at(-1)).toBe(`confirmed ${NEW_VERSION}`);
    expect(device.storage.readJSON(BOOT_STATE_FILE)).toEqual({ v: NEW_VERSION });
    await obeys(hub);
  }, 120000);

  it("a signed downgrade is refused unless the owner asks for one in the manifest", async () => {
    const { device, hub, options } = await setup();
    await sendUpdate(hub, options());
    runs(device, newBundle);
    await expect(sendUpdate(hub, options({ bundle: oldBundle, version: "0.0.0-test" }))).rejects.toThrow(
      `the device refused the manifest: 0.0.0-test is not newer than ${NEW_VERSION} (a downgrade: only with --allow-downgrade)`,
    );
    runs(device, newBundle);
    await sendUpdate(hub, options({ bundle: oldBundle, version: "0.0.0-test", allowDowngrade: true }));
    runs(device, oldBundle);
    expect(device.storage.readJSON(BOOT_STATE_FILE)).toEqual({ v: "0.0.0-test" });
    await obeys(hub);
  }, 120000);

  it("a new bundle that never starts, and one that throws at boot: rolled back within the deadline", async () => {
    const { device, hub, answers, options } = await setup();
    for (const [version, code] of [
      ["0.3.0-silent", 'print("0.3.0-silent: no network");'],
      ["0.3.1-crash", 'throw new Error("0.3.1-crash at boot");'],
    ]) {
      const rebootsBefore = device.reboots;
      const started = Date.now();
      await expect(sendUpdate(hub, options({ bundle: code, version, confirmSeconds: 5 }))).rejects.toThrow(
        `rolled back from ${version} to 0.0.0-test: the new bundle did not confirm within 5 s`,
      );
      expect(Date.now() - started).toBeLessThan(30000);
      expect(device.reboots).toBe(rebootsBefore + 2);
      runs(device, oldBundle);
      expect(device.storage.readJSON(BOOT_STATE_FILE)).toEqual({ v: "0.0.0-test" });
      await obeys(hub);
    }
    expect(
      answers.filter((a) => a.startsWith("rolled back")),
      answers.join("\n"),
    ).toHaveLength(2);
  }, 120000);
});
