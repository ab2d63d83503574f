// A broker that closes in the middle of the handshake, on Espruino's own interpreter: the
// events the simulator reports for it (test/sim/tls-cut.test.ts) are the interpreter's, in the
// same order; so the device cannot tell the cut from a refusal (net/tls-transport.ts).
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ESPRUINO, espruinoMissing } from "../support/espruino.ts";

const dirs: string[] = [];
let server: net.Server | undefined;
afterAll(async () => {
  server?.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe.skipIf(espruinoMissing())("a handshake cut by the broker, on Espruino's interpreter", () => {
  it("ends as a refused one: unsent data, end, close(true), then the uncaught handshake error", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "latchkey-espruino-tls-cut-"));
    dirs.push(dir);
    // Reads the ClientHello, then closes: a broker stopping mid-handshake.
    server = net.createServer((s) => s.once("data", () => s.destroy()));
    const port = await new Promise<number>((resolve) =>
      server!.listen(0, "127.0.0.1", () => resolve((server!.address() as net.AddressInfo).port)),
    );
    const script = path.join(dir, "cut.js");
    await writeFile(
      script,
      `process.on("uncaughtException", function (e) { print("EV uncaught " + e.message); });
var s = require("tls").connect({ host: "127.0.0.1", port: ${port} });
s.on("connect", function () { print("EV connect"); });
s.on("error", function (e) { print("EV error " + JSON.stringify(e)); });
s.on("end", function () { print("EV end"); });
s.on("close", function (h) { print("EV close " + h); });
s.write("CONNECT");
`,
    );
    const run = promisify(execFile)(ESPRUINO!, [script], { cwd: dir, timeout: 30_000 });
    // Stdin closed: the interpreter leaves its REPL once nothing is left to run.
    run.child.stdin?.end();
    const events = (await run).stdout
      .split("\n")
      .filter((l) => l.includes("EV "))
      .map((l) => l.slice(l.indexOf("EV ") + 3).trim());
    expect(events).toEqual([
      "connect",
      'error {"code":-8,"message":"unsent data"}',
      "end",
      "close true",
      expect.stringMatching(/^uncaught mbedtls_ssl_handshake returned -0x/),
    ]);
  }, 60_000);
});
