// Signed commands and verified reports for tests, through the project's own signing module
// (scripts/lib/signing.ts): what the hub and `npm run command` do.
import type mqtt from "mqtt";
import { readCommandKey, sendSignedCommand, verifyReport, verifyResult } from "../../scripts/lib/signing.ts";

export interface Signer {
  key: Buffer;
  /** Sends `cmd` signed to `<prefix>/<device>/<thing>/set` and resolves with the result. */
  send(cmd: string, thing?: string): Promise<{ accepted: boolean; detail: string }>;
}

export function signer(client: mqtt.MqttClient, stateDir: string, prefix: string, device: string): Signer {
  const key = readCommandKey(stateDir, device);
  return {
    key,
    send: (cmd, thing = "relay") =>
      sendSignedCommand(client, {
        prefix,
        device,
        key,
        topic: `${prefix}/${device}/${thing}/set`,
        cmd,
        timeoutMs: 8000,
      }),
  };
}

/** Every report on `topic` as "VALUE" when its signature verifies, "FORGED: <why>" when not. */
export async function verifiedReports(client: mqtt.MqttClient, key: Buffer, topic: string): Promise<string[]> {
  const seen: string[] = [];
  client.on("message", (t, payload) => {
    if (t !== topic) return;
    const report = verifyReport(key, topic, payload);
    seen.push(report.ok ? report.value : `FORGED: ${report.error}`);
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return seen;
}

/** Every result on `<root>/result` for messages on `commandTopic`, verified: "ok <detail>",
 *  "refused <detail>", or "FORGED: <why>". */
export async function verifiedResults(client: mqtt.MqttClient, key: Buffer, commandTopic: string): Promise<string[]> {
  const resultTopic = commandTopic.split("/").slice(0, 2).join("/") + "/result";
  const seen: string[] = [];
  client.on("message", (t, payload) => {
    if (t !== resultTopic) return;
    const result = verifyResult(key, commandTopic, payload);
    seen.push(result.ok ? `${result.accepted ? "ok" : "refused"} ${result.detail}` : `FORGED: ${result.error}`);
  });
  await client.subscribeAsync(resultTopic, { qos: 1 });
  return seen;
}
