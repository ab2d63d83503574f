// A fleet on this machine: its own CA in a temporary folder, N device identities issued in
// bulk, the project's broker (Mosquitto, or the embedded one) with its queues sized for them,
// or a RabbitMQ cluster (each device on one node, the others its failover brokers), and N
// simulated ESP32s in this process, each running the real built bundle with its own
// certificate and command key (a plain switch: examples/plain-switch.json under each id).
// `npm run fleet` (scripts/fleet/cli.ts) and `npm run bench -- --fleet` (scripts/bench/fleet.ts)
// use it. Limit: the simulator blocks its process for `handshakeMs` per TLS handshake
// (scripts/sim/tls.ts models Espruino's synchronous handshake with Atomics.wait), so N
// connects take at least N x handshakeMs; the fleet uses 0 unless told.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildFirmware } from "../../build/build.ts";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { freePort } from "../broker/mosquitto.ts";
import type { RabbitCluster } from "../broker/rabbitmq.ts";
import { consecutiveFreePorts, startRabbitBroker } from "../broker/rabbitmq-start.ts";
import { retainedPerDevice } from "../broker/sizing.ts";
import { startBroker } from "../broker/start.ts";
import { loadProfile } from "../lib/profiles.ts";
import { loadConfig } from "../lib/config.ts";
import { deviceStorageFiles } from "../lib/provision.ts";
import { bulkNames } from "../ca/bulk.ts";
import { initCa, issue, issueDevices, type PkiContext } from "../ca/commands.ts";
import { PkiStore } from "../lib/pki-store.ts";
import { SimulatedDevice } from "../sim/device.ts";

const root = path.resolve(import.meta.dirname, "../..");
const WIFI = { ssid: "latchkey-fleet", password: "fleet password 1" };
export const PREFIX = "latchkey";

export interface FleetOptions {
  devices: number;
  broker: "mosquitto" | "embedded" | "rabbitmq";
  /** RabbitMQ: how many nodes (default 3). */
  nodes?: number;
  handshakeMs?: number;
  log?: (line: string) => void;
}

export interface Fleet {
  stateDir: string;
  names: string[];
  profiles: DeviceProfile[];
  broker: FleetBroker;
  devices: SimulatedDevice[];
  /** This process's resident memory (MiB) just before the devices booted. */
  bootRss: number;
  /** Seconds spent issuing the identities. */
  issueSeconds: number;
  connected(): number;
  /** Every time (ms since the epoch) a device said "MQTT connected", in order. */
  connects: number[];
  /** Every "MQTT down" a device said, in order: when, why, and the retry it chose (ms; -1 none). */
  downs: Down[];
  restartBroker(): Promise<void>;
  stop(): Promise<void>;
}

export interface Down {
  id: string;
  at: number;
  reason: string;
  retryMs: number;
}

/** "MQTT down: <reason>; retry in <s> s" (firmware/app/device.ts) as a Down. */
function parseDown(id: string, line: string): Down {
  const text = line.slice(line.indexOf("MQTT down: ") + 11);
  const match = /^(.*); retry in ([\d.]+) s$/.exec(text);
  return match
    ? { id, at: Date.now(), reason: match[1]!, retryMs: Number(match[2]) * 1000 }
    : { id, at: Date.now(), reason: text, retryMs: -1 };
}

