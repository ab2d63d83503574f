// How `npm start` ends: whatever ends it (Ctrl-C, SIGTERM, the terminal closing with SIGHUP,
// an error at any step) undoes what it started, newest first, the broker last of all. No step
// may keep it alive: after STOP_MS, or at a second Ctrl-C, it stops Mosquitto with SIGKILL,
// removes its state files and exits. A run that was killed (SIGKILL, a crash) leaves
// `broker/listening.json` and `broker/running.json` behind: the next start finds them
// (replaceStaleState) and replaces them.
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { BrokerError } from "../broker/errors.ts";
import { alive, findRunning } from "../broker/running.ts";

/** How long the undo steps may take together before the run ends anyway. */
export const STOP_MS = 5000;
const TICK_CAP_MS = 500;

interface Step {
  what: string;
  undo: () => unknown;
}

export class Lifecycle {
  private readonly steps: Step[] = [];
  private stopping = false;
  /** Ends at once what must not outlive us (Mosquitto, a child process). */
  private readonly forced: (() => void)[] = [];

  constructor(
    private readonly stateDir: string,
    private readonly say: (line: string) => void,
    private readonly sayError: (line: string) => void,
  ) {
    const codes: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
    for (const [signal, code] of Object.entries(codes))
      process.on(signal, () => (this.stopping ? this.force(code!, `${signal} again`) : void this.stop(code!)));
  }

  /** `undo` runs at the end; `kill`, if given, is what ends the thing at once. */
  add(what: string, undo: () => unknown, kill?: () => void): void {
    this.steps.push({ what, undo });
    if (kill) this.forced.push(kill);
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  async stop(code: number, message?: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    let current = "";
    // STOP_MS of the process's own time: a tick counts at most TICK_CAP_MS, so time the event
    // loop spent blocked (a build finishing its minification) is not counted as waiting.
    let waited = 0;
    let last = Date.now();
    const timer = setInterval(() => {
      const now = Date.now();
      waited += Math.min(now - last, TICK_CAP_MS);
      last = now;
      if (waited >= STOP_MS) this.force(code, `still stopping after ${STOP_MS / 1000} s (${current})`);
    }, 100);
    for (const step of this.steps.reverse()) {
      current = step.what;
      try {
        await step.undo();
      } catch {
        // Keep undoing the rest: the broker must stop even if something before it failed.
      }
    }
    clearInterval(timer);
    if (message) this.sayError(message);
    else this.say("stopped");
    process.exit(code);
  }

  private force(code: number, why: string): never {
    for (const kill of this.forced) {
      try {
        kill();
      } catch {
        // Already gone.
      }
    }
    removeStateFiles(this.stateDir);
    this.sayError(`start: ${why}: ended without waiting for the rest`);
    process.exit(code);
  }
}

const stateFiles = (stateDir: string) =>
  ["listening.json", "running.json"].map((name) => path.join(stateDir, "broker", name));

function removeStateFiles(stateDir: string): void {
  for (const file of stateFiles(stateDir)) rmSync(file, { force: true });
}

/** Before starting: a broker recorded as running from this state folder refuses the start
 *  (two would share one policy folder); one recorded by a run that was killed is forgotten. */
export async function replaceStaleState(stateDir: string, say: (line: string) => void): Promise<void> {
  const [listening, running] = stateFiles(stateDir);
  const live = findRunning(stateDir);
  if (live?.kind === "mosquitto" && live.owner !== undefined && !alive(live.owner)) {
    process.kill(live.pid, "SIGTERM");
    for (let waited = 0; alive(live.pid) && waited < 3000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    if (alive(live.pid)) process.kill(live.pid, "SIGKILL");
    say(`stopped Mosquitto (pid ${live.pid}, port ${live.port}), left running by a run that was killed`);
  } else if (live) {
    throw new BrokerError(
      `a broker started from ${stateDir} is running (${live.kind}, pid ${live.pid}, port ${live.port}): stop it first (Ctrl-C where it runs, or kill ${live.pid})`,
    );
  }
  const left = [listening, running].filter((file) => existsSync(file));
  if (left.length === 0) return;
  let pid = "";
  try {
    pid = ` (pid ${(JSON.parse(readFileSync(running, "utf8")) as { pid: number }).pid})`;
  } catch {
    // Unreadable or absent: still stale.
  }
  removeStateFiles(stateDir);
  say(`replaced ${left.map((f) => path.basename(f)).join(" and ")} left by a run that was killed${pid}`);
}
