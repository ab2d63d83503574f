// The consoles end to end, the built bundle in the simulated ESP32 against the real Mosquitto
// (the embedded broker where it is missing): telnet is off from boot, before Wi-Fi, and on
// only during a maintenance window that a signed command opened, locked with its one-time
// password; the window closes when it ends, on a signed close, and at reboot.
import type mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { connectTls } from "../support/pki.ts";
import { signer, verifiedReports, verifiedResults } from "../support/signed.ts";
import { bootDevice, cleanUpAfterEach, e2eProfile, projectWorld } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const T = "latchkey/door-1";

describe("telnet and Bluetooth consoles", () => {
  const devices: SimulatedDevice[] = [];
  const clients: mqtt.MqttClient[] = [];
  const world = projectWorld(
    [
      ["device", "door-1"],
      ["hub", "hub"],
    ],
    mosquittoMissing(),
  );
  cleanUpAfterEach(devices, clients);
  const boot = async (profile = e2eProfile(world.broker.port)) => {
    const device = await bootDevice(world.pki.stateDir, profile);
    devices.push(device);
    await device.waitFor(/MQTT connected/);
    return device;
  };
  const hub = async () => {
    const client = await connectTls(world.broker.port, world.pki.credentials("hub", "hub"));
    clients.push(client);
    return client;
  };

  it("turns telnet and the Bluetooth console off at boot, before Wi-Fi is joined", async () => {
    const device = await boot();
    const consoles = device.trace.filter((e) => e.startsWith("telnet") || e === "wifi.connect");
    expect(consoles.slice(0, 3)).toEqual(["telnet on", "telnet off", "wifi.connect"]);
    expect(device.telnetMode).toBe("off");
    expect(device.bluetoothUart).toBe(false);
    expect(device.lines).toContain("[latchkey] Latchkey 0.0.0-test booting; telnet off");
  });

  it("opens telnet for a signed window locked with its one-time password, and closes it when the window ends", async () => {
    const device = await boot();
    const h = await hub();
    const cmd = signer(h, world.pki.stateDir, "latchkey", "door-1");
    const states = await verifiedReports(h, cmd.key, `${T}/maintenance/state`);
    await until("the retained CLOSED", () => states.includes("CLOSED"));
    expect(await cmd.send("MAINTENANCE 2 otp12345", "maintenance")).toEqual({
      accepted: true,
      detail: "telnet open 2 s",
    });
    expect([device.telnetMode, device.consoleLocked]).toEqual(["on", true]);
    expect(device.typePassword("otp00000")).toBe(false);
    expect(device.typePassword("otp12345")).toBe(true);
    await until("the OPEN report", () => states.includes("OPEN 2"));
    await until("the window's end", () => device.telnetMode === "off", 6000);
    expect(device.consolePassword).toBeUndefined();
    await until("the CLOSED report", () => states.at(-1) === "CLOSED");
    expect(states.filter((s) => s.startsWith("FORGED"))).toEqual([]);
  });

  it("closes on a signed MAINTENANCE 0 and at reboot; refuses unsigned, too long and weak windows", async () => {
    const device = await boot();
    const h = await hub();
    const cmd = signer(h, world.pki.stateDir, "latchkey", "door-1");
    const results = await verifiedResults(h, cmd.key, `${T}/maintenance/set`);
    expect(await cmd.send("MAINTENANCE 600 otp12345", "maintenance")).toMatchObject({ accepted: true });
    expect(await cmd.send("MAINTENANCE 0", "maintenance")).toEqual({
      accepted: true,
      detail: "telnet closed",
    });
    expect([device.telnetMode, device.consolePassword]).toEqual(["off", undefined]);
    expect(await cmd.send("MAINTENANCE 601 otp12345", "maintenance")).toEqual({
      accepted: false,
      detail: "expected MAINTENANCE <1-600> <otp of 8-20 letters, digits>",
    });
    expect(await cmd.send("MAINTENANCE 60 short", "maintenance")).toEqual({
      accepted: false,
      detail: "expected MAINTENANCE <1-600> <otp of 8-20 letters, digits>",
    });
    expect(await cmd.send("MAINTENANCE 60 otp12345", "relay")).toMatchObject({ accepted: false });
    await h.publishAsync(`${T}/maintenance/set`, "MAINTENANCE 600 otp12345", { qos: 1 });
    await until("the unsigned refusal", () => results.includes("refused unsigned command"));
    expect(device.telnetMode).toBe("off");
    expect(await cmd.send("MAINTENANCE 600 otp12345", "maintenance")).toMatchObject({ accepted: true });
    expect(device.telnetMode).toBe("on");
    device.reboot();
    await device.waitFor(/MQTT connected/, 10000, device.lines.length);
    expect([device.telnetMode, device.consoleLocked]).toEqual(["off", false]);
    const after = await verifiedReports(await hub(), cmd.key, `${T}/maintenance/state`);
    await until("the retained CLOSED of the new boot", () => after.at(-1) === "CLOSED");
  });

  it("keeps the window within the profile's maintenanceMaxSeconds", async () => {
    await boot(e2eProfile(world.broker.port, { commands: { maintenanceMaxSeconds: 60 } }));
    const cmd = signer(await hub(), world.pki.stateDir, "latchkey", "door-1");
    expect(await cmd.send("MAINTENANCE 61 otp12345", "maintenance")).toEqual({
      accepted: false,
      detail: "expected MAINTENANCE <1-60> <otp of 8-20 letters, digits>",
    });
    expect(await cmd.send("MAINTENANCE 60 otp12345", "maintenance")).toMatchObject({ accepted: true });
  });
});
