// A RabbitMQ cluster on this machine: N nodes `latchkey-<i>@localhost`, each with its own
// folder (mnesia, configuration, CRL), its own MQTT TLS port on the given host and its own
// distribution port on 127.0.0.1, one epmd of the cluster's own on a free loopback port
// (ERL_EPMD_PORT; a system epmd on 4369 is left alone, and ours is stopped with the cluster),
// and the client-id guard (rabbitmq-guard.ts) in this process. Node 1 boots first and loads
// the definitions; the others find it through classic peer discovery and join it. Started as
// root, the nodes run as the `rabbitmq` user the Debian package creates, from a folder of
// their own (run-as.ts), never as root.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chown, mkdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { BrokerError } from "./errors.ts";
import { freePort, waitForPort } from "./mosquitto.ts";
import type { PolicyOptions } from "./policy.ts";
import { advancedConfig, ENABLED_PLUGINS, rabbitmqConf, type NodeFiles } from "./rabbitmq-config.ts";
import { rabbitPolicy, writeCrlDir } from "./rabbitmq-files.ts";
import { startGuard, startGuardProcess, type Guard } from "./rabbitmq-guard.ts";
import { selfUser, writeFor, type BrokerUser } from "./run-as.ts";

const SBIN = "/usr/lib/rabbitmq/bin";
/** The colour codes RabbitMQ's console log carries. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
export const RABBITMQ_USER = "rabbitmq";

export function rabbitmqPath(): string | undefined {
  const server = path.join(SBIN, "rabbitmq-server");
  return existsSync(server) ? server : undefined;
}

export interface RabbitNode {
  name: string;
  host: string;
  mqttPort: number;
  distPort: number;
  dir: string;
}

export interface ClusterOptions extends PolicyOptions {
  stateDir: string;
  prefix: string;
  host: string;
  /** MQTT TLS port of each node, in order. */
  ports: number[];
  /** Run the client-id guard in a process of its own (a fleet in this process would slow it). */
  guardProcess?: boolean;
  onLog?: (text: string) => void;
}

export interface RabbitCluster {
  nodes: RabbitNode[];
  dir: string;
  guard: Guard;
  log(): string;
  /** The process id of each node that runs now. */
  pids(): number[];
  /** rabbitmqctl against node `node` (0-based); rejects with its output on failure. */
  ctl(args: string[], node?: number): Promise<string>;
  /** Rewrites definitions and CRL from the CA and applies them to the running cluster:
   *  new identities added, identities no longer active deleted and their connections closed. */
  applyPolicy(): Promise<string[]>;
  stopNode(node: number): Promise<void>;
  /** SIGKILL: the node dies as in a crash, without leaving the cluster. */
  killNode(node: number): Promise<void>;
  /** (Re)starts a stopped node; it rejoins the cluster with its own data. */
  startNode(node: number): Promise<void>;
  stop(): Promise<void>;
}

/** The account the nodes run as: this user, or `rabbitmq` when we are root. */
function rabbitUser(): BrokerUser {
  const me = selfUser();
  if (me.uid !== 0) return me;
  const entry = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .find((fields) => fields[0] === RABBITMQ_USER);
  if (!entry || Number(entry[2]) === 0) {
    throw new BrokerError(
      `running as root, and there is no unprivileged '${RABBITMQ_USER}' user for RabbitMQ to run as (the Debian package creates it): run as an ordinary user`,
    );
  }
  return { name: RABBITMQ_USER, uid: Number(entry[2]), gid: Number(entry[3]), drops: true };
}

