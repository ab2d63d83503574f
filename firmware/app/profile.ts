// The device profile: the non-secret half of espruino.config.json's "device" section, written
// to Storage as PROFILE_FILE at provisioning and validated again on the host before that
// (scripts/config.ts). The firmware trusts its shape only after checkProfile().

/** Storage names (at most 28 characters, PLATFORM.md "Boot and storage"). */
export const PROFILE_FILE = "lk.profile";
/** {"ssid": ..., "password": ...}: written at provisioning, never Wifi.save()'s plain .wificfg. */
export const WIFI_FILE = "lk.wifi";
/** DER (binary strings): the CA, the device certificate and its private key. */
export const CA_FILE = "lk.ca";
export const CERT_FILE = "lk.cert";
export const KEY_FILE = "lk.key";

export interface PinSpec {
  /** Espruino pin name, e.g. "D26". Only hal/espruino turns it into a Pin. */
  pin: string;
  /** True when the hardware is on at the LOW level (most opto-isolated relay boards). */
  activeLow: boolean;
}

export interface RelayBehaviour {
  /** "switch" holds the commanded state; "pulse" closes for pulseMs (garage door opener). */
  mode: "switch" | "pulse";
  pulseMs: number;
}

export interface DeviceProfile {
  id: string;
  topicPrefix: string;
  pins: { relay: PinSpec; [name: string]: PinSpec };
  relay: RelayBehaviour;
  broker: { host: string; port: number };
  mqtt: {
    keepaliveSeconds: number;
    connectTimeoutMs: number;
    maxPacketBytes: number;
    /** Outgoing QoS 1 messages held unacknowledged (default 8). */
    maxInflight?: number;
  };
  /** Reconnect delays (net/backoff.ts); defaults when absent. */
  backoff?: { baseMs: number; capMs: number; refusedMs: number; refusedCapMs: number };
}

/** Returns why a stored profile cannot be used, or undefined when it can. */
export function checkProfile(value: unknown): string | undefined {
  const profile = value as DeviceProfile | undefined;
  if (!profile || typeof profile !== "object") return "missing or not JSON";
  if (typeof profile.id !== "string" || profile.id === "") return "no device id";
  if (!profile.pins || !profile.pins.relay || typeof profile.pins.relay.pin !== "string") return "no relay pin";
  if (!profile.relay || (profile.relay.mode !== "switch" && profile.relay.mode !== "pulse")) return "no relay mode";
  if (!profile.broker || typeof profile.broker.host !== "string") return "no broker";
  return undefined;
}
