// Wi-Fi credentials for provisioning: LATCHKEY_WIFI_SSID / LATCHKEY_WIFI_PASSWORD, else asked
// on the terminal (the password is not echoed). Never read from a file in the repository.
import readline from "node:readline";
import { FlashError } from "../lib/espruino-cli.ts";
import { wifiFromEnv, type WifiSecrets } from "../lib/provision.ts";

function ask(question: string, hidden: boolean): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) {
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) =>
      write(s.startsWith(question) ? s : "");
  }
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stderr.write("\n");
      resolve(answer);
    }),
  );
}

export async function askWifi(): Promise<WifiSecrets> {
  if (process.env.LATCHKEY_WIFI_SSID !== undefined && process.env.LATCHKEY_WIFI_PASSWORD !== undefined)
    return wifiFromEnv();
  if (!process.stdin.isTTY)
    throw new FlashError("no Wi-Fi credentials: set LATCHKEY_WIFI_SSID and LATCHKEY_WIFI_PASSWORD");
  const ssid = await ask("Wi-Fi network (SSID): ", false);
  const password = await ask("Wi-Fi password: ", true);
  if (!ssid) throw new FlashError("no Wi-Fi network given");
  return { ssid, password };
}
