// The broker a state folder is served by, and making a revocation take effect on it.
// What Mosquitto 2 does (measured on 2.0.11, test/broker/revoke.test.ts): on SIGHUP it
// re-reads its configuration, the ACL and the CRL; new connections with a revoked
// certificate are then refused, and an open session stays connected but the ACL decides
// each of its publishes and deliveries again. Every client id is the certificate's CN
// (use_username_as_clientid), so only the same identity can take a session over
// ([MQTT-3.1.4-2]): the revoke does that with the revoked identity's own certificate just
// before the reload, and holds the session until the reload refuses its reconnects. The
// embedded broker reloads on EMBEDDED_RELOAD_SIGNAL and closes every connection with a
// revoked certificate. The RabbitMQ cluster's process (rabbitmq-start.ts) takes the same
// signal, writes the CRL each node reads at every handshake, deletes the user and closes its
// connections, then bumps `reloads` in the record.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import mqtt from "mqtt";
import { PkiStore, type CertRecord } from "../lib/pki-store.ts";
import { writeBrokerPolicy } from "./policy.ts";

export const EMBEDDED_RELOAD_SIGNAL: NodeJS.Signals = "SIGUSR2";

export interface RunningRecord {
  kind: "mosquitto" | "embedded" | "rabbitmq";
  pid: number;
  host: string;
  port: number;
  prefix: string;
  conf: string;
  reloadSignal: NodeJS.Signals;
  /** The process that started the broker (npm start, npm run broker): when it is gone and
   *  Mosquitto is not, Mosquitto was left behind by a run that was killed. */
  owner?: number;
  /** What the queues were sized with (policy.ts), kept by every rewrite of the policy. */
  retainedPerDevice?: number;
  /** RabbitMQ only: how many times the cluster re-applied the policy (rabbitmq-start.ts). */
  reloads?: number;
}

const recordFile = (stateDir: string) => path.join(stateDir, "broker", "running.json");

export async function recordRunning(stateDir: string, record: RunningRecord): Promise<void> {
  const file = recordFile(stateDir);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(`${file}.${process.pid}.tmp`, JSON.stringify(record) + "\n");
  await rename(`${file}.${process.pid}.tmp`, file);
}

export async function clearRunning(stateDir: string, pid: number, port: number): Promise<void> {
  const record = readRecord(stateDir);
  if (record?.pid === pid && record.port === port) await unlink(recordFile(stateDir)).catch(() => undefined);
}

function readRecord(stateDir: string): RunningRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(stateDir), "utf8")) as RunningRecord;
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The recorded broker, if its process is alive and is that broker (not a reused pid). */
export function findRunning(stateDir: string): RunningRecord | undefined {
  const record = readRecord(stateDir);
  if (!record || !Number.isInteger(record.pid)) return undefined;
  try {
    process.kill(record.pid, 0);
  } catch {
    return undefined;
  }
  const cmdline = `/proc/${record.pid}/cmdline`;
  if (existsSync(cmdline)) {
    const args = readFileSync(cmdline, "utf8");
    if (record.kind === "mosquitto" ? !args.includes(record.conf) : !/node|tsx/.test(args)) return undefined;
  }
  return record;
}

export const NOT_RUNNING =
  "no broker started from this state folder is running: the new CRL and ACL apply when it starts. A Mosquitto started some other way must be sent SIGHUP (it then refuses the certificate and the ACL gives its open session nothing) and restarted to close that session";

const BROKER_NAMES = { mosquitto: "Mosquitto", embedded: "the embedded broker", rabbitmq: "the RabbitMQ cluster" };

