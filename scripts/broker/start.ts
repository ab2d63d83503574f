// Starts the project's broker: Mosquitto when it is installed, otherwise the embedded aedes
// broker, both with the policy written from the CA (policy.ts). The port is checked first,
// so a busy port is one clear error and no file is written. A running broker is recorded in
// `<stateDir>/broker/running.json` so that `npm run pki -- revoke` can reload it (running.ts).
import { rm } from "node:fs/promises";
import net from "node:net";
import { BrokerError } from "./errors.ts";
import { runEmbedded } from "./embedded.ts";
import { mosquittoPath, runMosquitto } from "./mosquitto.ts";
import { writeBrokerPolicy, type Listener, type PolicyOptions } from "./policy.ts";
import { clearRunning, EMBEDDED_RELOAD_SIGNAL, recordRunning } from "./running.ts";
import { dropFolderPath, mosquittoUserProblem } from "./run-as.ts";

export interface RunningBroker {
  kind: "mosquitto" | "embedded";
  host: string;
  port: number;
  /** The process that reloads the policy on `reloadSignal`. */
  pid: number;
  log(): string;
  stop(): Promise<void>;
  /** Mosquitto only: SIGSTOP/SIGCONT. */
  signal(signal: NodeJS.Signals): void;
}

export interface StartOptions extends Listener, PolicyOptions {
  stateDir: string;
  prefix: string;
  embedded?: boolean;
  onLog?: (text: string) => void;
}

/** Can we listen on host:port? One line saying why not. */
export async function checkListen(host: string, port: number): Promise<void> {
  const problem = await new Promise<string | undefined>((resolve) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      const why: Record<string, string> = {
        EADDRINUSE: `port ${port} on ${host} is already in use`,
        EACCES: `port ${port} on ${host} needs privileges this user does not have`,
        EADDRNOTAVAIL: `${host} is not an address of this machine`,
        ENOTFOUND: `${host} does not resolve to an address`,
        EAI_AGAIN: `${host} does not resolve to an address`,
      };
      resolve(why[error.code ?? ""] ?? `cannot listen on ${host}:${port}: ${error.message}`);
    });
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
  if (problem) throw new BrokerError(problem);
}

/** Which broker runs: Mosquitto when installed and able to run as this user, else the
 *  embedded one. Chosen before any file is written, so a root without a `mosquitto` user
 *  (Mosquitto built by hand, or not installed at all) gets the embedded broker, told why. */
export function chooseBroker(embedded: boolean | undefined, log?: (line: string) => void): "mosquitto" | "embedded" {
  if (embedded || !mosquittoPath()) return "embedded";
  const problem = mosquittoUserProblem();
  if (problem === undefined) return "mosquitto";
  log?.(`Mosquitto is installed, but ${problem}: using the embedded broker`);
  return "embedded";
}

export async function startBroker(options: StartOptions): Promise<RunningBroker> {
  const listener = { host: options.host, port: options.port };
  await checkListen(options.host, options.port);
  const kind = chooseBroker(options.embedded, options.log);
  const files = await writeBrokerPolicy(options.stateDir, options.prefix, listener, {
    ...options,
    embedded: kind === "embedded",
  });
  const record = {
    host: options.host,
    port: options.port,
    prefix: options.prefix,
    conf: files.conf,
    owner: process.pid,
    retainedPerDevice: options.retainedPerDevice,
  };
  if (kind === "mosquitto") {
    // Root's copy for the `mosquitto` user (run-as.ts) holds the broker's key: it goes when
    // the broker does, or when it fails to start.
    const removeCopy = () =>
      files.dir === dropFolderPath(options.stateDir) ? rm(files.dir, { recursive: true, force: true }) : undefined;
    const proc = await runMosquitto(files.conf, options.host, options.port, options.onLog).catch(async (error) => {
      await removeCopy();
      throw error;
    });
    await recordRunning(options.stateDir, { ...record, kind: "mosquitto", pid: proc.pid, reloadSignal: "SIGHUP" });
    return {
      kind: "mosquitto",
      ...listener,
      pid: proc.pid,
      log: proc.log,
      stop: async () => {
        await proc.stop();
        await clearRunning(options.stateDir, proc.pid, options.port);
        await removeCopy();
      },
      signal: proc.signal,
    };
  }
  let log = "";
  const broker = await runEmbedded(files, listener, (line) => {
    log += line + "\n";
    options.onLog?.(line + "\n");
  });
  // The embedded broker lives in this process: it reloads on EMBEDDED_RELOAD_SIGNAL (SIGHUP
  // means "terminal closed" to npm start, which stops everything).
  const reload = () => broker.reload();
  process.on(EMBEDDED_RELOAD_SIGNAL, reload);
  await recordRunning(options.stateDir, {
    ...record,
    kind: "embedded",
    pid: process.pid,
    reloadSignal: EMBEDDED_RELOAD_SIGNAL,
  });
  return {
    kind: "embedded",
    ...listener,
    pid: process.pid,
    log: () => log,
    stop: async () => {
      process.off(EMBEDDED_RELOAD_SIGNAL, reload);
      await broker.close();
      await clearRunning(options.stateDir, process.pid, options.port);
    },
    signal: () => undefined,
  };
}
