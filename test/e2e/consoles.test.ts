// The consoles end to end, the built bundle in the simulated ESP32 against the real Mosquitto
// (the embedded broker where it is missing): telnet is off from boot, before Wi-Fi, and on
// after; a signed maintenance window serves the firmware's own console, every connection
// facing a password derived from the command key; the window closes when it ends, on a signed
// close, and at reboot.
import { describe, expect, it } from "vitest";
import { login, signedWindow } from "../../scripts/lib/console-login.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { signer, verifiedReports, verifiedResults } from "../support/signed.ts";
import { e2eProfile, projectWorld } from "../support/sim.ts";
import { TelnetClient } from "../support/telnet.ts";
import { until } from "../support/wait.ts";

const T = "latchkey/door-1";

describe("telnet and Bluetooth consoles", () => {
  const world = projectWorld(
    [
      ["device", "door-1"],
      ["hub", "hub"],
    ],
    mosquittoMissing(),
  );
  const boot = world.online;
  const hub = world.hub;

  it("turns telnet and the Bluetooth console off at boot, before Wi-Fi is joined", async () => {
    const device = await boot();
    const consoles = device.trace.filter((e) => e.startsWith("telnet") || e === "wifi.connect");
    // The boot stub (.boot0) turns it off first, then the bundle's boot() again.
    expect(consoles.slice(0, 4)).toEqual(["telnet on", "telnet off", "telnet off", "wifi.connect"]);
    expect(device.consoles.telnetMode).toBe("off");
    expect(device.consoles.bluetoothUart).toBe(false);
    expect(device.lines).toContain("[latchkey] Latchkey 0.0.0-test booting; telnet off");
  });

  it("opens the console for a signed window with no password in it, and closes it when the window ends", async () => {
    const device = await boot();
    const h = await hub();
    const cmd = signer(h, world.pki.stateDir, "latchkey", "door-1");
    const states = await verifiedReports(h, cmd.key, `${T}/maintenance/state`);
    await until("the retained CLOSED", () => states.includes("CLOSED"));
    expect(await cmd.send("MAINTENANCE 2", "maintenance")).toEqual({ accepted: true, detail: "console open 2 s" });
    // Espruino's own telnet stays off: the window's console is the firmware's server.
    expect(device.consoles.telnetMode).toBe("off");
    await until("the OPEN report", () => /^OPEN 2 [0-9a-f]{16} 0$/.test(states.at(-1) ?? ""));
    const port = await device.tcpPort(23);
    (await login("127.0.0.1", port, cmd.key, signedWindow(h, cmd.key, `${T}/maintenance/state`))).destroy();
    await until("the window's end", () => states.at(-1) === "CLOSED", 6000);
    await expect(login("127.0.0.1", port, cmd.key, signedWindow(h, cmd.key, `${T}/maintenance/state`))).rejects.toThrow(
      /cannot open/,
    );
    expect(states.filter((s) => s.startsWith("FORGED"))).toEqual([]);
  });

  it("closes on a signed MAINTENANCE 0 and at reboot; refuses unsigned, too long windows and passwords", async () => {
    const device = await boot();
    const h = await hub();
    const cmd = signer(h, world.pki.stateDir, "latchkey", "door-1");
    const results = await verifiedResults(h, cmd.key, `${T}/maintenance/set`);
    expect(await cmd.send("MAINTENANCE 600", "maintenance")).toMatchObject({ accepted: true });
    expect(await cmd.send("MAINTENANCE 0", "maintenance")).toEqual({ accepted: true, detail: "console closed" });
    expect(await cmd.send("MAINTENANCE 601", "maintenance")).toEqual({
      accepted: false,
      detail: "expected MAINTENANCE <0-600>",
    });
    expect(await cmd.send("MAINTENANCE 60 otp12345", "maintenance")).toEqual({
      accepted: false,
      detail: "expected MAINTENANCE <0-600>",
    });
    expect(await cmd.send("MAINTENANCE 60", "relay")).toMatchObject({ accepted: false });
    await h.publishAsync(`${T}/maintenance/set`, "MAINTENANCE 600", { qos: 1 });
    await until("the unsigned refusal", () => results.includes("refused unsigned command"));
    await expect(device.tcpPort(23, 300)).rejects.toThrow(/never listened/);
    expect(await cmd.send("MAINTENANCE 600", "maintenance")).toMatchObject({ accepted: true });
    const port = await device.tcpPort(23);
    device.reboot();
    await device.waitFor(/MQTT connected/, 10000, device.lines.length);
    expect(device.consoles.telnetMode).toBe("off");
    await expect(TelnetClient.connect(port)).rejects.toThrow(/ECONNREFUSED/);
    const after = await verifiedReports(await hub(), cmd.key, `${T}/maintenance/state`);
    await until("the retained CLOSED of the new boot", () => after.at(-1) === "CLOSED");
  });

  it("keeps the window within the profile's maintenanceMaxSeconds", async () => {
    await boot(e2eProfile(world.broker.port, { commands: { maintenanceMaxSeconds: 60 } }));
    const cmd = signer(await hub(), world.pki.stateDir, "latchkey", "door-1");
    expect(await cmd.send("MAINTENANCE 61", "maintenance")).toEqual({
      accepted: false,
      detail: "expected MAINTENANCE <0-60>",
    });
    expect(await cmd.send("MAINTENANCE 60", "maintenance")).toMatchObject({ accepted: true });
  });
});
