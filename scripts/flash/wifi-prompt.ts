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

/** Wi-Fi's own rules (IEEE 802.11 and WPA2-PSK): an SSID of 1-32 bytes; a passphrase of 8-63
 *  printable ASCII characters, or the 64-hex-digit key itself. */
export function checkWifi(wifi: WifiSecrets): WifiSecrets {
  const ssidBytes = Buffer.byteLength(wifi.ssid, "utf8");
  if (ssidBytes === 0) throw new FlashError("the Wi-Fi network name (SSID) is empty");
  if (ssidBytes > 32) throw new FlashError(`the Wi-Fi network name is ${ssidBytes} bytes: an SSID has at most 32`);
  const p = wifi.password;
  if (!/^[0-9a-fA-F]{64}$/.test(p) && !/^[\x20-\x7e]{8,63}$/.test(p))
    throw new FlashError(
      `the Wi-Fi password must be 8 to 63 printable ASCII characters (WPA2), or 64 hex digits; it has ${p.length} characters`,
    );
  return wifi;
}

export async function askWifi(): Promise<WifiSecrets> {
  if (process.env.LATCHKEY_WIFI_SSID !== undefined && process.env.LATCHKEY_WIFI_PASSWORD !== undefined)
    return checkWifi(wifiFromEnv());
  if (!process.stdin.isTTY)
    throw new FlashError("no Wi-Fi credentials: set LATCHKEY_WIFI_SSID and LATCHKEY_WIFI_PASSWORD");
  const ssid = await ask("Wi-Fi network (SSID): ", false);
  // Refused before the password is asked.
  if (!ssid) throw new FlashError("the Wi-Fi network name (SSID) is empty");
  const password = await ask("Wi-Fi password: ", true);
  return checkWifi({ ssid, password });
}
