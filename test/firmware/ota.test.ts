// The device side of OTA (firmware/app/maintenance/ota.ts) under a fake platform, and the boot stub
// (firmware/app/maintenance/boot-stub.ts) in the simulator and, when ESPRUINO is set, in Espruino itself.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkEspruinoCompatibility } from "../../build/espruino-check.ts";
import { BOOT_STUB, BOOT_STUB_FILE } from "../../firmware/app/maintenance/boot-stub.ts";
import { BOOT_STATE_FILE, createOta, PREV_FILE, STAGE_FILE } from "../../firmware/app/maintenance/ota.ts";
import { SimulatedDevice } from "../../scripts/sim/device.ts";
import { ESPRUINO, espruinoMissing } from "../support/espruino.ts";
import { createFakePlatform } from "../support/fake-platform.ts";

const sha = (s: string) => createHash("sha256").update(Buffer.from(s, "latin1")).digest("hex");
const NEW = "print('new');".repeat(30);

function ota() {
  const fake = createFakePlatform({ ".bootcde": "old bundle" });
  const said: string[] = [];
  const writes: { name: string; bytes: number }[] = [];
  const write = fake.platform.files.write;
  fake.platform.files.write = (name, data, offset, size) => {
    writes.push({ name, bytes: data.length });
    write(name, data, offset, size);
  };
  return { fake, said, writes, ota: createOta(fake.platform, "1.0.0", (s) => said.push(s)) };
}

