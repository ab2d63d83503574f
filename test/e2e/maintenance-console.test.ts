// The maintenance window's console end to end: the built bundle in the simulated ESP32
// against the real Mosquitto (the embedded broker where it is missing). Every connection to
// the console faces the password, each password works once, and what the owner's tools
// type is derived from the command key: nothing secret crosses the broker.
import net from "node:net";
import type mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { connectTls } from "../support/pki.ts";
import { consolePassword, login, signedWindow } from "../../scripts/lib/console-login.ts";
import { signer, verifiedReports } from "../support/signed.ts";
import { bootDevice, cleanUpAfterEach, e2eProfile, projectWorld } from "../support/sim.ts";
import { TelnetClient } from "../support/telnet.ts";
import { until } from "../support/wait.ts";

const T = "latchkey/door-1";

describe("the maintenance window's console", () => {
  const devices: SimulatedDevice[] = [];
  const clients: mqtt.MqttClient[] = [];
  const consoles: TelnetClient[] = [];
  const world = projectWorld(
    [
      ["device", "door-1"],
      ["hub", "hub"],
    ],
    mosquittoMissing(),
  );
  cleanUpAfterEach(devices, clients);
  afterEach(() => consoles.splice(0).forEach((c) => c.close()));
  const boot = async () => {
    const device = await bootDevice(world.pki.stateDir, e2eProfile(world.broker.port), { console: true });
    devices.push(device);
    await device.waitFor(/MQTT connected/);
    const client = await connectTls(world.broker.port, world.pki.credentials("hub", "hub"));
    clients.push(client);
    return { device, cmd: { ...signer(client, world.pki.stateDir, "latchkey", "door-1"), client } };
  };
  const dial = async (port: number) => {
    const c = await TelnetClient.connect(port);
    consoles.push(c);
    return c;
  };

  it("a second connection, while the owner's is open and after it left, faces the password and cannot read the command key", async () => {
    const { device, cmd } = await boot();
    const states = await verifiedReports(cmd.client, cmd.key, `${T}/maintenance/state`);
    expect(await cmd.send("MAINTENANCE 60", "maintenance")).toEqual({ accepted: true, detail: "console open 60 s" });
    await until("the OPEN report", () => states.some((v) => v.startsWith("OPEN 60 ")));
    const [, , id, k] = states.at(-1)!.split(" ");
    expect(k).toBe("0");
    const port = await device.tcpPort(23);
    // The owner's tools type the window's first password (the LAN sees it: it works once).
    const owner = await login("127.0.0.1", port, cmd.key, signedWindow(cmd.client, cmd.key, `${T}/maintenance/state`));
    let ownerText = "";
    owner.on("data", (d: Buffer) => (ownerText += d.toString("latin1")));
    owner.write("6*7\r\n");
    await until("the owner's answer", () => ownerText.includes("=42"));
    const key = cmd.key.toString("base64");
    const steal = 'btoa(require("Storage").read("lk.cmdkey"))\r\n';
    const attempts: TelnetClient[] = [];
    for (const first of [steal, `${consolePassword(cmd.key, id, 0)}\r\n${steal}`]) {
      const neighbour = await dial(port);
      await neighbour.expect(`OPEN 60 ${id} 1\r\npassword>`);
      neighbour.send(first);
      await neighbour.expect("Invalid password");
      await until("the neighbour dropped", () => neighbour.closed);
      attempts.push(neighbour);
    }
    // The owner's session is still there, still the console.
    owner.write("6*8\r\n");
    await until("the owner's second answer", () => ownerText.includes("=48"));
    owner.destroy();
    const later = await dial(port);
    await later.expect(`OPEN 60 ${id} 1\r\npassword>`);
    later.send(steal);
    await until("the later one dropped", () => later.closed);
    attempts.push(later);
    for (const a of attempts) expect(a.text).not.toContain(key);
    expect(ownerText).not.toContain(key);
    // The owner's next session needs the next password, which the tools compute.
    const again = await login("127.0.0.1", port, cmd.key, signedWindow(cmd.client, cmd.key, `${T}/maintenance/state`));
    again.destroy();
    await until("the report of the used password", () => states.at(-1) === `OPEN 60 ${id} 2`);
  });

  it("a spoofed console asking for another window or a later password gets none: only the device's signed state counts", async () => {
    const { cmd } = await boot();
    const states = await verifiedReports(cmd.client, cmd.key, `${T}/maintenance/state`);
    expect(await cmd.send("MAINTENANCE 60", "maintenance")).toMatchObject({ accepted: true });
    await until("the OPEN report", () => (states.at(-1) ?? "").startsWith("OPEN 60 "));
    const id = states.at(-1)!.split(" ")[2];
    // A LAN neighbour answers on the console's port before the device does (or instead of it).
    for (const [askedId, askedK] of [
      [id, 1],
      [id, 5],
      ["0123456789abcdef", 0],
    ] as const) {
      const typed: string[] = [];
      const spoof = net.createServer((s) => {
        s.on("data", (d: Buffer) => typed.push(d.toString("latin1")));
        s.write(`OPEN 60 ${askedId} ${askedK}\r\npassword>`);
      });
      await new Promise<void>((r) => spoof.listen(0, "127.0.0.1", r));
      const port = (spoof.address() as net.AddressInfo).port;
      try {
        const window = signedWindow(cmd.client, cmd.key, `${T}/maintenance/state`);
        await expect(login("127.0.0.1", port, cmd.key, window, 2000)).rejects.toThrow(
          new RegExp(
            `^127.0.0.1:${port} asks for the password of window ${askedId} #${askedK}, but the device's signed maintenance state says "OPEN 60 ${id} 0": no password typed \\(a spoofed console\\?\\)$`,
          ),
        );
      } finally {
        spoof.close();
      }
      const passwords = [0, 1, 2, 3, 4, 5, 6].map((k) => consolePassword(cmd.key, askedId, k));
      for (const p of passwords) expect(typed.join("")).not.toContain(p);
    }
  });

  /** Opens a window, logs the owner in and types `reset()` there (the Web IDE's "reset before
   *  send" does). Resolves with the device and its telnet console port (Espruino's own). */
  const resetInWindow = async (device: SimulatedDevice, cmd: Awaited<ReturnType<typeof boot>>["cmd"]) => {
    expect(await cmd.send("MAINTENANCE 60", "maintenance")).toMatchObject({ accepted: true });
    const owner = await login(
      "127.0.0.1",
      await device.tcpPort(23),
      cmd.key,
      signedWindow(cmd.client, cmd.key, `${T}/maintenance/state`),
    );
    owner.write("reset()\r\n");
    owner.on("error", () => undefined);
    return owner;
  };

  it("reset() typed in the window's console, without the boot stub: Espruino's telnet is back with no password (the simulator is no kinder)", async () => {
    const { device, cmd } = await boot();
    device.storage.erase(".boot0");
    await resetInWindow(device, cmd);
    await until("telnet on again", () => device.consoles.telnetMode === "on");
    // reset() keeps the console device (src/jsinteractive.c sets it only in jsiInit).
    const neighbour = await dial(await device.consoles.port());
    neighbour.send("6*7\r\n");
    await neighbour.expect("=42");
  });

  it("reset() typed in the window's console reboots the device: no telnet, no prompt, the bundle back", async () => {
    const { device, cmd } = await boot();
    const booted = device.lines.length;
    await resetInWindow(device, cmd);
    await until("the reboot", () => device.reboots === 1);
    await device.waitFor(/MQTT connected/, 15000, booted);
    expect(device.consoles.telnetMode).toBe("off");
    expect(device.consoles.telnetHistory.at(-1)?.mode).toBe("off");
  });

  it("closes on a signed MAINTENANCE 0: the session inside is dropped and the port closed", async () => {
    const { device, cmd } = await boot();
    expect(await cmd.send("MAINTENANCE 60", "maintenance")).toMatchObject({ accepted: true });
    const port = await device.tcpPort(23);
    const owner = await login("127.0.0.1", port, cmd.key, signedWindow(cmd.client, cmd.key, `${T}/maintenance/state`));
    let closed = false;
    owner.on("close", () => (closed = true));
    expect(await cmd.send("MAINTENANCE 0", "maintenance")).toEqual({ accepted: true, detail: "console closed" });
    await until("the session dropped", () => closed);
    await expect(TelnetClient.connect(port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
