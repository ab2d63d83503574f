// The simulated device's telnet console, driven by the REAL Espruino CLI (npm `espruino`) and by
// raw bytes recorded from Espruino 2v29's own console (scripts/sim/console.ts).
import { mkdtemp, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cliPath, runCli } from "../../scripts/lib/espruino-cli.ts";
import { SimulatedDevice } from "../../scripts/sim/device.ts";
import { until } from "../support/wait.ts";

const BOARD = path.resolve(import.meta.dirname, "../../scripts/flash/ESP32.json");
const cli = cliPath()!;
const devices: SimulatedDevice[] = [];
afterEach(() => devices.splice(0).forEach((d) => d.powerOff()));

async function device(files: Record<string, string> = {}): Promise<SimulatedDevice> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-console-"));
  const d = new SimulatedDevice({ storageDir: dir, wifi: { ssid: "x", password: "y" }, console: true });
  d.storage.write("lk.secret", "shh");
  for (const [name, data] of Object.entries(files)) d.storage.write(name, data);
  devices.push(d);
  d.boot();
  return d;
}

/** Raw telnet: send each step, wait for the console to go quiet, return all it sent. */
async function raw(port: number, steps: string[]): Promise<string> {
  const socket = net.connect(port, "127.0.0.1");
  let got = "";
  socket.on("data", (d) => (got += d.toString("latin1")));
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  for (const step of steps) {
    socket.write(step);
    await new Promise((r) => setTimeout(r, 150));
  }
  socket.destroy();
  return got;
}

describe("console bytes as Espruino 2v29 sends them", () => {
  it("prompts, echoes, prints =result, continues open brackets with ':', runs DLE lines silently", async () => {
    const d = await device();
    const got = await raw(await d.consoles.port(), [
      "1+2\n",
      "function f(){\n",
      "return 5}\n",
      "f()\n",
      "\x10var q=7\n",
      "q\n",
    ]);
    expect(got).toBe(
      ">1+2\r\n=3\r\n>function f(){\r\n:return 5}\r\n=function () { ... }\r\n>f()\r\n=5\r\n>q\r\n=7\r\n>",
    );
  });

  it("answers the CLI's first newline with a prompt and its process.env query between << >>", async () => {
    const d = await device();
    const got = await raw(await d.consoles.port(), [
      "\n",
      '\x10print("<","<<",JSON.stringify(process.env),">>",">")\n',
    ]);
    expect(got.startsWith(">\r\n>")).toBe(true);
    expect(got).toContain('< << {"VERSION":"2v29","BOARD":"ESP32"} >> >');
  });

  it("reset() clears the program and does not run .bootcde; load() runs it; telnet off closes the port", async () => {
    const d = await device({
      ".bootcde": 'var booted = (typeof booted === "number" ? booted : 0) + 1; print("bundle ran");',
    });
    const port = await d.consoles.port();
    expect(await raw(port, ["booted\n"])).toContain("=1");
    const afterReset = await raw(port, ["reset()\n", "typeof booted\n"]);
    expect(afterReset).toContain("espruino.com");
    expect(afterReset).toContain('="undefined"');
    expect(afterReset).not.toContain("bundle ran");
    expect(await raw(port, ["load()\n", "booted\n"])).toContain("bundle ran");
    await raw(port, ['require("TelnetServer").setOptions({mode:"off"})\n']);
    await expect(raw(port, ["1\n"])).rejects.toThrow(/ECONNREFUSED/);
  });

  it("a locked console (E.setPassword + E.lockConsole) runs no line until the password comes", async () => {
    const d = await device();
    const port = await d.consoles.port();
    await raw(port, ['E.setPassword("sesame");E.lockConsole()\n']);
    expect(d.consoles.locked).toBe(true);
    await raw(port, ['require("Storage").write("lk.x","pwned")\n', "sesame\n"]);
    expect(d.storage.read("lk.x")).toBeUndefined();
    expect(d.consoles.locked).toBe(false);
    expect(await raw(port, ["6*7\n"])).toContain("=42");
  });

  // Espruino 2v29 (test/espruino/console.test.ts shows the same on the interpreter): the lock
  // is one flag and the telnet server hands the console to the newest client, so once the
  // password was typed, a second client runs code without it, while the first is connected.
  // A simulator kinder than that would hide the attack the firmware's own console closes.
  it("no kinder than Espruino: after one client unlocked, a new client takes over the console with no password", async () => {
    const d = await device();
    const port = await d.consoles.port();
    await raw(port, ['E.setPassword("sesame");E.lockConsole()\n']);
    const first = net.connect(port, "127.0.0.1");
    let firstClosed = false;
    first.on("close", () => (firstClosed = true));
    first.resume();
    await new Promise((resolve) => first.once("connect", resolve));
    first.write("sesame\n");
    await new Promise((r) => setTimeout(r, 150));
    expect(d.consoles.locked).toBe(false);
    expect(await raw(port, ['E.getConsole()+require("Storage").read("lk.secret")\n'])).toContain('="Telnetshh"');
    await until("the first client dropped", () => firstClosed);
    first.destroy();
  });

  it('the loopback console: E.setConsole("LoopbackA") takes input written to LoopbackB and prints to its listeners', async () => {
    const d = await device({
      ".bootcde":
        'var out="";LoopbackB.on("data",function(t){out+=t;require("Storage").write("lk.out",out);});' +
        'E.setConsole("LoopbackA",{force:true});LoopbackB.write("E.getConsole()+6*7\\n");',
    });
    await until("the answer", () => (d.storage.read("lk.out") ?? "").includes('="LoopbackA42"'));
    expect(d.storage.read("lk.out")).toMatch(/^<- Serial1\r\n/);
  });
});

describe("the real Espruino CLI over tcp://", () => {
  it("evaluates -e in the device's context and writes --storage files byte for byte", async () => {
    const d = await device();
    const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-cli-"));
    const blob = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) & 255));
    await writeFile(path.join(dir, "blob.bin"), blob);
    const port = await d.consoles.port();
    const run = await runCli(
      cli,
      [
        "--no-ble",
        "--board",
        BOARD,
        "-p",
        `tcp://127.0.0.1:${port}`,
        "--storage",
        `lk.blob:${path.join(dir, "blob.bin")}`,
        "-e",
        'print("LEN"+require("Storage").read("lk.blob").length)',
      ],
      { timeoutMs: 30000, until: (lines) => lines.some((l) => l.includes("LEN")) },
    );
    expect(run.device).toContain("LEN1000");
    expect(Buffer.from(d.storage.read("lk.blob")!, "latin1").equals(blob)).toBe(true);
  }, 40000);
});
