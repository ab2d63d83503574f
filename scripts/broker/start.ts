// Starts the project's broker: Mosquitto when it is installed, otherwise the embedded aedes
// broker, both with the policy written from the CA (policy.ts).
import { mosquittoPath, runMosquitto } from "./mosquitto.ts";
import { writeBrokerPolicy, type Listener } from "./policy.ts";
import { runEmbedded } from "./embedded.ts";

export interface RunningBroker {
  kind: "mosquitto" | "embedded";
  host: string;
  port: number;
  log(): string;
  stop(): Promise<void>;
  /** Mosquitto only: SIGSTOP/SIGCONT. */
  signal(signal: NodeJS.Signals): void;
}

export interface StartOptions extends Listener {
  stateDir: string;
  prefix: string;
  embedded?: boolean;
  onLog?: (text: string) => void;
}

export async function startBroker(options: StartOptions): Promise<RunningBroker> {
  const listener = { host: options.host, port: options.port };
  const files = await writeBrokerPolicy(options.stateDir, options.prefix, listener);
  if (!options.embedded && mosquittoPath()) {
    const proc = await runMosquitto(files.conf, options.host, options.port, options.onLog);
    return { kind: "mosquitto", ...listener, log: proc.log, stop: proc.stop, signal: proc.signal };
  }
  let log = "";
  const broker = await runEmbedded(files, listener, (line) => {
    log += line + "\n";
    options.onLog?.(line + "\n");
  });
  return { kind: "embedded", ...listener, log: () => log, stop: broker.close, signal: () => undefined };
}
