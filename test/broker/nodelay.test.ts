// No Nagle delay on the broker's side: the generated Mosquitto configuration says
// set_tcp_nodelay true (and Mosquitto accepts it), and the embedded broker turns Nagle off on
// every socket it accepts. The time it saves is measured by `npm run bench` (state echo).
import net from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { freePort, runMosquitto } from "../../scripts/broker/mosquitto.ts";
import { writeBrokerPolicy } from "../../scripts/broker/policy.ts";
import { mosquittoUserProblem } from "../../scripts/broker/run-as.ts";
import { startBroker, type RunningBroker } from "../../scripts/broker/start.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
  await pki.issue("hub", "hub");
});

describe("set_tcp_nodelay", () => {
  // A root without a `mosquitto` user (no Mosquitto package) gets no Mosquitto configuration:
  // Mosquitto never runs as root (scripts/broker/run-as.ts).
  it.skipIf(mosquittoUserProblem() !== undefined)("is in the generated Mosquitto configuration", async () => {
    const files = await writeBrokerPolicy(
      pki.stateDir,
      "latchkey",
      { host: "127.0.0.1", port: await freePort() },
      { embedded: false },
    );
    expect(readFileSync(files.conf, "utf8").split("\n")).toContain("set_tcp_nodelay true");
  });

  it.skipIf(mosquittoMissing())("is accepted by the installed Mosquitto", async () => {
    const port = await freePort();
    const files = await writeBrokerPolicy(pki.stateDir, "latchkey", { host: "127.0.0.1", port });
    const broker = await runMosquitto(files.conf, "127.0.0.1", port);
    try {
      const client = await connectTls(port, pki.credentials("hub", "hub"));
      expect(client.connected).toBe(true);
      client.end(true);
    } finally {
      await broker.stop();
    }
  });
});

describe("the embedded broker", () => {
  let broker: RunningBroker | undefined;
  afterAll(async () => broker?.stop());

  it("turns Nagle off on the socket of every client it accepts", async () => {
    const calls: { port: number | undefined; on: boolean | undefined }[] = [];
    const original = net.Socket.prototype.setNoDelay;
    const spy = vi.spyOn(net.Socket.prototype, "setNoDelay").mockImplementation(function (this: net.Socket, on) {
      calls.push({ port: this.remotePort, on });
      return original.call(this, on);
    });
    try {
      const port = await freePort();
      broker = await startBroker({
        stateDir: pki.stateDir,
        prefix: "latchkey",
        host: "127.0.0.1",
        port,
        embedded: true,
      });
      const client = await connectTls(port, pki.credentials("hub", "hub"));
      const local = (client.stream as net.Socket).localPort;
      client.end(true);
      expect(calls).toContainEqual({ port: local, on: true });
    } finally {
      spy.mockRestore();
    }
  });
});