export async function startRabbitCluster(options: ClusterOptions): Promise<RabbitCluster> {
  if (!rabbitmqPath()) throw new BrokerError("rabbitmq-server is not installed (apt-get install -y rabbitmq-server)");
  const user = rabbitUser();
  const dir = path.join(os.tmpdir(), `latchkey-rabbitmq-${randomBytes(6).toString("hex")}`);
  await mkdir(dir, { mode: 0o700 });
  const own = async (p: string) => {
    if (user.drops) await chown(p, user.uid, user.gid);
  };
  await own(dir);
  let output = "";
  const take = (raw: string) => {
    const text = raw.replace(ANSI_COLOUR, "");
    output += text;
    options.onLog?.(text);
  };
  const procs: (ChildProcess | undefined)[] = [];
  let guard: Guard | undefined;
  const epmdPort = await freePort();
  const cookie = randomBytes(20).toString("hex");
  await writeFor(user, path.join(dir, ".erlang.cookie"), cookie, true);
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    LANG: "C.UTF-8",
    HOME: dir,
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: "127.0.0.1",
    RABBITMQ_USE_LONGNAME: "false",
    ...extra,
  });
  const stopAll = async () => {
    await Promise.all(procs.map((_, i) => stopNode(i)));
    const epmd = ["/usr/lib/erlang/bin/epmd", "/usr/bin/epmd"].find((p) => existsSync(p));
    if (epmd) spawnSync(epmd, ["-port", String(epmdPort), "-kill"], { env: env(), stdio: "ignore" });
    await guard?.close();
    await rm(dir, { recursive: true, force: true });
  };
  const names = options.ports.map((_, i) => `latchkey-${i + 1}@localhost`);
  const nodes: RabbitNode[] = [];
  for (const [i, mqttPort] of options.ports.entries()) {
    nodes.push({
      name: names[i],
      host: options.host,
      mqttPort,
      distPort: await freePort(),
      dir: path.join(dir, `node-${i + 1}`),
    });
  }
  const files = (node: RabbitNode): NodeFiles => ({
    ca: path.join(dir, "ca.pem"),
    cert: path.join(dir, "cert.pem"),
    key: path.join(dir, "key.pem"),
    crlDir: path.join(dir, "crl"),
    definitions: path.join(node.dir, "definitions.json"),
  });
  const brokerName = options.brokerName ?? "broker";

  const writeAll = async () => {
    const policy = await rabbitPolicy(options.stateDir, options.prefix, brokerName, options);
    const identity = policy.store.identityDir("broker", brokerName);
    const f = files(nodes[0]);
    await writeFor(user, f.ca, readFileSync(policy.store.caCertFile), false);
    await writeFor(user, f.cert, readFileSync(path.join(identity, "cert.pem")), false);
    await writeFor(user, f.key, readFileSync(path.join(identity, "key.pem")), true);
    await writeCrlDir(user, policy.store.crlFile, f.crlDir);
    await own(f.crlDir);
    for (const node of nodes) {
      await mkdir(node.dir, { recursive: true, mode: 0o700 });
      await own(node.dir);
      await writeFor(user, files(node).definitions, JSON.stringify(policy.definitions, null, 1) + "\n", false);
    }
    return policy;
  };

  const startNode = async (i: number) => {
    if (procs[i] && procs[i]!.exitCode === null && procs[i]!.signalCode === null) return;
    const node = nodes[i];
    const f = files(node);
    const peers = i === 0 ? [] : [names[0]];
    await writeFor(user, path.join(node.dir, "rabbitmq.conf"), rabbitmqConf(node, f, peers), false);
    await writeFor(user, path.join(node.dir, "advanced.config"), advancedConfig(f, guard!), false);
    await writeFor(user, path.join(node.dir, "enabled_plugins"), ENABLED_PLUGINS, false);
    let log = "";
    let exited: string | undefined;
    const proc = spawn(path.join(SBIN, "rabbitmq-server"), [], {
      env: env({
        RABBITMQ_NODENAME: node.name,
        RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
        RABBITMQ_NODE_PORT: String(await freePort()),
        RABBITMQ_DIST_PORT: String(node.distPort),
        RABBITMQ_CONFIG_FILE: path.join(node.dir, "rabbitmq.conf"),
        RABBITMQ_ADVANCED_CONFIG_FILE: path.join(node.dir, "advanced.config"),
        RABBITMQ_ENABLED_PLUGINS_FILE: path.join(node.dir, "enabled_plugins"),
        RABBITMQ_MNESIA_BASE: path.join(node.dir, "mnesia"),
        RABBITMQ_LOG_BASE: path.join(node.dir, "log"),
        RABBITMQ_PID_FILE: path.join(node.dir, "rabbitmq.pid"),
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-kernel inet_dist_use_interface {127,0,0,1}",
        // The script then execs the VM (sbin/rabbitmq-server) instead of waiting on it in a
        // shell: the pid is the node's, a SIGKILL is a real crash, SIGTERM its clean stop.
        RUNNING_UNDER_SYSTEMD: "true",
      }),
      cwd: dir,
      // Its own process group: a terminal's Ctrl-C reaches this process, which stops the nodes
      // in turn, not every node at once.
      detached: true,
      uid: user.drops ? user.uid : undefined,
      gid: user.drops ? user.gid : undefined,
      stdio: ["ignore", "pipe", "pipe"],
    });
    procs[i] = proc;
    const onData = (d: Buffer) => {
      log += d;
      take(d.toString().replace(/^(?=.)/gm, `[${node.name}] `));
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.on("exit", (code, signal) => {
      exited = `${node.name} exited (${code ?? signal})`;
      // A node that stops unasked is said in one line (stopNode and killNode ask).
      if (!stopping.has(proc)) options.log?.(`RabbitMQ: ${exited}: ${lastLines(log)}`);
    });
    const deadline = Date.now() + 120000;
    // The boot banner's last words are written to stdout directly; the logger's "Server startup
    // complete" can be dropped: its overload protection discards events in a burst (about
    // 1,500 lines of definitions for 500 identities).
    while (!/completed with \d+ plugins|Server startup complete/.test(log)) {
      if (exited) throw new BrokerError(`${exited}: ${lastLines(log)}`);
      if (Date.now() > deadline) throw new BrokerError(`${node.name} did not start in 120 s: ${lastLines(log)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitForPort(node.host === "0.0.0.0" ? "127.0.0.1" : node.host, node.mqttPort, 30000, () => exited);
  };

  const stopping = new Set<ChildProcess>();
  const stopNode = async (i: number, signal: NodeJS.Signals = "SIGTERM") => {
    const proc = procs[i];
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    stopping.add(proc);
    const gone = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 15000);
    await gone;
    clearTimeout(timer);
  };

  const ctl = (args: string[], node = 0) =>
    new Promise<string>((resolve, reject) => {
      const proc = spawn(path.join(SBIN, "rabbitmqctl"), ["-q", "-n", names[node], ...args], {
        env: env(),
        cwd: dir,
        uid: user.drops ? user.uid : undefined,
        gid: user.drops ? user.gid : undefined,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      proc.stdout.on("data", (d) => (out += d));
      proc.stderr.on("data", (d) => (out += d));
      proc.on("exit", (code) =>
        code === 0 ? resolve(out) : reject(new BrokerError(`rabbitmqctl ${args[0]} failed: ${lastLines(out)}`)),
      );
    });

  try {
    guard = options.guardProcess
      ? await startGuardProcess("127.0.0.1", (line) => take(line + "\n"))
      : await startGuard("127.0.0.1", 0, (line) => take(line + "\n"));
    let known = new Set((await writeAll()).definitions.users.map((u) => u.name));
    await startNode(0);
    // The default `guest` user is created on a fresh first node: nobody logs in with a password.
    if ((await ctl(["list_users", "--no-table-headers"])).split("\n").some((l) => l.startsWith("guest")))
      await ctl(["delete_user", "guest"]);
    // One joins at a time: the MQTT plugin adds each node to its Raft group of client ids
    // (mqtt_node), which takes one membership change at a time; with nodes 2 and 3 booting
    // together, node 2's plugin once failed to start (`{rabbitmq_mqtt, {shutdown, ...}}`).
    for (let i = 1; i < nodes.length; i++) await startNode(i);
    const cluster: RabbitCluster = {
      nodes,
      dir,
      guard,
      log: () => output,
      pids: () =>
        procs.flatMap((p) => (p?.pid !== undefined && p.exitCode === null && p.signalCode === null ? [p.pid] : [])),
      ctl,
      stopNode: (i) => stopNode(i),
      killNode: (i) => stopNode(i, "SIGKILL"),
      startNode,
      stop: stopAll,
      async applyPolicy() {
        const policy = await writeAll();
        const now = new Set(policy.definitions.users.map((u) => u.name));
        const running = procs.findIndex((p) => p && p.exitCode === null && p.signalCode === null);
        if (running < 0) throw new BrokerError("no RabbitMQ node is running: the policy applies when one starts");
        await ctl(["import_definitions", files(nodes[running]).definitions], running);
        const gone = [...known].filter((name) => !now.has(name));
        for (const name of gone) {
          // Deleting the user stops its new logins; its open connections are closed too.
          await ctl(["delete_user", name], running).catch(() => undefined);
          await ctl(["close_all_user_connections", name, "certificate revoked"], running).catch(() => undefined);
        }
        known = now;
        return gone;
      },
    };
    return cluster;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-3).join(" | ");
}