/** The fleet's broker: where the hub connects, the processes it runs in, how to stop it. */
export interface FleetBroker {
  kind: "mosquitto" | "embedded" | "rabbitmq";
  host: string;
  port: number;
  /** The cluster's other nodes, in order (none for one broker). */
  failover: { host: string; port: number }[];
  /** RabbitMQ: the cluster (to kill a node and start it again). */
  cluster?: RabbitCluster;
  /** Its resident memory (MiB; every node of a cluster). */
  rss(): number | undefined;
  stop(): Promise<void>;
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const log = options.log ?? (() => undefined);
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "latchkey-fleet-"));
  const ctx: PkiContext = { store: new PkiStore(stateDir), log: () => undefined };
  await initCa(ctx);
  await issue(ctx, "broker", "broker");
  await issue(ctx, "hub", "hub");
  const names = bulkNames("fleet-", options.devices);
  const issued = Date.now();
  await issueDevices(ctx, names);
  const issueSeconds = (Date.now() - issued) / 1000;
  log(`${names.length} identities issued in ${issueSeconds.toFixed(1)} s`);
  const config = loadConfig(path.join(root, "espruino.config.json"));
  const template = loadProfile(path.join(root, "examples", "plain-switch.json"), config);
  const nodes = options.broker === "rabbitmq" ? (options.nodes ?? 3) : 1;
  const port = nodes > 1 ? await consecutiveFreePorts(nodes) : await freePort();
  const addresses = Array.from({ length: nodes }, (_, i) => ({ host: "127.0.0.1", port: port + i }));
  // Device i connects to node i mod n first; the other nodes follow as its failover brokers.
  const profiles = names.map((id, i) => {
    const order = addresses.map((_, j) => addresses[(i + j) % nodes]!);
    return { ...template, id, broker: order[0]!, ...(nodes > 1 ? { failover: order.slice(1) } : {}) };
  });
  const start = async (): Promise<FleetBroker> => {
    if (options.broker === "rabbitmq") {
      // The guard apart, as on real hosts: this process is busy with every device and the hub.
      const rabbit = await startRabbitBroker({
        stateDir,
        prefix: PREFIX,
        host: "127.0.0.1",
        port,
        nodes,
        guardProcess: true,
      });
      const cluster = rabbit.cluster;
      return {
        kind: "rabbitmq",
        ...addresses[0]!,
        failover: addresses.slice(1),
        cluster,
        rss: () => cluster.pids().reduce((sum, pid) => sum + (rssMiB(pid) ?? 0), 0),
        stop: rabbit.stop,
      };
    }
    const one = await startBroker({
      stateDir,
      prefix: PREFIX,
      host: "127.0.0.1",
      port,
      embedded: options.broker === "embedded",
      retainedPerDevice: retainedPerDevice([template]),
    });
    return { kind: one.kind, host: one.host, port, failover: [], rss: () => rssMiB(one.pid), stop: one.stop };
  };
  // A broker that does not start leaves no CA behind.
  let broker = await start().catch(async (error: unknown) => {
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  });
  log(`${broker.kind} on 127.0.0.1:${addresses.map((a) => a.port).join(", ")}`);
  const built = await buildFirmware({
    root,
    version: "0.0.0-fleet",
    sizeBudgetBytes: 1 << 20,
    outFile: path.join(stateDir, "latchkey.js"),
  });
  const bundle = readFileSync(built.outFile, "utf8");
  const up = new Set<string>();
  const connects: number[] = [];
  const downs: Down[] = [];
  const devices: SimulatedDevice[] = [];
  for (const profile of profiles) {
    const storageDir = await mkdtemp(path.join(stateDir, "storage-"));
    const device = new SimulatedDevice({
      storageDir,
      wifi: WIFI,
      handshakeMs: options.handshakeMs ?? 0,
      output: (line) => {
        if (line.includes("MQTT connected")) {
          up.add(profile.id);
          connects.push(Date.now());
        } else if (line.includes("MQTT down")) {
          up.delete(profile.id);
          downs.push(parseDown(profile.id, line));
        }
      },
    });
    for (const [name, data] of Object.entries(deviceStorageFiles(profile, stateDir, WIFI, bundle)))
      device.storage.write(name, data);
    devices.push(device);
  }
  const bootRss = rssMiB(process.pid) ?? 0;
  for (const device of devices) device.boot();
  return {
    stateDir,
    names,
    profiles,
    get broker() {
      return broker;
    },
    devices,
    issueSeconds,
    bootRss,
    connected: () => up.size,
    connects,
    downs,
    restartBroker: async () => {
      await broker.stop();
      broker = await start();
    },
    stop: async () => {
      for (const device of devices) device.powerOff();
      await broker.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Resident memory of a process, from /proc (Linux), in MiB. */
export function rssMiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
