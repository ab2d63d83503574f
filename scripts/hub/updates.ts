// Updates over the air started from the page: the same signed path as `npm run ota`
// (scripts/ota/transfer.ts sendUpdate over the hub's own MQTT connection, the bundle from
// scripts/ota/bundle.ts unless the hub was given another source). One update per device at a
// time. Its progress is what the device acknowledged (each chunk's signed `got <n>`), and its
// outcome is the device's signed verdict: confirmed, rolled back, or refused (a version that
// is not newer, a bad sha256). Start and outcome are audited like any command.
import { randomUUID } from "node:crypto";
import type { MqttClient } from "mqtt";
import { sendUpdate } from "../ota/transfer.ts";
import type { AuditLog } from "./audit.ts";
import type { DeviceStates } from "./device-state.ts";

/** Where the bundle an update installs comes from. */
export interface UpdateSource {
  /** The version the page offers: what `bundle` returns reports. Read at each use (a
   *  function: package.json's version can change while the hub runs). */
  version: () => string;
  /** The bundle's bytes (latin1) for `device`, built at `version` (the one offered). */
  bundle(device: string, version: string): Promise<string>;
  /** The new bundle's deadline to confirm (seconds, 5-900; default 120). */
  confirmSeconds?: number;
  chunkBytes?: number;
}

export type UpdatePhase = "preparing" | "sending" | "rebooting" | "confirmed" | "rolled back" | "refused" | "failed";

export interface UpdateProgress {
  version: string;
  by: string;
  startedAt: number;
  phase: UpdatePhase;
  /** Bytes the device has acknowledged, of `size` (0 until the bundle is known). */
  sent: number;
  size: number;
  /** The device's latest word, or why the update ended as it did. */
  detail: string;
  endedAt?: number;
}

const ENDED: UpdatePhase[] = ["confirmed", "rolled back", "refused", "failed"];

export class Updates {
  private readonly progress = new Map<string, UpdateProgress>();

  constructor(
    private readonly client: () => MqttClient,
    private readonly states: DeviceStates,
    private readonly audit: AuditLog,
    private readonly source: UpdateSource | undefined,
    private readonly changed: (device: string) => void,
  ) {}

  /** What the page offers `device`: the version a build would have now, and whether it is
   *  newer than the one the device last confirmed in a signed snapshot (unknown: offered, the
   *  device itself refuses one that is not newer); undefined when the hub has no bundle. */
  offered(device: string): { version: string; newer: boolean } | undefined {
    if (!this.source) return undefined;
    const version = this.source.version();
    const running = this.states.view(device)?.firmware?.version;
    return { version, newer: running === undefined || isNewer(version, running) };
  }

  of(device: string): UpdateProgress | undefined {
    return this.progress.get(device);
  }

  /** Starts an update of `device` and returns at once (the page follows its progress);
   *  refused when one is running or the hub has nothing to send. */
  start(who: string, device: string): { accepted: boolean; detail: string } {
    const source = this.source;
    const profile = this.states.profile(device);
    const running = this.progress.get(device);
    const refuse = (detail: string) => {
      this.record(who, device, "UPDATE", { phase: "denied", accepted: false, detail });
      return { accepted: false, detail };
    };
    if (!source) return refuse("this hub has no firmware to offer: start it with the project's build");
    if (!profile) return refuse(`no device '${device}'`);
    if (running && !ENDED.includes(running.phase))
      return refuse(`an update of ${device} to ${running.version} is already running (${running.phase})`);
    const offer = this.offered(device)!;
    if (!offer.newer)
      return refuse(
        `${device} is up to date: ${offer.version} is not newer than the ${this.states.view(device)!.firmware!.version} it runs (a higher version in package.json offers an update)`,
      );
    const version = offer.version;
    const cmd = `UPDATE ${version}`;
    const id = randomUUID();
    const p: UpdateProgress = {
      version,
      by: who,
      startedAt: Date.now(),
      phase: "preparing",
      sent: 0,
      size: 0,
      detail: `building ${version}`,
    };
    this.progress.set(device, p);
    this.record(who, device, cmd, { phase: "sent" }, id);
    this.changed(device);
    const set = (change: Partial<UpdateProgress>) => {
      Object.assign(p, change);
      this.changed(device);
    };
    const run = async () => {
      const bundle = await source.bundle(device, version);
      set({ phase: "sending", size: bundle.length, detail: `sending ${bundle.length} bytes` });
      return sendUpdate(this.client(), {
        prefix: profile.topicPrefix,
        device,
        key: this.states.key(device),
        bundle,
        version,
        confirmSeconds: source.confirmSeconds ?? 120,
        chunkBytes: source.chunkBytes,
        progress: (e) => {
          if (e.kind === "chunk") return set({ sent: e.sent, detail: `sent ${e.sent} of ${e.size} bytes` });
          set({ detail: e.text, ...(e.text.startsWith("staged") ? { phase: "rebooting" as const } : {}) });
        },
      });
    };
    void run().then(
      (result) => {
        const detail = `runs ${result.version}: sent in ${result.seconds.transfer.toFixed(1)} s, confirmed after ${result.seconds.total.toFixed(1)} s`;
        set({ phase: "confirmed", detail, endedAt: Date.now() });
        this.record(who, device, cmd, { phase: "result", accepted: true, detail }, id);
      },
      (error: Error) => {
        const { phase, detail } = outcome(error.message);
        set({ phase, detail, endedAt: Date.now() });
        this.record(who, device, cmd, { phase: "result", accepted: false, detail }, id);
      },
    );
    return { accepted: true, detail: `update to ${version} started` };
  }

  private record(
    who: string,
    device: string,
    cmd: string,
    what: { phase: "sent" | "result" | "denied"; accepted?: boolean; detail?: string },
    id: string = randomUUID(),
  ): void {
    this.audit.append({ id, who, via: "web", device, entity: "firmware", cmd, ...what });
  }
}

/** Is version `a` newer than `b`? As the device ranks them (firmware/app/maintenance/ota.ts
 *  rank): major.minor.patch, each below 1000, a pre-release suffix after `-` not compared;
 *  anything else is never newer. */
export function isNewer(a: string, b: string): boolean {
  const rank = (v: string) => {
    const p = v.split("-")[0]!.split(".");
    return +p[0]! * 1e6 + +p[1]! * 1e3 + +p[2]!;
  };
  return rank(a) > rank(b);
}

/** The end of an update in the page's words, from sendUpdate's error (transfer.ts). */
export function outcome(message: string): { phase: UpdatePhase; detail: string } {
  const refused =
    /^the device refused the (?:manifest|update): (.*?)(?: \(a downgrade: only with --allow-downgrade\))?$/.exec(
      message,
    );
  if (refused) {
    const why = refused[1]!;
    return {
      phase: "refused",
      detail: / is not newer than /.test(why) ? `${why} (the device refuses a downgrade)` : why,
    };
  }
  if (message.startsWith("rolled back")) return { phase: "rolled back", detail: message };
  return { phase: "failed", detail: message };
}