/** Waits until the RabbitMQ cluster's process has re-applied the policy after `before` reloads. */
async function waitForReload(stateDir: string, before: number): Promise<boolean> {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if ((readRecord(stateDir)?.reloads ?? 0) > before) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const connectHost = (host: string) => (host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host);

/** The identity's connection (its client id is its CN), or undefined when refused. */
async function connectAs(
  stateDir: string,
  kind: CertRecord["kind"],
  name: string,
  run: RunningRecord,
): Promise<mqtt.MqttClient | undefined> {
  const store = new PkiStore(stateDir);
  const dir = store.identityDir(kind, name);
  const client = mqtt.connect({
    host: connectHost(run.host),
    port: run.port,
    protocol: "mqtts",
    clientId: name,
    ca: readFileSync(store.caCertFile),
    cert: readFileSync(`${dir}/cert.pem`),
    key: readFileSync(`${dir}/key.pem`),
    rejectUnauthorized: false,
    reconnectPeriod: 0,
    connectTimeout: 3000,
  });
  // connectAsync never settles when the broker just closes the TLS connection: listen for all.
  const ok = await new Promise<boolean>((resolve) => {
    client.once("connect", () => resolve(true));
    client.once("error", () => resolve(false));
    client.once("close", () => resolve(false));
  });
  if (ok) return client;
  client.end(true);
  return undefined;
}

/** After `revoke`: rewrite the policy, reload the running broker, check the certificate is
 *  now refused, and close the revoked identity's open session where the broker allows. */
export async function applyRevocation(
  stateDir: string,
  record: CertRecord,
  log: (line: string) => void,
  passphrase?: string,
): Promise<boolean> {
  if (record.kind === "broker") {
    log(
      `the broker's own certificate was revoked: issue a new one (npm run pki -- renew ${record.name}) and restart the broker`,
    );
    return false;
  }
  const run = findRunning(stateDir);
  if (!run) {
    log(NOT_RUNNING);
    return false;
  }
  await rewritePolicy(stateDir, run, log, passphrase);
  const reloadsBefore = run.reloads ?? 0;
  // Mosquitto keeps open sessions through a reload: take the revoked identity's session over
  // with its own certificate while that is still accepted, and hold it through the reload
  // (each probe that is still accepted takes it over in its turn and becomes the holder).
  const mosquitto = run.kind === "mosquitto";
  let holder = mosquitto ? await connectAs(stateDir, record.kind, record.name, run) : undefined;
  process.kill(run.pid, run.reloadSignal);
  const what = `${BROKER_NAMES[run.kind]} (pid ${run.pid}, port ${run.port})`;
  const deadline = Date.now() + 10000;
  let held: boolean;
  try {
    for (;;) {
      const probe = await connectAs(stateDir, record.kind, record.name, run);
      if (!probe) break;
      holder?.end(true);
      holder = mosquitto ? probe : undefined;
      if (!mosquitto) probe.end(true);
      if (Date.now() > deadline) {
        log(`${what} was sent ${run.reloadSignal} but still accepts '${record.name}': restart it`);
        return false;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    held = holder?.connected ?? false;
    holder?.end(true);
  }
  log(`${what} reloaded: it now refuses '${record.name}'`);
  if (run.kind === "rabbitmq") {
    if (await waitForReload(stateDir, reloadsBefore))
      log(`the RabbitMQ cluster deleted user '${record.name}' and closed its open connections`);
    else log(`the RabbitMQ cluster has not confirmed deleting user '${record.name}': see its log`);
  } else if (run.kind === "embedded") log(`the embedded broker closed every open connection with that certificate`);
  else if (held)
    log(`closed ${record.kind} '${record.name}''s open session (client id taken over); its reconnect is refused`);
  else
    log(
      `could not hold ${record.kind} '${record.name}''s session through the reload (it reconnected first): it may still be connected, but the ACL now lets it neither publish nor receive; restart the broker to close it`,
    );
  return true;
}

/** Writes the running broker's policy again from the CA (RabbitMQ takes it at its reload). */
async function rewritePolicy(
  stateDir: string,
  run: NonNullable<ReturnType<typeof findRunning>>,
  log: (line: string) => void,
  passphrase?: string,
): Promise<void> {
  if (run.kind === "rabbitmq") return;
  await writeBrokerPolicy(
    stateDir,
    run.prefix,
    { host: run.host, port: run.port },
    { passphrase, log, embedded: run.kind === "embedded", retainedPerDevice: run.retainedPerDevice },
  );
}

/** After issuing an identity: rewrite the policy and reload the running broker, so the new
 *  identity may do at once what its rules say (the ACL is otherwise written only at start).
 *  A new broker certificate needs a restart. */
export async function applyIssue(
  stateDir: string,
  record: CertRecord,
  log: (line: string) => void,
  passphrase?: string,
): Promise<boolean> {
  if (record.kind === "broker") {
    log("a running broker keeps the certificate it started with: restart it to serve this one");
    return false;
  }
  const run = findRunning(stateDir);
  if (!run) return false;
  await rewritePolicy(stateDir, run, log, passphrase);
  const reloadsBefore = run.reloads ?? 0;
  process.kill(run.pid, run.reloadSignal);
  const what = `${BROKER_NAMES[run.kind]} (pid ${run.pid}, port ${run.port})`;
  if (run.kind === "rabbitmq" && !(await waitForReload(stateDir, reloadsBefore))) {
    log(`${what} has not confirmed the policy for '${record.name}': see its log`);
    return false;
  }
  log(`${what} reloaded its policy for '${record.name}'`);
  return true;
}
