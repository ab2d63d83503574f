// The simulator's model of what the firmware's console and randomness code relies on
// (docs/espruino.md "Consoles" and "Randomness"): if one of these drifts from Espruino, the
// end-to-end tests that use it would pass for the wrong reason.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SimulatedDevice } from "../../scripts/sim/device.ts";
import { RNG_REGISTERS, type Board } from "../../scripts/sim/random.ts";

const tmp = () => mkdtemp(path.join(os.tmpdir(), "latchkey-sim-"));

async function run(code: string, board: Board = "ESP32") {
  const device = new SimulatedDevice({ storageDir: await tmp(), wifi: { ssid: "s", password: "p" }, board });
  device.storage.write(".bootcde", code);
  device.boot();
  return device;
}

describe("the simulated consoles", () => {
  it("turns telnet on at every boot, and only setOptions turns it off", async () => {
    const device = await run('require("TelnetServer").setOptions({ mode: "off" });');
    expect(device.consoles.telnetMode).toBe("off");
    device.storage.write(".bootcde", "1;");
    device.reboot();
    expect(device.consoles.telnetMode).toBe("on");
    expect(device.consoles.telnetHistory.map((h) => h.mode)).toEqual(["on", "off", "on"]);
    device.powerOff();
  });

  it("checks setOptions as jswrap_telnet.c does", async () => {
    const device = await run(
      'var T = require("TelnetServer");' +
        'try { T.setOptions("off"); } catch (e) { console.log(e.message); }' +
        'try { T.setOptions({ mode: "closed" }); } catch (e) { console.log(e.message); }' +
        "T.setOptions({});",
    );
    expect(device.lines).toEqual(["Expecting Object, got String", "Unknown mode value"]);
    expect(device.consoles.telnetMode).toBe("on");
    device.powerOff();
  });

  it("has no TelnetServer module on boards built without TELNET, and a Bluetooth console on ESP32 boards", async () => {
    for (const board of ["ESP32_IDF4", "ESP32C3_IDF4"] as const) {
      const device = await run('try { require("TelnetServer"); } catch (e) { console.log(e.message); }', board);
      expect(device.lines).toEqual(['Module "TelnetServer" not found']);
      expect(device.consoles.bluetoothUart).toBe(true);
      device.powerOff();
    }
    const s3 = await run("NRF.setServices(undefined, { uart: false });", "ESP32S3_IDF4");
    expect(s3.consoles.telnetMode).toBe("on");
    expect(s3.consoles.bluetoothUart).toBe(false);
    s3.powerOff();
    const linux = await run('console.log(typeof NRF, typeof require("TelnetServer"));', "LINUX");
    expect(linux.lines).toEqual(["undefined object"]);
    linux.powerOff();
  });

  // Checked on Espruino 2v29's Linux build over its telnet console: "password>", "Invalid
  // password", "Logged in.", and a console locked and then un-passworded stays locked.
  it("locks the console behind E.setPassword, at most 20 characters typed, and forgets it at reboot", async () => {
    const device = await run('E.lockConsole(); E.setPassword("abcdefghij0123456789XYZ"); E.lockConsole();');
    expect(device.consoles.locked).toBe(true);
    expect(device.consoles.typePassword("wrong")).toBe(false);
    // The prompt keeps 20 characters: a longer password can never be typed.
    expect(device.consoles.typePassword("abcdefghij0123456789XYZ")).toBe(false);
    device.storage.write(".bootcde", 'E.setPassword("otp12345"); E.lockConsole(); E.setPassword();');
    device.reboot();
    // Removing the password leaves a locked console locked until the next boot.
    expect(device.consoles.locked).toBe(true);
    expect(device.consoles.typePassword("otp12345")).toBe(false);
    device.storage.write(".bootcde", 'E.setPassword("otp12345"); E.lockConsole();');
    device.reboot();
    expect(device.consoles.typePassword("otp12345")).toBe(true);
    device.storage.write(".bootcde", "1;");
    device.reboot();
    expect([device.consoles.locked, device.consoles.password]).toEqual([false, undefined]);
    device.powerOff();
  });
});

describe("the simulated randomness", () => {
  it("gives Math.random the fixed-seed sequence after every boot until E.srand", async () => {
    const code = "console.log(Math.random(), E.hwRand()); E.srand(42); console.log(Math.random());";
    const a = await run(code);
    const b = await run(code);
    expect(a.lines[0]).toBe(b.lines[0]);
    expect(a.lines[1]).not.toBe(a.lines[0].split(" ")[0]);
    a.reboot();
    expect(a.lines[2]).toBe(a.lines[0]);
    a.powerOff();
    b.powerOff();
  });

  it("reads true randomness only at each board's RNG register", async () => {
    for (const board of ["ESP32", "ESP32_IDF4", "ESP32C3_IDF4", "ESP32S3_IDF4"] as const) {
      const address = RNG_REGISTERS[board]!;
      const device = await run(
        `console.log(peek32(${address}) !== peek32(${address}), peek32(${address ^ 4}));`,
        board,
      );
      expect(device.lines).toEqual(["true 0"]);
      expect(device.rngReads).toHaveLength(2);
      device.powerOff();
    }
    const linux = await run("console.log(peek32(0x3ff75144), peek32(0x600260b0));", "LINUX");
    expect(linux.lines).toEqual(["0 0"]);
    linux.powerOff();
  });
});
