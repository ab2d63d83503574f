// What provisioning writes into a device's Storage: the same file layout whether it goes to a
// real ESP32 (npm run flash, through the Espruino CLI) or to the simulated one. Secrets come
// from the CA's state folder and the environment, never from git or the bundle.
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  CA_FILE,
  CERT_FILE,
  CMDKEY_FILE,
  KEY_FILE,
  PROFILE_FILE,
  WIFI_FILE,
  type DeviceProfile,
} from "../../firmware/app/profile/profile.ts";
import { BOOT_STUB, BOOT_STUB_FILE } from "../../firmware/app/maintenance/boot-stub.ts";
import { PkiError } from "./errors.ts";
import { PkiStore } from "./pki-store.ts";
import { readCommandKey } from "./signing.ts";

export interface WifiSecrets {
  ssid: string;
  password: string;
}

/** Storage name -> contents (binary strings), the bundle as `.bootcde` (Espruino's boot code). */
export function deviceStorageFiles(
  profile: DeviceProfile,
  stateDir: string,
  wifi: WifiSecrets,
  bundle?: string,
): Record<string, string> {
  const store = new PkiStore(stateDir);
  const dir = store.identityDir("device", profile.id);
  const der = (file: string) => {
    try {
      return readFileSync(path.join(dir, file)).toString("latin1");
    } catch {
      throw new PkiError(
        `no certificate for device '${profile.id}' in ${dir}: run npm run pki -- device ${profile.id}`,
      );
    }
  };
  const files: Record<string, string> = {
    [PROFILE_FILE]: JSON.stringify(profile),
    [WIFI_FILE]: JSON.stringify(wifi),
    [CA_FILE]: der("ca.der"),
    [CERT_FILE]: der("cert.der"),
    [KEY_FILE]: der("key.der"),
    [CMDKEY_FILE]: readCommandKey(stateDir, profile.id).toString("latin1"),
  };
  // The OTA boot stub (firmware/app/maintenance/boot-stub.ts): restores the previous bundle when an
  // update does not confirm. Written with the bundle, so every flashed device has it.
  if (bundle !== undefined) {
    files[BOOT_STUB_FILE] = BOOT_STUB;
    files[".bootcde"] = bundle;
  }
  return files;
}

/** Wi-Fi credentials from the environment (LATCHKEY_WIFI_SSID / LATCHKEY_WIFI_PASSWORD). */
export function wifiFromEnv(fallback?: WifiSecrets): WifiSecrets {
  const ssid = process.env.LATCHKEY_WIFI_SSID ?? fallback?.ssid;
  const password = process.env.LATCHKEY_WIFI_PASSWORD ?? fallback?.password;
  if (!ssid || password === undefined)
    throw new PkiError("set LATCHKEY_WIFI_SSID and LATCHKEY_WIFI_PASSWORD to the network the device joins");
  return { ssid, password };
}
