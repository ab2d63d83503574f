// `npm run command -- on|off [device-id]`: sends one relay command as the hub identity, to the
// broker `npm start` (or `npm run broker`) is running.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { deviceTopics } from "../firmware/app/topics.ts";
import { projectConfig, stateDir } from "./lib/state.ts";
import { connectAsHub } from "./lib/hub.ts";

async function main(): Promise<void> {
  const [word, id] = process.argv.slice(2);
  if (!word) throw new Error("usage: npm run command -- on|off [device-id]");
  const config = projectConfig();
  const state = stateDir(config);
  const listening = path.join(state, "broker", "listening.json");
  const { host, port } = existsSync(listening)
    ? (JSON.parse(readFileSync(listening, "utf8")) as { host: string; port: number })
    : config.device.broker;
  const client = await connectAsHub(state, host, port, false);
  const topic = deviceTopics(config.device.topicPrefix, id ?? config.device.id).relaySet;
  await client.publishAsync(topic, word.toUpperCase(), { qos: 1 });
  console.log(`sent ${word.toUpperCase()} to ${topic}`);
  await client.endAsync();
}

main().catch((error: unknown) => {
  console.error(`command: ${(error as Error).message}`);
  process.exit(1);
});