describe("Ota (device side)", () => {
  it("stages chunk by chunk at their offsets, checks SHA-256, keeps the old bundle, marks the update, reboots; never writes .bootcde", () => {
    const { fake, said, writes, ota: o } = ota();
    expect(o.begin(`OTA 1.1.0 ${NEW.length} ${sha(NEW)} 30`)).toEqual({
      done: `ota ready for 1.1.0 (${NEW.length} bytes)`,
    });
    for (let at = 0; at < NEW.length; at += 100) o.chunk(`${at} ${NEW.slice(at, at + 100)}`);
    o.chunk(`0 ${NEW.slice(0, 100)}`); // a late duplicate after the end: no transfer any more
    expect(writes.filter((w) => w.name === STAGE_FILE).every((w) => w.bytes <= 100)).toBe(true);
    // The running bundle's code is text in .bootcde: the boot stub swaps the staged file in.
    expect(writes.filter((w) => w.name === ".bootcde")).toEqual([]);
    expect(fake.store[".bootcde"]).toBe("old bundle");
    expect(fake.store[STAGE_FILE]).toBe(NEW);
    expect(fake.store[PREV_FILE]).toBe("old bundle");
    expect(JSON.parse(fake.store[BOOT_STATE_FILE])).toEqual({
      v: "1.1.0",
      prev: "1.0.0",
      pending: 1,
      tries: 0,
      ms: 30000,
      sha: sha(NEW),
    });
    expect(said.slice(-2)).toEqual(["staged 1.1.0; rebooting", "refused no transfer"]);
    fake.time.advance(600);
    expect(fake.reboots).toHaveLength(1);
  });

  it("answers a repeated or early chunk with where it is, and refuses a bad hash or an oversize chunk", () => {
    const { fake, said, ota: o } = ota();
    o.begin(`OTA 1.1.0 ${NEW.length} ${sha(NEW)}`);
    o.chunk(`100 ${NEW.slice(100, 200)}`);
    expect(said.pop()).toBe("got 0");
    o.chunk(`0 ${NEW.slice(0, 100)}`);
    o.chunk(`0 ${NEW.slice(0, 100)}`);
    expect(said.slice(-2)).toEqual(["got 100", "got 100"]);
    o.chunk(`100 ${"x".repeat(NEW.length)}`);
    expect(said.pop()).toBe("refused too many bytes");
    o.begin(`OTA 1.1.0 ${NEW.length} ${"0".repeat(64)}`);
    o.chunk(`0 ${NEW}`);
    expect(said.pop()).toBe("refused sha256 mismatch");
    expect(fake.store[".bootcde"]).toBe("old bundle");
    expect(fake.store[STAGE_FILE]).toBeUndefined();
  });

  it("refuses malformed manifests and deadlines out of range; confirms or announces a rollback once", () => {
    const { fake, said, ota: o } = ota();
    expect(o.begin("OTA 1.1.0 0 " + "a".repeat(64)).refused).toMatch(/^bad manifest/);
    expect(o.begin("OTA 1.1.0 100 xyz").refused).toBe("bad manifest sha256");
    expect(o.begin(`OTA 1.1.0 100 ${"a".repeat(64)} 1`).refused).toBe("confirm deadline outside 5-900 s");
    fake.store[BOOT_STATE_FILE] = JSON.stringify({ v: "1.0.0", prev: "0.9.0", pending: 1, tries: 1, ms: 9000 });
    o.connected();
    o.connected();
    expect(said).toEqual(["confirmed 1.0.0"]);
    expect(JSON.parse(fake.store[BOOT_STATE_FILE])).toEqual({ v: "1.0.0" });
    fake.store[BOOT_STATE_FILE] = JSON.stringify({ v: "1.0.0", back: "2.0.0" });
    o.connected();
    expect(said.pop()).toBe("rolled back from 2.0.0 to 1.0.0");
  });

  it("refuses a version that is not newer unless the signed manifest says downgrade", () => {
    const { said, ota: o } = ota();
    for (const older of ["0.9.9", "1.0.0", "1.0.0-rc.9", "0.10.0"])
      expect(o.begin(`OTA ${older} ${NEW.length} ${sha(NEW)} 30`)).toEqual({
        refused: `${older} is not newer than 1.0.0`,
      });
    expect(o.begin(`OTA 1.0.0 ${NEW.length} ${sha(NEW)} 30 downgrade`).done).toMatch(/^ota ready for 1\.0\.0/);
    expect(o.begin(`OTA 1.0.10 ${NEW.length} ${sha(NEW)} 30`).done).toMatch(/^ota ready for 1\.0\.10/);
    expect(o.begin(`OTA 1.0.1-rc.1 ${NEW.length} ${sha(NEW)}`).done).toMatch(/^ota ready/);
    expect(o.begin(`OTA 0.9.0 ${NEW.length} ${sha(NEW)} 30 please`).refused).toMatch(/not newer/);
    expect(o.begin(`OTA 2.0 ${NEW.length} ${sha(NEW)} 30`).refused).toMatch(/not newer/);
    expect(said).toEqual([]);
  });

  it("refuses, and does not reboot, when Storage fails while it marks the update", () => {
    const { fake, said, ota: o } = ota();
    const order: string[] = [];
    const write = fake.platform.files.write;
    fake.platform.files.write = (name, data, offset, size) => {
      if (name !== STAGE_FILE) order.push(name);
      if (name === BOOT_STATE_FILE) throw new Error("Storage full");
      write(name, data, offset, size);
    };
    o.begin(`OTA 1.1.0 ${NEW.length} ${sha(NEW)} 30`);
    expect(() => o.chunk(`0 ${NEW}`)).not.toThrow();
    expect(order).toEqual([PREV_FILE, BOOT_STATE_FILE]);
    expect(said.pop()).toBe("refused Storage: Storage full");
    expect(fake.store[STAGE_FILE]).toBeUndefined();
    expect(fake.store[".bootcde"]).toBe("old bundle");
    fake.time.advance(5000);
    expect(fake.reboots).toHaveLength(0);
  });

  it("confirms by itself after half the deadline without an error, network or not", () => {
    const fake = createFakePlatform({
      ".bootcde": "new bundle",
      [BOOT_STATE_FILE]: JSON.stringify({ v: "1.1.0", prev: "1.0.0", pending: 1, tries: 1, ms: 20000 }),
    });
    const said: string[] = [];
    const o = createOta(fake.platform, "1.1.0", (s) => said.push(s));
    o.afterStart();
    fake.time.advance(9999);
    expect(JSON.parse(fake.store[BOOT_STATE_FILE]).pending).toBe(1);
    fake.time.advance(1);
    expect(JSON.parse(fake.store[BOOT_STATE_FILE])).toEqual({ v: "1.1.0", ok: 1 });
    // Said at the next CONNACK, once.
    o.connected();
    o.connected();
    expect(said).toEqual(["confirmed 1.1.0"]);
    expect(JSON.parse(fake.store[BOOT_STATE_FILE])).toEqual({ v: "1.1.0" });
  });

  it("does not confirm by itself after an uncaught error (a TLS handshake error does not count)", () => {
    const fake = createFakePlatform({
      [BOOT_STATE_FILE]: JSON.stringify({ v: "1.1.0", prev: "1.0.0", pending: 1, tries: 1, ms: 20000 }),
    });
    const claimants: ((message: string) => boolean)[] = [];
    fake.platform.network.onUncaught = (c) => void claimants.push(c);
    const o = createOta(fake.platform, "1.1.0", () => undefined);
    o.afterStart();
    expect(claimants.map((c) => c("InternalError: Failed! mbedtls_ssl_handshake returned -0x7780"))).toEqual([false]);
    fake.time.advance(10000);
    expect(JSON.parse(fake.store[BOOT_STATE_FILE])).toEqual({ v: "1.1.0", ok: 1 });
    const again = createFakePlatform({
      [BOOT_STATE_FILE]: JSON.stringify({ v: "1.1.0", prev: "1.0.0", pending: 1, tries: 1, ms: 20000 }),
    });
    const later: ((message: string) => boolean)[] = [];
    again.platform.network.onUncaught = (c) => void later.push(c);
    const p = createOta(again.platform, "1.1.0", () => undefined);
    p.afterStart();
    expect(later.map((c) => c("TypeError: undefined is not a function"))).toEqual([false]);
    again.time.advance(20000);
    expect(JSON.parse(again.store[BOOT_STATE_FILE]).pending).toBe(1);
  });

  it("erases a partial staged file left by a reboot mid-transfer", () => {
    const fake = createFakePlatform({ [STAGE_FILE]: "partial" });
    createOta(fake.platform, "1.0.0", () => undefined);
    expect(fake.store[STAGE_FILE]).toBeUndefined();
  });
});

