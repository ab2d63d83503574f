// Every report people act on (relay, input and cover states) goes out through report():
// retained, QoS 1, latest value per topic. While the broker is away only the latest value of
// each topic is kept (bounded by the profile's topics), and all of them go out again at every
// CONNACK; a publish the session refuses (in-flight store full) is retried shortly.
import type { TimerHandle, Timers } from "../hal/time";

/** Wait before retrying reports the session could not take. */
export const REPORT_RETRY_MS = 250;

export class Reports {
  private readonly timers_: Timers;
  private readonly values_: { [topic: string]: string };
  private dirty_: { [topic: string]: boolean };
  private publish_: ((topic: string, value: string) => string | undefined) | undefined;
  private retry_: TimerHandle;

  constructor(timers: Timers) {
    this.timers_ = timers;
    this.values_ = {};
    this.dirty_ = {};
  }

  /** `publish` returns why a report could not be sent (offline, store full), or undefined. */
  attach(publish: (topic: string, value: string) => string | undefined): void {
    this.publish_ = publish;
  }

  report(topic: string, value: string): void {
    this.values_[topic] = value;
    this.dirty_[topic] = true;
    this.flush();
  }

  /** The link came up: every report goes out again. */
  resend(): void {
    for (const topic in this.values_) this.dirty_[topic] = true;
    this.flush();
  }

  flush(): void {
    if (!this.publish_ || this.retry_ !== undefined) return;
    for (const topic in this.dirty_) {
      const problem = this.publish_(topic, this.values_[topic]);
      if (problem === "offline") return;
      if (problem !== undefined) {
        this.retry_ = this.timers_.set(() => {
          this.retry_ = undefined;
          this.flush();
        }, REPORT_RETRY_MS);
        return;
      }
      delete this.dirty_[topic];
    }
  }
}
