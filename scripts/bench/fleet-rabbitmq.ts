// `npm run bench -- --fleet` on RabbitMQ (BENCH_FLEET_BROKER=rabbitmq): while the hub (on node
// 1) and every device are up, node 2 of the cluster is killed (SIGKILL, as in a crash): how
// long until every device is back (each tries its failover nodes), and the reconnect rate's
// peak and mean over that window. Then node 2 is started again: whether anything broke
// (a device's link lost, a device not shown online, a command through the hub refused).
// Figures only, never asserted.
import type { Fleet } from "../fleet/fleet.ts";
import type { Hub } from "../hub/hub.ts";

export interface BenchTools {
  until(what: string, check: () => boolean, timeoutMs: number): Promise<number>;
  storm(connects: number[], from: number): { seconds: number; peak: number; mean: number };
  /** The devices' failed attempts after `from`, in one line. */
  losses(from: number): string;
}

/** Reconnects in each whole second after `from`. */
function perSecond(connects: number[], from: number): number[] {
  const bins: number[] = [];
  for (const t of connects.filter((c) => c >= from)) {
    const i = Math.floor((t - from) / 1000);
    while (bins.length <= i) bins.push(0);
    bins[i]!++;
  }
  return bins;
}

const KILLED = 1;

export async function nodeKilledAndRestarted(fleet: Fleet, hub: Hub, tools: BenchTools): Promise<string[]> {
  const cluster = fleet.broker.cluster!;
  const size = fleet.names.length;
  const online = () => fleet.names.filter((id) => hub.states.view(id)?.availability === "online").length;
  const onNode = fleet.profiles.filter((p) => p.broker.port === cluster.nodes[KILLED]!.mqttPort).length;
  const killed = Date.now();
  await cluster.killNode(KILLED);
  await tools.until("a device down", () => fleet.connected() < size, 60000).catch(() => 0);
  await tools.until("every device back", () => fleet.connected() === size, 600000);
  const s = tools.storm(fleet.connects, killed);
  await tools.until("the hub showing all online again", () => online() === size, 600000).catch(() => 0);
  const backOnline = (Date.now() - killed) / 1000;

  // The node started again: it rejoins; no device should lose its link or move.
  const connectsBefore = fleet.connects.length;
  let fewest = fleet.connected();
  const watch = setInterval(() => (fewest = Math.min(fewest, fleet.connected())), 20);
  const restarting = Date.now();
  await cluster.startNode(KILLED);
  const rejoined = (Date.now() - restarting) / 1000;
  await new Promise((r) => setTimeout(r, 5000));
  const outcomes = await Promise.all(
    fleet.names.map((device) =>
      hub.commander
        .command({ who: "bench", via: "web", device, entity: "relay", cmd: "OFF" })
        .then((outcome) => outcome.accepted),
    ),
  );
  clearInterval(watch);
  return [
    `  ${cluster.nodes[KILLED]!.name} killed (${onNode} devices on it): every device back in ${s.seconds.toFixed(1)} s, reconnects per second peak ${s.peak} / mean ${s.mean.toFixed(1)} (${(s.peak / s.mean).toFixed(1)}x); the hub showing all online after ${backOnline.toFixed(1)} s`,
    `    reconnects in each second after the kill: ${perSecond(fleet.connects, killed).join(" ")}`,
    `    ${tools.losses(killed)}`,
    `  started again: rejoined in ${rejoined.toFixed(1)} s; then ${fleet.connects.length - connectsBefore} reconnects, fewest connected ${fewest} of ${size}, hub online ${online()} of ${size}, commands through the hub ${outcomes.filter(Boolean).length}/${size} accepted`,
  ];
}
