// `npm run command -- <device> on|off|pulse`: one signed relay command as the hub identity, to
// the broker `npm start` (or `npm run broker`) is running; prints the device's verified result
// and exits non-zero when it refused, did not answer, or the command could not be sent.
import { runTool } from "../lib/cli.ts";
import { UserError } from "../lib/errors.ts";
import { deviceTopics, thingTopic } from "../../firmware/app/protocol/topics.ts";
import { PkiStore } from "../lib/pki-store.ts";
import { connectTool, endSession, sessionLost } from "../lib/hub.ts";
import { NOT_LIVE } from "../../firmware/app/protocol/auth.ts";
import { readCommandKey, sendSignedCommand } from "../lib/signing.ts";
import { projectConfig, stateDir } from "../lib/state.ts";
import { resultWords } from "../hub/value-words.ts";

const WORDS: Record<string, string> = { on: "ON", off: "OFF", pulse: "PULSE" };
const USAGE = "usage: npm run command -- <device> on|off|pulse";

class CommandError extends UserError {}

async function main(): Promise<void> {
  const [device, word, ...rest] = process.argv.slice(2);
  if (!device || !word || rest.length > 0) throw new CommandError(USAGE);
  const cmd = WORDS[word.toLowerCase()];
  if (!cmd) throw new CommandError(`unknown command '${word}': on, off or pulse (${USAGE})`);
  const config = projectConfig();
  const state = stateDir(config);
  const index = await new PkiStore(state).readIndex();
  if (!index.certificates.some((c) => c.kind === "device" && c.cn === device && c.status === "active"))
    throw new CommandError(`no active device certificate for '${device}' in the CA (npm run pki -- list)`);
  const key = readCommandKey(state, device);
  const { client } = await connectTool(state, config);
  const topic = thingTopic(deviceTopics(config.device.topicPrefix, device).root, "relay", "set");
  try {
    // Lost before the device answered (another program took the session over): one line, non-zero.
    const result = await Promise.race([
      sendSignedCommand(client, { prefix: config.device.topicPrefix, device, key, topic, cmd }),
      sessionLost(client),
    ]);
    console.log(`${device}: ${cmd} ${resultWords(result.accepted, result.detail)}`);
    // Never sent again automatically: a second copy could be a second press.
    if (result.detail === NOT_LIVE)
      console.log(
        `${device}: the device did not act on this command (another client took the nonce, or it arrived late); run it again if you still want it`,
      );
    if (!result.accepted) process.exitCode = 1;
  } finally {
    await endSession(client);
  }
}

// Arguments are positional (`<device> <word>`); the runner refuses any option.
runTool("command", { options: {}, allowPositionals: true, usage: USAGE }, () => main());
