// The simulator's devices take turns for the TLS handshake (scripts/sim/tls.ts): a connect
// waiting for its turn keeps what the device wrote and sends it once connected, and one whose
// boot ended while it waited never reaches the network.
import { rm } from "node:fs/promises";
import net from "node:net";
import tls from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import { makeTestPki, type TestPki } from "../support/pki.ts";
import { derMaterial, simTlsModule } from "../support/sim-tls.ts";
import { until } from "../support/wait.ts";

let pki: TestPki | undefined;
const servers: net.Server[] = [];
afterAll(async () => {
  for (const server of servers) server.close();
  if (pki) await rm(pki.stateDir, { recursive: true, force: true });
});

const listen = (server: net.Server) =>
  new Promise<number>((resolve) => {
    servers.push(server);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
  });

describe("TLS handshakes in turn", () => {
  it("passes a turn on when the device gives up, sends what a waiting connect wrote, and drops one whose boot ended", async () => {
    pki = await makeTestPki();
    await pki.issue("device", "d1");
    const device = pki.credentials("device", "d1");
    const broker = pki.credentials("broker", "broker");
    const material = derMaterial(device);
    // A broker that takes TCP and never answers the handshake: each connect to it holds a turn.
    const held: net.Socket[] = [];
    const silent = await listen(net.createServer((s) => held.push(s)));
    // A broker that completes the handshake and records what it hears and from how many.
    let connections = 0;
    let heard = "";
    const answering = await listen(
      tls.createServer({ cert: broker.cert, key: broker.key, maxVersion: "TLSv1.2" }, (s) => {
        connections++;
        s.on("data", (d: Buffer) => (heard += d.toString("latin1")));
      }),
    );
    const moduleFor = (alive: () => boolean) => simTlsModule({ alive });
    const live = moduleFor(() => true);
    let bootAlive = true;
    const ended = moduleFor(() => bootAlive);
    const holding = Array.from({ length: 4 }, () => live.connect({ host: "127.0.0.1", port: silent, ...material }));
    await until("four handshakes holding their turns", () => held.length === 4);
    // Two more wait: one of a boot that then ends, then one of a live boot that writes at once.
    ended.connect({ host: "127.0.0.1", port: answering, ...material }).write("gone");
    bootAlive = false;
    const waiting = live.connect({ host: "127.0.0.1", port: answering, ...material });
    waiting.write("CONNECT");
    // The device gives up on one (its CONNACK timeout): the broker never closes its side, yet
    // the turn passes on.
    holding[0]!.end();
    await until("the live boot's connect heard", () => heard === "CONNECT");
    expect(connections).toBe(1);
    waiting.end();
    for (const s of held) s.destroy();
  });
});
