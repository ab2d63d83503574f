// A broker that closes in the middle of the handshake, as the simulated socket reports it: the
// same events as a refused handshake, in the order Espruino 2v29's Linux build gave them
// (docs/espruino.md, TLS): 'connect', 'error' {code:-8} (CONNECT was written), 'end',
// 'close(true)', and the uncaught "mbedtls_ssl_handshake returned -0x1".
import { rm } from "node:fs/promises";
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { makeTestPki, type TestPki } from "../support/pki.ts";
import { derMaterial, simTlsModule } from "../support/sim-tls.ts";
import { until } from "../support/wait.ts";

let pki: TestPki | undefined;
let server: net.Server | undefined;
afterAll(async () => {
  server?.close();
  if (pki) await rm(pki.stateDir, { recursive: true, force: true });
});

describe("a handshake cut by the broker", () => {
  it("ends as a refused one: unsent data, end, close(true), and the uncaught handshake error", async () => {
    pki = await makeTestPki();
    await pki.issue("device", "d1");
    const device = pki.credentials("device", "d1");
    // Reads the ClientHello, then closes: a broker stopping mid-handshake.
    server = net.createServer((s) => s.once("data", () => s.destroy()));
    const port = await new Promise<number>((resolve) =>
      server!.listen(0, "127.0.0.1", () => resolve((server!.address() as net.AddressInfo).port)),
    );
    const events: string[] = [];
    const raised: string[] = [];
    const module = simTlsModule({ raise: (e) => raised.push(e.message) });
    const socket = module.connect({ host: "127.0.0.1", port, ...derMaterial(device) });
    for (const name of ["connect", "error", "end", "close"])
      socket.on(name, (value?: unknown) =>
        events.push(value === undefined ? name : `${name} ${JSON.stringify(value)}`),
      );
    socket.write("CONNECT");
    await until("the close", () => events.some((e) => e.startsWith("close")));
    expect(events).toEqual(["connect", 'error {"code":-8,"message":"unsent data"}', "end", "close true"]);
    expect(raised).toEqual([expect.stringMatching(/^mbedtls_ssl_handshake returned -0x/)]);
  });
});
