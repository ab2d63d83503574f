// Keeps the station joined: joins at start, and after every loss tries again through its own
// Backoff (Espruino on ESP32 does not reliably rejoin by itself).
import type { Log } from "../hal/platform";
import type { TimerHandle, Timers } from "../hal/time";
import type { WifiRadio } from "../hal/wifi";
import type { Backoff } from "./backoff";

/** Longest wait for the radio to answer a join (ESP32 joins take a few seconds). */
export const JOIN_TIMEOUT_MS = 30000;

export interface WifiCredentials {
  ssid: string;
  password: string;
}

export interface WifiLink {
  readonly up: boolean;
  start(credentials: WifiCredentials): void;
}

export function createWifiLink(
  radio: WifiRadio,
  timers: Timers,
  backoff: Backoff,
  log: Log,
  onUp: () => void,
): WifiLink {
  let credentials: WifiCredentials | undefined;
  let up = false;
  let joining = false;
  let attempts = 0;
  const join = () => {
    const wanted = credentials;
    if (!wanted || joining) return;
    joining = true;
    const attempt = ++attempts;
    // A join whose callback never comes must not stall the device: after JOIN_TIMEOUT_MS it
    // counts as failed, and a late answer to an abandoned attempt is ignored.
    let timer: TimerHandle;
    const finish = (error: string | undefined) => {
      if (attempt !== attempts || !joining) return;
      timers.clear(timer);
      timer = undefined;
      joining = false;
      if (error === undefined) {
        up = true;
        backoff.reset();
        log.info("Wi-Fi joined " + wanted.ssid);
        onUp();
        return;
      }
      const delay = backoff.next(false);
      log.warn("Wi-Fi join failed (" + error + "); retry in " + Math.round(delay / 1000) + " s");
      timers.set(join, delay);
    };
    timer = timers.set(() => {
      timer = undefined;
      finish("no answer within " + JOIN_TIMEOUT_MS / 1000 + " s");
    }, JOIN_TIMEOUT_MS);
    radio.connect(wanted.ssid, wanted.password, finish);
  };
  radio.onDisconnected((reason) => {
    if (!up) return;
    up = false;
    log.warn("Wi-Fi lost (" + reason + ")");
    join();
  });
  return {
    get up() {
      return up;
    },
    start: (c) => {
      credentials = c;
      join();
    },
  };
}
