// Mosquitto as a child process: its configuration, start with readiness by probing the port,
// and a stop that always ends it. `npm run broker` and every end-to-end test use this.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { BrokerError } from "./errors.ts";
import { brokerUser } from "./run-as.ts";

const MOSQUITTO_PATHS = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];

export function mosquittoPath(): string | undefined {
  return MOSQUITTO_PATHS.find((p) => existsSync(p));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections; `dead()` names a reason to stop waiting. */
export async function waitForPort(
  host: string,
  port: number,
  timeoutMs: number,
  dead: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    const reason = dead();
    if (reason) throw new Error(reason);
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The settings every Latchkey Mosquitto shares, before its listener block. `user` is the
 *  account Mosquitto drops to when started as root (run-as.ts); never root itself. */
export function commonConfig(user = brokerUser().name): string[] {
  if (user === "root") throw new BrokerError("Mosquitto must not run as root");
  return [
    `user ${user}`,
    "per_listener_settings false",
    "persistence false",
    "log_dest stderr",
    "log_type error",
    "log_type warning",
    "log_type notice",
    "log_type information",
    "connection_messages true",
    // Small MQTT packets go out at once (no Nagle wait for the previous ACK).
    "set_tcp_nodelay true",
  ];
}

export interface MosquittoProcess {
  pid: number;
  log(): string;
  running(): boolean;
  stop(): Promise<void>;
  signal(signal: NodeJS.Signals): void;
}

export async function runMosquitto(
  configFile: string,
  host: string,
  port: number,
  onLog?: (text: string) => void,
): Promise<MosquittoProcess> {
  const binary = mosquittoPath();
  if (!binary) throw new Error("mosquitto is not installed (apt-get install -y mosquitto)");
  let log = "";
  let exited: string | undefined;
  const proc: ChildProcess = spawn(binary, ["-c", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  const take = (d: Buffer) => {
    log += d;
    onLog?.(d.toString());
  };
  proc.stdout!.on("data", take);
  proc.stderr!.on("data", take);
  proc.on("exit", (code, signal) => (exited = `mosquitto exited (${code ?? signal}):\n${log}`));
  // Ready when Mosquitto says it is running (it opened every listener) AND the port answers:
  // something else already on the port answers too, and then Mosquitto exits instead.
  const ready = () => /mosquitto version \S+ running/.test(log);
  try {
    await waitForPort(host, port, 10000, () => exited);
    const deadline = Date.now() + 10000;
    while (!ready() && exited === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (!ready()) throw new Error(exited ?? `mosquitto did not report running after 10 s:\n${log}`);
  } catch (error) {
    proc.kill("SIGKILL");
    if (/Address already in use/.test(log)) throw new BrokerError(`port ${port} on ${host} is already in use`);
    throw error;
  }
  return {
    pid: proc.pid!,
    log: () => log,
    running: () => exited === undefined,
    signal: (s) => {
      if (exited === undefined) proc.kill(s);
    },
    async stop() {
      if (exited !== undefined) return;
      const gone = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGCONT");
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}
