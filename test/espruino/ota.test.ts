// An update over the air on Espruino's own interpreter (ESPRUINO=<Linux build> npm run
// test:espruino), through the bundle's own mTLS session on the real Mosquitto. The running
// bundle's functions are text in `.bootcde`'s flash, and Espruino turns them to null when that
// file is replaced (src/jsflash.c, jsfEraseFileInternal -> src/jsvar.c, jsvUpdateMemoryAddress):
// an update that wrote `.bootcde` under itself stopped the interpreter dead. Staged, it is
// moved in by the boot stub at the next boot, and the new bundle confirms.
import type mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deviceStorageFiles } from "../../scripts/lib/provision.ts";
import { sendUpdate } from "../../scripts/ota/transfer.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { espruinoMissing, RealEspruino } from "../support/espruino.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { signer } from "../support/signed.ts";
import { builtBundle, builtBundleAt, e2eProfile, WIFI } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const NEW_VERSION = "0.2.0-ota";

describe.skipIf(espruinoMissing() || mosquittoMissing())("an update over the air on the interpreter", () => {
  let pki: TestPki;
  let broker: Broker;
  let newBundle: string;
  const devices: RealEspruino[] = [];
  const clients: mqtt.MqttClient[] = [];
  printLogOnFailure(() => [broker]);
  beforeAll(async () => {
    await builtBundle();
    newBundle = await builtBundleAt(NEW_VERSION);
    pki = await makeTestPki("rsa");
    await pki.issue("device", "door-1");
    await pki.issue("hub", "hub");
    // The Linux build's mbedTLS has no EC: the broker also offers DHE-RSA (scripts/broker/tls.ts).
    broker = await startProjectBroker(pki.stateDir, "latchkey", false, { dheRsa: true });
  }, 60000);
  afterAll(async () => {
    await broker?.stop();
  });
  afterEach(async (context) => {
    if (context.task.result?.state === "fail")
      devices.forEach((d) => console.error(`--- Espruino output ---\n${d.lines.join("\n")}`));
    await Promise.all(devices.splice(0).map((d) => d.powerOff()));
    clients.splice(0).forEach((c) => c.end(true));
  });

  it("stages, reboots through the boot stub into the new bundle, which confirms", async () => {
    const hub = await connectTls(broker.port, pki.credentials("hub", "hub"));
    clients.push(hub);
    const device = await RealEspruino.boot(
      deviceStorageFiles(e2eProfile(broker.port), pki.stateDir, WIFI, await builtBundle()),
    );
    devices.push(device);
    await device.waitFor(/MQTT connected/, 30000);
    const answers: string[] = [];
    const update = sendUpdate(hub, {
      prefix: "latchkey",
      device: "door-1",
      key: signer(hub, pki.stateDir, "latchkey", "door-1").key,
      bundle: newBundle,
      version: NEW_VERSION,
      confirmSeconds: 120,
      ackTimeoutMs: 15000,
      progress: (e) => e.kind === "device" && !e.text.startsWith("got ") && answers.push(e.text),
    });
    // E.reboot() ends the Linux build (targets/linux/jshardware.c, jshReboot): power it on again.
    await until("the reboot", () => device.hasExited, 180000);
    const from = device.lines.length;
    await device.restart();
    await device.waitFor(new RegExp(`Latchkey ${NEW_VERSION.replace(/\./g, "\\.")} booting`), 30000, from);
    await update;
    expect(answers).toEqual([
      `ota ready for ${NEW_VERSION} (${newBundle.length} bytes)`,
      `staged ${NEW_VERSION}; rebooting`,
      `confirmed ${NEW_VERSION}`,
    ]);
    const sign = signer(hub, pki.stateDir, "latchkey", "door-1");
    expect(await sign.send("ON")).toEqual({ accepted: true, detail: "relay ON" });
  }, 300000);
});
