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

export class WifiLink {
  private readonly radio_: WifiRadio;
  private readonly timers_: Timers;
  private readonly backoff_: Backoff;
  private readonly log_: Log;
  private readonly onUp_: () => void;
  private credentials_: WifiCredentials | undefined;
  private up_: boolean;
  private joining_: boolean;
  private attempts_: number;

  constructor(radio: WifiRadio, timers: Timers, backoff: Backoff, log: Log, onUp: () => void) {
    this.radio_ = radio;
    this.timers_ = timers;
    this.backoff_ = backoff;
    this.log_ = log;
    this.onUp_ = onUp;
    this.up_ = false;
    this.joining_ = false;
    this.attempts_ = 0;
    radio.onDisconnected((reason) => {
      if (!this.up_) return;
      this.up_ = false;
      this.log_.warn("Wi-Fi lost (" + reason + ")");
      this.join_();
    });
  }

  get up(): boolean {
    return this.up_;
  }

  start(credentials: WifiCredentials): void {
    this.credentials_ = credentials;
    this.join_();
  }

  private join_(): void {
    const credentials = this.credentials_;
    if (!credentials || this.joining_) return;
    this.joining_ = true;
    const attempt = ++this.attempts_;
    // A join whose callback never comes must not stall the device: after JOIN_TIMEOUT_MS it
    // counts as failed, and a late answer to an abandoned attempt is ignored.
    let timer: TimerHandle;
    const finish = (error: string | undefined) => {
      if (attempt !== this.attempts_ || !this.joining_) return;
      this.timers_.clear(timer);
      timer = undefined;
      this.joining_ = false;
      if (error === undefined) {
        this.up_ = true;
        this.backoff_.reset();
        this.log_.info("Wi-Fi joined " + credentials.ssid);
        this.onUp_();
        return;
      }
      const delay = this.backoff_.next(false);
      this.log_.warn("Wi-Fi join failed (" + error + "); retry in " + Math.round(delay / 1000) + " s");
      this.timers_.set(() => this.join_(), delay);
    };
    timer = this.timers_.set(() => {
      timer = undefined;
      finish("no answer within " + JOIN_TIMEOUT_MS / 1000 + " s");
    }, JOIN_TIMEOUT_MS);
    this.radio_.connect(credentials.ssid, credentials.password, finish);
  }
}
