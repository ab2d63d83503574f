// The broker a state folder is served by, and making a revocation take effect on it.
// What Mosquitto 2 does (measured on 2.0.11, test/broker/revoke.test.ts): on SIGHUP it
// re-reads its configuration, the ACL and the CRL; new connections with a revoked
// certificate are then refused, and an open session stays connected but the ACL decides
// each of its publishes and deliveries again. A client that connects with the same client id
// closes the old connection (session takeover, whatever its user name). The embedded broker
// reloads on EMBEDDED_RELOAD_SIGNAL and closes every connection with a revoked certificate.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import mqtt from "mqtt";
import { PkiStore, type CertRecord } from "../pki/store.ts";
import { writeBrokerPolicy } from "./policy.ts";

export const EMBEDDED_RELOAD_SIGNAL: NodeJS.Signals = "SIGUSR2";

export interface RunningRecord {
  kind: "mosquitto" | "embedded";
  pid: number;
  host: string;
  port: number;
  prefix: string;
  conf: string;
  reloadSignal: NodeJS.Signals;
  /** The process that started the broker (npm start, npm run broker): when it is gone and
   *  Mosquitto is not, Mosquitto was left behind by a run that was killed. */
  owner?: number;
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

const connectHost = (host: string) => (host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host);

/** Connects with an identity's files; resolves true at CONNACK, false when refused. */
async function accepted(
  stateDir: string,
  kind: CertRecord["kind"],
  name: string,
  run: RunningRecord,
  clientId: string,
) {
  const store = new PkiStore(stateDir);
  const dir = store.identityDir(kind, name);
  const client = mqtt.connect({
    host: connectHost(run.host),
    port: run.port,
    protocol: "mqtts",
    clientId,
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
  client.end(true);
  return ok;
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
  await writeBrokerPolicy(
    stateDir,
    run.prefix,
    { host: run.host, port: run.port },
    { passphrase, log, embedded: run.kind === "embedded" },
  );
  process.kill(run.pid, run.reloadSignal);
  const what = `${run.kind === "mosquitto" ? "Mosquitto" : "the embedded broker"} (pid ${run.pid}, port ${run.port})`;
  const deadline = Date.now() + 10000;
  const probeId = `latchkey-revoke-check-${process.pid}`;
  while (await accepted(stateDir, record.kind, record.name, run, probeId)) {
    if (Date.now() > deadline) {
      log(`${what} was sent ${run.reloadSignal} but still accepts '${record.name}': restart it`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`${what} reloaded: it now refuses '${record.name}'`);
  if (run.kind === "embedded") {
    log(`the embedded broker closed every open connection with that certificate`);
  } else if (record.kind === "device") {
    // The device's client id is its id (firmware/app/device.ts): taking the id over closes it.
    const closed = await accepted(stateDir, "hub", "hub", run, record.name);
    log(
      closed
        ? `closed device '${record.name}''s open session (client id taken over); its reconnect is refused`
        : `could not close device '${record.name}''s open session (no hub identity accepted): restart the broker to close it; the ACL already gives it nothing`,
    );
  } else {
    log(
      `Mosquitto cannot close '${record.name}''s open session by name (its client id is unknown): it stays connected, but the ACL now lets it neither publish nor receive; restart the broker to close it`,
    );
  }
  return true;
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
  await writeBrokerPolicy(
    stateDir,
    run.prefix,
    { host: run.host, port: run.port },
    { passphrase, log, embedded: run.kind === "embedded" },
  );
  process.kill(run.pid, run.reloadSignal);
  const what = `${run.kind === "mosquitto" ? "Mosquitto" : "the embedded broker"} (pid ${run.pid}, port ${run.port})`;
  log(`${what} reloaded its policy for '${record.name}'`);
  return true;
}
