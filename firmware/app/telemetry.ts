// Health and sensor readings as one compact JSON object on the telemetry topic: at least every
// periodMs, early on a significant change (an input edge, the analog value or temperature
// moving by its threshold, a reconnect), and never two closer than minIntervalMs: a burst of
// changes costs one report at the end of the interval, held by one timer. A sample is a few
// numbers and one string built for the publish, all garbage once it is sent.
import type { Health } from "../hal/platform";
import type { Clock, TimerHandle, Timers } from "../hal/time";
import type { Ds18b20 } from "./ds18b20";
import type { TelemetryBehaviour } from "./profile";

/** A reading in JSON: three decimals, null before the first one. */
function reading(value: number): string {
  return isNaN(value) ? "null" : "" + Math.round(value * 1000) / 1000;
}

export class Telemetry {
  private readonly clock_: Clock;
  private readonly timers_: Timers;
  private readonly health_: Health;
  private readonly spec_: TelemetryBehaviour;
  private readonly analog_: (() => number) | undefined;
  private readonly sensor_: Ds18b20 | undefined;
  private publish_: ((json: string) => boolean) | undefined;
  private lastSent_: number;
  private held_: TimerHandle;
  private ups_: number;
  private drop_: string;
  private value_: number;
  private sentValue_: number;
  private temp_: number;
  private sentTemp_: number;
  private tempError_: string;
  /** Reports sent since boot. */
  sent: number;

  constructor(
    clock: Clock,
    timers: Timers,
    health: Health,
    spec: TelemetryBehaviour,
    analog: (() => number) | undefined,
    sensor: Ds18b20 | undefined,
  ) {
    this.clock_ = clock;
    this.timers_ = timers;
    this.health_ = health;
    this.spec_ = spec;
    this.analog_ = analog;
    this.sensor_ = sensor;
    this.lastSent_ = -spec.minIntervalMs;
    this.ups_ = this.sent = 0;
    this.drop_ = this.tempError_ = "";
    this.value_ = this.sentValue_ = this.temp_ = this.sentTemp_ = NaN;
    this.period_();
    this.sample_();
    this.measure_();
  }

  /** `publish` sends one report and says whether it went out (false while offline). */
  attach(publish: (json: string) => boolean): void {
    this.publish_ = publish;
  }

  linkUp(): void {
    this.ups_++;
    this.significant();
  }

  linkDown(reason: string): void {
    this.drop_ = reason;
  }

  /** Something worth a report changed: now, or at the end of the rate limit's interval. */
  significant(): void {
    const wait = this.lastSent_ + this.spec_.minIntervalMs - this.clock_.now();
    if (wait <= 0) return this.send_();
    if (this.held_ === undefined)
      this.held_ = this.timers_.set(() => {
        this.held_ = undefined;
        this.send_();
      }, wait);
  }

  /** The report as it would go out now. */
  json(): string {
    const memory = this.health_.memory();
    const heap = this.health_.heap();
    const rssi = this.health_.rssi();
    let text = '{"up":' + Math.floor(this.clock_.now() / 1000) + ',"free":' + memory.free + ',"vars":' + memory.total;
    if (heap >= 0) text += ',"heap":' + heap;
    if (rssi !== undefined) text += ',"rssi":' + rssi;
    text += ',"reconnects":' + (this.ups_ > 0 ? this.ups_ - 1 : 0) + ',"drop":' + JSON.stringify(this.drop_);
    if (this.analog_) text += ',"analog":' + reading(this.value_);
    if (this.sensor_)
      text += this.tempError_ ? ',"tempError":' + JSON.stringify(this.tempError_) : ',"temp":' + reading(this.temp_);
    return text + "}";
  }

  private send_(): void {
    this.timers_.clear(this.held_);
    this.held_ = undefined;
    if (!this.publish_ || !this.publish_(this.json())) return;
    this.sent++;
    this.lastSent_ = this.clock_.now();
    this.sentValue_ = this.value_;
    this.sentTemp_ = this.temp_;
  }

  private period_(): void {
    this.timers_.set(() => this.period_(), this.spec_.periodMs);
    this.significant();
  }

  private measure_(): void {
    const spec = this.spec_.temperature;
    if (!spec || !this.sensor_) return;
    this.timers_.set(() => this.measure_(), spec.sampleMs);
    this.sensor_.read((celsius, error) => {
      const changed = error !== this.tempError_;
      this.temp_ = celsius;
      this.tempError_ = error;
      if (changed || (!error && !(Math.abs(celsius - this.sentTemp_) < spec.threshold))) this.significant();
    });
  }

  private sample_(): void {
    const spec = this.spec_.analog;
    if (!spec || !this.analog_) return;
    this.timers_.set(() => this.sample_(), spec.sampleMs);
    this.value_ = spec.scale * this.analog_() + spec.offset;
    if (!(Math.abs(this.value_ - this.sentValue_) < spec.threshold)) this.significant();
  }
}
