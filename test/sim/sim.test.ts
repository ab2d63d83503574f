// The simulator's Espruino behaviours, checked on their own (the end-to-end tests rely on them).
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SimulatedDevice } from "../../scripts/sim/device.ts";
import { PinBank } from "../../scripts/sim/pins.ts";
import { EspruinoRand, peek32, RNG_DATA_REG } from "../../scripts/sim/random.ts";
import { FolderStorage } from "../../scripts/sim/storage.ts";
import { simTlsModule } from "../support/sim-tls.ts";

const tmp = () => mkdtemp(path.join(os.tmpdir(), "latchkey-sim-"));

describe("Storage on a folder", () => {
  it("keeps binary strings, refuses names over 28 characters, reads JSON with noThrow", async () => {
    const storage = new FolderStorage(await tmp());
    storage.write("lk.key", "\x00\xff\x80binary");
    expect(storage.read("lk.key")).toBe("\x00\xff\x80binary");
    expect(storage.read("absent")).toBeUndefined();
    expect(() => storage.write("x".repeat(29), "a")).toThrow("Storage: name too long (max 28 chars)");
    storage.write("bad.json", "{nope");
    expect(storage.readJSON("bad.json", true)).toBeUndefined();
    expect(() => storage.readJSON("bad.json", false)).toThrow();
    storage.write("part", "AB", 0, 4);
    storage.write("part", "CD", 2);
    expect(storage.read("part")).toBe("ABCD");
    expect(storage.list(/^lk\./)).toEqual(["lk.key"]);
    storage.erase("lk.key");
    expect(storage.list()).toEqual(["bad.json", "part"]);
    expect(() => storage.write("huge", "x".repeat(900 * 1024))).toThrow("Storage: not enough free space");
  });

  it("writes in parts as Espruino 2v29 does: offset 0 with a size starts a new erased file", async () => {
    const storage = new FolderStorage(await tmp());
    storage.write("a", "OLDOLDOLD");
    storage.write("a", "AB", 0, 4);
    expect(storage.read("a")).toBe("AB\xff\xff");
    storage.write("a", "CD", 2);
    expect(storage.read("a")).toBe("ABCD");
    expect(storage.read("a", 1, 2)).toBe("BC");
    expect(() => storage.write("a", "XY", 2)).toThrow("File already written with different data");
    expect(() => storage.write("nofile", "XY", 2)).toThrow("Unable to find or create file");
    storage.write("b", "XY", 0, 2);
    expect(() => storage.write("b", "Z", 2)).toThrow("Too much data for file size");
    expect(() => storage.write("e", "")).toThrow("Can't create zero length file");
  });

  it("survives a reboot: a new instance on the same folder sees the files", async () => {
    const dir = await tmp();
    new FolderStorage(dir).write(".bootcde", "print(1)");
    expect(new FolderStorage(dir).read(".bootcde")).toBe("print(1)");
  });
});

describe("pins", () => {
  it("records every drive and mode change, and debounces watches on the chosen edge", async () => {
    let now = 0;
    const fired: string[] = [];
    const pins = new PinBank(
      () => now,
      (fn) => fn(),
    );
    pins.digitalWrite("D26", 0);
    pins.pinMode("D26", "output");
    pins.digitalWrite("D26", 1);
    expect(pins.history.map((e) => `${e.kind} ${e.mode} ${e.high}`)).toEqual([
      "drive output false",
      "mode output false",
      "drive output true",
    ]);
    pins.pinMode("D27", "input_pullup");
    expect(pins.digitalRead("D27")).toBe(1);
    pins.setWatch((e) => fired.push(`falling ${e.state}`), "D27", { repeat: true, edge: "falling", debounce: 30 });
    pins.drive("D27", false);
    pins.drive("D27", true); // a bounce inside the debounce window
    pins.drive("D27", false);
    await new Promise((r) => setTimeout(r, 60));
    pins.drive("D27", true);
    await new Promise((r) => setTimeout(r, 60));
    expect(fired).toEqual(["falling false"]);
    now = 5;
    pins.reset();
    expect(pins.history.at(-1)).toMatchObject({ kind: "reset", t: 5 });
  });
});

describe("random numbers", () => {
  it("repeats Espruino's fixed-seed sequence after every boot; E.srand changes it; the RNG register does not repeat", () => {
    const a = new EspruinoRand();
    const b = new EspruinoRand();
    const first = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(first);
    first.forEach((n) => expect(n).toBeLessThanOrEqual(0x7fffffff));
    b.srand(1234);
    expect(b.next()).not.toBe(first[0]);
    expect(peek32(RNG_DATA_REG)).not.toBe(peek32(RNG_DATA_REG));
    expect(peek32(0x3ff00000)).toBe(0);
  });
});

describe("tls options as Espruino takes them", () => {
  const tls = simTlsModule();
  it("takes a short string as a file path and refuses PEM", () => {
    expect(() => tls.connect({ host: "127.0.0.1", port: 1, cert: "lk.cert" })).toThrow(
      "cert: 'lk.cert' taken as a file path, and no such file",
    );
    const pem = "-----BEGIN CERTIFICATE-----\n" + "A".repeat(200) + "\n-----END CERTIFICATE-----\n";
    expect(() => tls.connect({ host: "127.0.0.1", port: 1, cert: pem })).toThrow(
      "cert: PEM is not accepted by this build: pass DER",
    );
    expect(() => tls.connect({ host: "127.0.0.1", port: 1, key: () => "x".repeat(200) })).toThrow(
      "key: not a DER private key",
    );
  });
});

describe("the simulated device", () => {
  it("runs boot files in Espruino's order, without the built-ins Espruino lacks, and reboots from Storage", async () => {
    const device = new SimulatedDevice({ storageDir: await tmp(), wifi: { ssid: "s", password: "p" } });
    device.storage.write(".boot0", 'console.log("boot0", typeof Map, typeof Symbol, typeof Array.from)');
    device.storage.write(
      ".bootcde",
      'console.log("bootcde", process.env.BOARD); require("Storage").write("count", String(Number(require("Storage").read("count") || 0) + 1)); setTimeout(function(){ null.x; }, 1);',
    );
    device.boot();
    expect(device.lines.slice(0, 2)).toEqual(["boot0 undefined undefined undefined", "bootcde ESP32"]);
    await device.waitFor(/^Uncaught TypeError/);
    device.reboot();
    expect(device.storage.read("count")).toBe("2");
    device.powerOff();
  });

  it("throws on clearTimeout(undefined) and clears every timer on clearTimeout(), as Espruino 2v29 does", async () => {
    const device = new SimulatedDevice({ storageDir: await tmp(), wifi: { ssid: "s", password: "p" } });
    device.storage.write(
      ".bootcde",
      'setTimeout(function(){ console.log("kept?"); }, 5); try { clearTimeout(undefined); } catch (e) { console.log(e.message); } clearTimeout();',
    );
    device.boot();
    await new Promise((r) => setTimeout(r, 30));
    expect(device.lines).toEqual(["clearTimeout(undefined) not allowed. Use clearTimeout() instead"]);
    device.powerOff();
  });
});
