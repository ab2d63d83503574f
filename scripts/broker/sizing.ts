// How deep the broker's per-client queues must be for the fleet it serves. A client that
// follows every device (the hub, an unlimited operator) subscribes once and is sent every
// device's retained messages at once, QoS 1: Mosquitto holds at most max_inflight_messages
// (default 20) in flight and max_queued_messages (default 1000) queued per client and drops
// the rest with one log line ("Outgoing messages are being dropped"). With 3 retained topics
// per device the default serves 340 devices; a cover or inputs add topics and lower that.
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { deviceEntities } from "../lib/entities.ts";
import type { PkiIndex } from "../lib/pki-store.ts";

/** Mosquitto 2's defaults (mosquitto.conf(5)). */
export const MOSQUITTO_DEFAULT_QUEUED = 1000;
export const MOSQUITTO_DEFAULT_INFLIGHT = 20;
/** Retained topics assumed per device when no profile says more: availability, the relay,
 *  the maintenance window, a cover and its fault, three further relays or inputs. */
export const DEFAULT_RETAINED_PER_DEVICE = 8;

/** The retained topics one device publishes: its availability (the will) and every signed
 *  report people act on (firmware/app/reports.ts: retained, latest value per topic). */
export function retainedTopics(profile: DeviceProfile): number {
  return (
    1 +
    new Set(
      deviceEntities(profile)
        .filter((e) => e.signed)
        .map((e) => e.topic),
    ).size
  );
}

/** The most retained topics any of `profiles` has, and never fewer than the default. */
export function retainedPerDevice(profiles: DeviceProfile[]): number {
  return Math.max(DEFAULT_RETAINED_PER_DEVICE, ...profiles.map(retainedTopics));
}

export interface QueueLimits {
  devices: number;
  /** Retained messages one subscriber to every device is sent at once. */
  burst: number;
  maxQueued: number;
  maxInflight: number;
}

/** Twice the burst (live reports and a second subscription of the same client arrive while it
 *  drains), never below Mosquitto's default; the in-flight window grows with the burst (it is
 *  what a slow link drains per round trip) from 20 up to 100. A limit, not an allocation:
 *  Mosquitto keeps a reference per queued message. */
export function queueLimits(index: PkiIndex, perDevice = DEFAULT_RETAINED_PER_DEVICE): QueueLimits {
  const devices = index.certificates.filter((c) => c.kind === "device" && c.status === "active").length;
  const burst = devices * perDevice;
  return {
    devices,
    burst,
    maxQueued: Math.max(MOSQUITTO_DEFAULT_QUEUED, 2 * burst),
    maxInflight: Math.min(100, Math.max(MOSQUITTO_DEFAULT_INFLIGHT, Math.ceil(burst / 50))),
  };
}
