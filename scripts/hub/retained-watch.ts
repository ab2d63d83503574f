// Notices when the broker dropped the hub's retained burst. When the hub subscribes to every
// device, the broker sends each device's retained messages at once; a broker whose queue per
// client is too small drops the rest and tells only its own log (Mosquitto: "Outgoing messages
// are being dropped"), and those devices would stay "unknown" for ever. Every device that ever
// connected has a retained availability (its will, firmware/app/device.ts), so once the burst
// has been quiet for `quietMs`, the devices not heard from are asked again, a few at a time
// (a repeated SUBSCRIBE sends the retained messages again, [MQTT-3.8.4-3]); what arrives then
// was dropped the first time, and the hub says so in one line, as it does for devices still
// silent after that. Any message from a device counts, not only retained ones: on a clustered
// broker a device connected to another node has its retained messages on that node alone
// (RabbitMQ 3.10 keeps them per node), yet it answers the hub's challenge live, so it is heard.

/** Quiet that ends a burst; devices asked again per SUBSCRIBE. */
export const RETAINED_QUIET_MS = 2000;
export const ASK_AGAIN_BATCH = 50;

export interface RetainedWatchOptions {
  /** Every device followed, in order, with its topic filter. */
  devices: () => { id: string; filter: string }[];
  subscribe: (filters: string[]) => Promise<unknown>;
  log: (line: string) => void;
  quietMs?: number;
  batch?: number;
}

export class RetainedWatch {
  private devicesHeard = new Set<string>();
  private lastAt = 0;
  private generation = 0;
  private readonly quietMs: number;
  private readonly batch: number;

  constructor(private readonly options: RetainedWatchOptions) {
    this.quietMs = options.quietMs ?? RETAINED_QUIET_MS;
    this.batch = options.batch ?? ASK_AGAIN_BATCH;
  }

  /** A message from `device` arrived (retained or live). */
  heard(device: string): void {
    this.devicesHeard.add(device);
    this.lastAt = Date.now();
  }

  /** The hub's subscription to every device was acknowledged: check the burst that follows.
   *  Resolves when the check is done, or at once when `stop()` or a new `subscribed()` ends it. */
  async subscribed(): Promise<void> {
    const generation = ++this.generation;
    this.devicesHeard = new Set();
    this.lastAt = Date.now();
    const current = () => generation === this.generation;
    if (!(await this.quiet(current))) return;
    const devices = this.options.devices();
    const silent = devices.filter((d) => !this.devicesHeard.has(d.id));
    if (silent.length === 0) return;
    for (let i = 0; i < silent.length; i += this.batch) {
      await this.options.subscribe(silent.slice(i, i + this.batch).map((d) => d.filter));
      this.lastAt = Date.now();
      if (!(await this.quiet(current))) return;
    }
    const dropped = silent.filter((d) => this.devicesHeard.has(d.id));
    const still = silent.filter((d) => !this.devicesHeard.has(d.id));
    const total = devices.length;
    if (dropped.length > 0)
      this.options.log(
        `the broker dropped the retained messages of ${dropped.length} of ${total} devices (${names(dropped)}); they came when asked again in smaller batches: its queue per client is too small for this fleet (Mosquitto: max_queued_messages; npm run broker -- --profiles DIR sizes it for every device in the CA)`,
      );
    if (still.length > 0)
      this.options.log(
        `${still.length} of ${total} devices have never reported their availability (${names(still)}): never connected to this broker, or it drops messages`,
      );
  }

  stop(): void {
    this.generation++;
  }

  /** Waits until no retained message came for quietMs; false when the check was ended. */
  private async quiet(current: () => boolean): Promise<boolean> {
    for (;;) {
      if (!current()) return false;
      const left = this.lastAt + this.quietMs - Date.now();
      if (left <= 0) return true;
      await new Promise((resolve) => setTimeout(resolve, left).unref());
    }
  }
}

function names(devices: { id: string }[]): string {
  const shown = devices.slice(0, 3).map((d) => d.id);
  return devices.length > 3 ? `${shown.join(", ")} and ${devices.length - 3} more` : shown.join(", ");
}