const PENDING = (tries: number, ms = 60000) => JSON.stringify({ v: "bad", prev: "good", pending: 1, tries, ms });
const STAGED = (hash: string) => JSON.stringify({ v: "new", prev: "old", pending: 1, tries: 0, ms: 60000, sha: hash });

describe("the boot stub (.boot0)", () => {
  it("is plain code Espruino runs (the bundle check finds nothing)", () => {
    expect(checkEspruinoCompatibility(BOOT_STUB)).toEqual([]);
  });

  it("in the simulator: counts boots, restores lk.prev on the third unconfirmed boot before .bootcde runs", async () => {
    const device = new SimulatedDevice({
      storageDir: await mkdtemp(path.join(os.tmpdir(), "latchkey-stub-")),
      wifi: { ssid: "x", password: "y" },
    });
    device.storage.write(BOOT_STUB_FILE, BOOT_STUB);
    device.storage.write(".bootcde", 'print("BAD RUNS")');
    device.storage.write(PREV_FILE, 'print("GOOD RUNS")');
    device.storage.write(BOOT_STATE_FILE, PENDING(1));
    device.boot();
    expect(device.lines).toContain("BAD RUNS");
    expect(JSON.parse(device.storage.read(BOOT_STATE_FILE)!).tries).toBe(2);
    device.reboot();
    expect(device.lines.at(-1)).toBe("GOOD RUNS");
    expect(device.storage.readJSON(BOOT_STATE_FILE)).toEqual({ v: "good", back: "bad" });
    device.powerOff();
  });

  it("in the simulator: swaps a staged update in at its first boot, before .bootcde runs, only with the manifest's SHA-256", async () => {
    const device = new SimulatedDevice({
      storageDir: await mkdtemp(path.join(os.tmpdir(), "latchkey-stub-")),
      wifi: { ssid: "x", password: "y" },
    });
    const staged = 'print("NEW RUNS")';
    device.storage.write(BOOT_STUB_FILE, BOOT_STUB);
    device.storage.write(".bootcde", 'print("OLD RUNS")');
    device.storage.write(PREV_FILE, 'print("OLD RUNS")');
    // A staged file changed after the check (a transfer begun in the reboot's last half second).
    device.storage.write(STAGE_FILE, staged + " ");
    device.storage.write(BOOT_STATE_FILE, STAGED(sha(staged)));
    device.boot();
    expect(device.lines.at(-1)).toBe("OLD RUNS");
    device.storage.write(STAGE_FILE, staged);
    device.storage.write(BOOT_STATE_FILE, STAGED(sha(staged)));
    device.reboot();
    expect(device.lines.at(-1)).toBe("NEW RUNS");
    expect(device.storage.read(".bootcde")).toBe(staged);
    expect(JSON.parse(device.storage.read(BOOT_STATE_FILE)!).tries).toBe(1);
    // Only at the first boot: a later one leaves .bootcde alone.
    device.storage.write(STAGE_FILE, 'print("LATER")');
    device.reboot();
    expect(device.lines.at(-1)).toBe("NEW RUNS");
    device.powerOff();
  });

  it.skipIf(espruinoMissing())(
    "in Espruino: .boot0 swaps a staged update in before .bootcde is read",
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-stub-swap-"));
      const S = (name: string, data: string) =>
        `require("Storage").write(${JSON.stringify(name)},${JSON.stringify(data)});`;
      const staged = 'print("NEW RUNS");';
      await writeFile(
        path.join(dir, "setup.js"),
        [
          S(BOOT_STUB_FILE, BOOT_STUB),
          S(".bootcde", 'print("OLD RUNS");'),
          S(PREV_FILE, 'print("OLD RUNS");'),
          S(STAGE_FILE, staged),
          S(BOOT_STATE_FILE, STAGED(sha(staged))),
          "load();",
        ].join("\n"),
      );
      const run = spawnSync(ESPRUINO!, ["setup.js"], { cwd: dir, timeout: 3000, encoding: "latin1" });
      expect(run.stdout).toContain("NEW RUNS");
      expect(run.stdout).not.toContain("OLD RUNS");
    },
    20000,
  );

  it.skipIf(espruinoMissing())(
    "in Espruino: an error thrown in a timer reaches the uncaughtException listener, and later timers run",
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-uncaught-"));
      await writeFile(
        path.join(dir, "uncaught.js"),
        [
          "var seen=[];",
          'process.on("uncaughtException",function(e){seen.push(""+e);});',
          'setTimeout(function(){throw new Error("in a timer");},10);',
          'setTimeout(function(){print("SEEN "+JSON.stringify(seen));},200);',
        ].join("\n"),
      );
      const run = spawnSync(ESPRUINO!, ["uncaught.js"], { cwd: dir, timeout: 8000, encoding: "latin1" });
      expect(run.stdout).toContain('SEEN ["Error: in a timer"]');
    },
    20000,
  );

  it.skipIf(espruinoMissing())(
    "in Espruino: a bundle that throws at boot is restored at the deadline",
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-stub-real-"));
      const S = (name: string, data: string) =>
        `require("Storage").write(${JSON.stringify(name)},${JSON.stringify(data)});`;
      const setup = [
        S(BOOT_STUB_FILE, BOOT_STUB),
        S(".bootcde", 'throw new Error("BAD THROWS");'),
        S(PREV_FILE, 'print("GOOD RUNS");'),
        S(BOOT_STATE_FILE, PENDING(0, 1500)),
        "load();",
      ].join("\n");
      await writeFile(path.join(dir, "setup.js"), setup);
      const first = spawnSync(ESPRUINO!, ["setup.js"], { cwd: dir, timeout: 8000, encoding: "latin1" });
      expect(first.stdout).toContain("BAD THROWS");
      const after = spawnSync(
        ESPRUINO!,
        ["-e", 'print("STATE "+JSON.stringify(require("Storage").readJSON("lk.boot")))'],
        {
          cwd: dir,
          timeout: 8000,
          encoding: "latin1",
        },
      );
      expect(after.stdout).toContain('STATE {"v":"good","back":"bad"}');
      expect(after.stdout).toContain("GOOD RUNS");
    },
    20000,
  );
});
