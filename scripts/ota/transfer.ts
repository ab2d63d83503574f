// The host side of an update over the air (firmware/app/maintenance/ota.ts): the signed manifest on
// ota/set, then the bundle in chunks on otadata/set at QoS 1, one chunk in flight, each
// acknowledged by the device's signed `got <n>` report on ota/state; then the device's
// verdict (staged, refused) and, after its reboot, its confirmation or its rollback.
import { createHash } from "node:crypto";
import type { MqttClient } from "mqtt";
import { deviceTopics, thingTopic } from "../../firmware/app/protocol/topics.ts";
import { sendSignedCommand, verifyReport } from "../lib/signing.ts";

import { OtaError } from "../lib/errors.ts";
export { OtaError };

export interface OtaOptions {
  prefix: string;
  device: string;
  key: Buffer;
  bundle: string;
  version: string;
  /** How long the new bundle has to confirm (seconds, 5-900): at its first CONNACK, or by
   *  itself after running half of it without an error. */
  confirmSeconds: number;
  /** Install a version that is not newer than the running one (the signed manifest says so). */
  allowDowngrade?: boolean;
  chunkBytes?: number;
  /** Per chunk acknowledgement (default 8 s); a chunk is sent at most `maxTries` times
   *  (default 5), which rides out a reconnect of the device. */
  ackTimeoutMs?: number;
  maxTries?: number;
  /** Every device answer and progress step, for a person. */
  progress?: (event: { kind: "chunk"; sent: number; size: number } | { kind: "device"; text: string }) => void;
  /** Fault injection for tests: the bytes actually published for a chunk. */
  mangle?: (offset: number, data: string) => string;
}

export interface OtaResult {
  version: string;
  seconds: { transfer: number; total: number };
}

/** Waits for the next verified ota/state report matching `want`; a forged one is ignored. */
class DeviceAnswers {
  private seen: string[] = [];
  private wake: (() => void) | undefined;
  private readonly listener: (topic: string, payload: Buffer) => void;

  constructor(
    private readonly client: MqttClient,
    topic: string,
    key: Buffer,
    log?: (text: string) => void,
  ) {
    this.listener = (t, payload) => {
      if (t !== topic) return;
      const report = verifyReport(key, topic, payload);
      if (!report.ok) return;
      this.seen.push(report.value);
      if (!report.value.startsWith("got ")) log?.(report.value);
      this.wake?.();
    };
    client.on("message", this.listener);
  }

  close(): void {
    this.client.removeListener("message", this.listener);
  }

  async next(match: (text: string) => boolean, timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.seen.findIndex(match);
      if (i >= 0) return this.seen.splice(0, i + 1)[i];
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

const isVerdict = (t: string) => t.startsWith("refused") || t.startsWith("staged");

export async function sendUpdate(client: MqttClient, o: OtaOptions): Promise<OtaResult> {
  const answers = new DeviceAnswers(
    client,
    thingTopic(deviceTopics(o.prefix, o.device).root, "ota", "state"),
    o.key,
    (text) => o.progress?.({ kind: "device", text }),
  );
  try {
    return await transfer(client, o, answers);
  } finally {
    answers.close();
  }
}

async function transfer(client: MqttClient, o: OtaOptions, answers: DeviceAnswers): Promise<OtaResult> {
  const started = Date.now();
  const root = deviceTopics(o.prefix, o.device).root;
  const topics = {
    otaSet: thingTopic(root, "ota", "set"),
    otaState: thingTopic(root, "ota", "state"),
    otaData: thingTopic(root, "otadata", "set"),
  };
  const chunkBytes = o.chunkBytes ?? 1024;
  const ackTimeoutMs = o.ackTimeoutMs ?? 8000;
  const size = o.bundle.length;
  const sha = createHash("sha256").update(Buffer.from(o.bundle, "latin1")).digest("hex");
  const granted = await client.subscribeAsync(topics.otaState, { qos: 1 });
  if (granted[0]?.qos === 128) throw new OtaError(`the broker refused a subscription to ${topics.otaState}`);

  const manifest = `OTA ${o.version} ${size} ${sha} ${o.confirmSeconds}${o.allowDowngrade ? " downgrade" : ""}`;
  const opened = await sendSignedCommand(client, {
    prefix: o.prefix,
    device: o.device,
    key: o.key,
    topic: topics.otaSet,
    cmd: manifest,
  });
  o.progress?.({ kind: "device", text: opened.detail });
  if (!opened.accepted)
    throw new OtaError(
      `the device refused the manifest: ${opened.detail}${/ is not newer than /.test(opened.detail) ? " (a downgrade: only with --allow-downgrade)" : ""}`,
    );

  let offset = 0;
  let tries = 0;
  while (offset < size) {
    const data = o.bundle.slice(offset, offset + chunkBytes);
    const sent = o.mangle ? o.mangle(offset, data) : data;
    await client.publishAsync(topics.otaData, Buffer.from(`${offset} ${sent}`, "latin1"), { qos: 1 });
    const answer = await answers.next((t) => t.startsWith("got ") || t.startsWith("refused"), ackTimeoutMs);
    if (answer === undefined) {
      if (++tries >= (o.maxTries ?? 5))
        throw new OtaError(`no answer from '${o.device}' for the chunk at ${offset}: is it online?`);
      continue;
    }
    if (answer.startsWith("refused")) {
      const why = answer.slice("refused ".length);
      throw new OtaError(
        why === "no transfer"
          ? `the device dropped the transfer at ${offset} of ${size} bytes (it rebooted?): it still runs its verified bundle; run the update again`
          : `the device refused the update: ${why}`,
      );
    }
    const got = Number(answer.slice(4));
    if (got === offset + data.length) tries = 0;
    offset = got;
    o.progress?.({ kind: "chunk", sent: offset, size });
  }
  const sentIn = (Date.now() - started) / 1000;
  const verdict = await answers.next(isVerdict, ackTimeoutMs);
  if (verdict === undefined) throw new OtaError("all bytes sent, but the device gave no verdict");
  if (verdict.startsWith("refused"))
    throw new OtaError(
      `the device refused the update: ${verdict.slice(8)}${verdict.includes("sha256") ? " (its running bundle is unchanged)" : ""}`,
    );
  const outcome = await answers.next(
    (t) => t.startsWith("confirmed") || t.startsWith("rolled back"),
    o.confirmSeconds * 1000 + 30000,
  );
  if (outcome === undefined)
    throw new OtaError(`the device rebooted into ${o.version} but neither confirmed nor rolled back in time`);
  if (!outcome.startsWith("confirmed"))
    throw new OtaError(`${outcome}: the new bundle did not confirm within ${o.confirmSeconds} s`);
  return { version: o.version, seconds: { transfer: sentIn, total: (Date.now() - started) / 1000 } };
}
