// `npm run bench -- --fleet`: a fleet at each size (BENCH_FLEET_SIZES, default 100,250,500) on
// Mosquitto (BENCH_FLEET_BROKER=embedded for aedes): identities issued, all connected, the hub
// showing all online, signed commands through the hub (one per device, all at once: rate and
// p50/p99), a reconnect storm after a broker restart (until every device is back: duration,
// reconnects per second peak/mean; on RabbitMQ, BENCH_FLEET_BROKER=rabbitmq, a node killed
// and started again instead: bench/fleet-rabbitmq.ts), and memory (this process per device;
// the hub's share; the broker). Figures only, never asserted. The machine's load average is
// printed beside them.
import os from "node:os";
import { startHub, type Hub } from "../hub/hub.ts";
import { rssMiB, startFleet, type Down, type Fleet } from "../fleet/fleet.ts";
import { nodeKilledAndRestarted } from "./fleet-rabbitmq.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`);
    await wait(20);
  }
  return (Date.now() - start) / 1000;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/** The reconnects after `from`: the storm's duration (from `from`), and reconnects per whole
 *  second over the window from the first reconnect to the last, peak and mean. */
function storm(connects: number[], from: number): { seconds: number; peak: number; mean: number } {
  const after = connects.filter((t) => t >= from);
  const first = Math.min(...after);
  const times = after.map((t) => t - first);
  const last = Math.max(...times);
  const bins = new Array<number>(Math.floor(last / 1000) + 1).fill(0);
  for (const t of times) bins[Math.floor(t / 1000)]!++;
  return { seconds: (Math.max(...after) - from) / 1000, peak: Math.max(...bins), mean: times.length / bins.length };
}

/** What the devices' failed attempts after `from` were: attempts per device (most, and how
 *  many devices needed more than one), each reason (numbers as N) with its count, and the
 *  longest retry chosen. */
function linkLosses(downs: Down[], from: number): string {
  const after = downs.filter((d) => d.at >= from);
  const perDevice = new Map<string, number>();
  const reasons = new Map<string, number>();
  for (const d of after) {
    perDevice.set(d.id, (perDevice.get(d.id) ?? 0) + 1);
    const reason = d.reason.replace(/-?0x[\da-f]+|\d+(\.\d+)?/gi, "N");
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const most = Math.max(0, ...perDevice.values());
  const again = [...perDevice.values()].filter((n) => n > 1).length;
  const longest = Math.max(0, ...after.map((d) => d.retryMs));
  const listed = [...reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} x ${r}`);
  return `links lost ${after.length} (at most ${most} per device, ${again} devices more than once; longest retry ${(longest / 1000).toFixed(1)} s): ${listed.join("; ")}`;
}

async function one(size: number, broker: "mosquitto" | "embedded" | "rabbitmq"): Promise<string> {
  const fleet: Fleet = await startFleet({ devices: size, broker });
  let hub: Hub | undefined;
  try {
    const connected = await until("all connected", () => fleet.connected() === size, 600000);
    const deviceRss = ((rssMiB(process.pid) ?? 0) - fleet.bootRss) / size;
    const beforeHub = rssMiB(process.pid) ?? 0;
    const hubStart = Date.now();
    const started = await startHub({
      stateDir: fleet.stateDir,
      profiles: fleet.profiles,
      broker: { host: "127.0.0.1", port: fleet.broker.port },
      failover: fleet.broker.failover,
      web: { host: "127.0.0.1", port: 0 },
      version: "bench",
      commandTimeoutMs: 30000,
      confirmEveryMs: 3600000,
    });
    hub = started;
    const online = () => fleet.names.every((id) => started.states.view(id)?.availability === "online");
    await until("the hub showing all online", online, 600000);
    const hubOnline = (Date.now() - hubStart) / 1000;
    const latencies: number[] = [];
    const commandsStart = Date.now();
    const outcomes = await Promise.all(
      fleet.names.map(async (device) => {
        const t = Date.now();
        const outcome = await started.commander.command({
          who: "bench",
          via: "web",
          device,
          entity: "relay",
          cmd: "ON",
        });
        latencies.push(Date.now() - t);
        return outcome.accepted;
      }),
    );
    const commandSeconds = (Date.now() - commandsStart) / 1000;
    latencies.sort((a, b) => a - b);
    const accepted = outcomes.filter(Boolean).length;
    const hubRss = (rssMiB(process.pid) ?? 0) - beforeHub;
    const brokerRss = fleet.broker.rss();
    const figures = [
      `${size} devices (${broker}), load average ${os.loadavg()[0]!.toFixed(1)}:`,
      `  identities issued ${fleet.issueSeconds.toFixed(1)} s; all connected ${connected.toFixed(1)} s; hub all online ${hubOnline.toFixed(2)} s`,
      `  commands through the hub: ${accepted}/${size} accepted, ${(size / commandSeconds).toFixed(0)}/s, p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms`,
    ];
    const memory = `  memory: ${deviceRss.toFixed(2)} MiB per simulated device; hub +${hubRss.toFixed(0)} MiB; broker ${brokerRss?.toFixed(0) ?? "?"} MiB`;
    if (fleet.broker.cluster) {
      const lines = await nodeKilledAndRestarted(fleet, started, {
        until,
        storm,
        losses: (from) => linkLosses(fleet.downs, from),
      });
      return [...figures, memory, ...lines, `  load average ${os.loadavg()[0]!.toFixed(1)} at the end`].join("\n");
    }
    const restarted = Date.now();
    await fleet.restartBroker();
    await until("every device down", () => fleet.connected() < size, 60000).catch(() => 0);
    await until("every device back", () => fleet.connected() === size, 600000);
    const s = storm(fleet.connects, restarted);
    await until("the hub showing all online again", online, 600000).catch(() => 0);
    return [
      ...figures,
      `  reconnect storm after a broker restart: ${s.seconds.toFixed(1)} s, reconnects per second peak ${s.peak} / mean ${s.mean.toFixed(1)} (${(s.peak / s.mean).toFixed(1)}x)`,
      `    ${linkLosses(fleet.downs, restarted)}`,
      memory,
    ].join("\n");
  } finally {
    await hub?.stop();
    await fleet.stop();
  }
}

export async function fleetFigures(): Promise<void> {
  const sizes = (process.env.BENCH_FLEET_SIZES ?? "100,250,500").split(",").map(Number);
  const chosen = process.env.BENCH_FLEET_BROKER;
  const broker = chosen === "embedded" || chosen === "rabbitmq" ? chosen : "mosquitto";
  for (const size of sizes) console.log(await one(size, broker));
}
