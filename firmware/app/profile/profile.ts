// The device profile: the non-secret half of espruino.config.json's "device" section, written
// to Storage as PROFILE_FILE at provisioning and validated again on the host before that
// (scripts/lib/config.ts). The firmware trusts its shape only after checkProfile()
// (profile-check.ts), which the host validator runs too.

/** Storage names (at most 28 characters, docs/espruino.md, "Boot and Storage"). */
export const PROFILE_FILE = "lk.profile";
/** {"ssid": ..., "password": ...}: written at provisioning, never Wifi.save()'s plain .wificfg. */
export const WIFI_FILE = "lk.wifi";
/** DER (binary strings): the CA, the device certificate and its private key. */
export const CA_FILE = "lk.ca";
export const CERT_FILE = "lk.cert";
export const KEY_FILE = "lk.key";
/** The command key: 32 raw bytes as a binary string (docs/protocol.md). */
export const CMDKEY_FILE = "lk.cmdkey";
/** "1" while a switch-mode relay with powerOn "restore" is on, else "0". */
export const RELAY_STATE_FILE = "lk.relay";

export interface PinSpec {
  /** Espruino pin name, e.g. "D26". Only hal/espruino turns it into a Pin. */
  pin: string;
  /** True when the hardware is on at the LOW level (most opto-isolated relay boards). */
  activeLow: boolean;
}

export interface RelayBehaviour {
  /** "switch" holds the commanded state; "pulse" closes for pulseMs (garage door opener). */
  mode: "switch" | "pulse";
  /** Pulse mode: how long one press closes the contact. */
  pulseMs: number;
  /** Pulse mode: ON is ignored while a press runs and for this long after it ends. */
  lockoutMs: number;
  /** Switch mode: the relay turns itself off after being on this long (0: no limit). */
  maxOnMs: number;
  /** Switch mode: "off" turns the relay off after linkLossMs without the broker; "hold" keeps it. */
  linkLoss: "hold" | "off";
  linkLossMs: number;
  /** Switch mode: "restore" switches back on at boot if it was on (pulse mode: always "off"). */
  powerOn: "off" | "restore";
}

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface BackoffSettings {
  baseMs: number;
  capMs: number;
  refusedMs: number;
  refusedCapMs: number;
}

/** A digital input on the pin of the same role name (reed switch, button). Active means the
 *  contact is made: the level is HIGH, or LOW when its pin is activeLow. */
export interface InputBehaviour {
  /** The internal pull; "none" for an external resistor, and always on GPIO 34-39 (no pulls). */
  pull: "up" | "down" | "none";
  /** The level must hold this long before a change counts (setWatch debounce). */
  debounceMs: number;
  /** Local action when the input becomes active, with or without a network. */
  action?: "toggle" | "pulse";
  /** The relay the action drives (default "relay"). */
  relay?: string;
}

/** A garage door: one pulsed relay (a press on the opener) and its end switches (input names). */
export interface CoverBehaviour {
  relay: string;
  closed: string;
  /** Absent in the single-sensor variant: the door counts as open when not closed. */
  open?: string;
  /** The longest travel from one end to the other; the expected switch must be reached by then. */
  travelMs: number;
}

export interface TelemetryBehaviour {
  /** A report at least this often. */
  periodMs: number;
  /** Never two reports closer than this (significant changes wait for it). */
  minIntervalMs: number;
  /** analogRead of a pin role (0..1) as scale * raw + offset; a change of threshold is significant. */
  analog?: { pin: string; scale: number; offset: number; threshold: number; sampleMs: number };
  /** A DS18B20 on the OneWire bus of a pin role; a change of threshold (degrees C) is significant. */
  temperature?: { pin: string; threshold: number; sampleMs: number };
}

/** Relays of which never two are on at once, with deadTimeMs between one off and the next on. */
export interface InterlockGroup {
  relays: string[];
  deadTimeMs: number;
}

export interface DeviceProfile {
  id: string;
  topicPrefix: string;
  pins: { relay: PinSpec; [name: string]: PinSpec };
  relay: RelayBehaviour;
  /** More relays, each on the pin of the same role name, with its own behaviour. */
  relays?: { [name: string]: RelayBehaviour };
  /** Inputs, each on the pin of the same role name. */
  inputs?: { [name: string]: InputBehaviour };
  cover?: CoverBehaviour;
  telemetry?: TelemetryBehaviour;
  interlock?: InterlockGroup[];
  broker: BrokerAddress;
  /** Further brokers of the same policy, tried in turn when the current one is lost
   *  (net/tls-transport.ts); the device keeps one session at a time. */
  failover?: BrokerAddress[];
  mqtt: {
    keepaliveSeconds: number;
    connectTimeoutMs: number;
    maxPacketBytes: number;
    /** Outgoing QoS 1 messages held unacknowledged (default 8). */
    maxInflight?: number;
  };
  /** Reconnect delays (net/backoff.ts); defaults when absent. */
  backoff?: BackoffSettings;
  /** Signed commands; defaults (DEFAULT_FRESHNESS_MS) when absent. */
  commands?: CommandSettings;
}

export interface CommandSettings {
  /** A nonce expires this long after the device issued it (device clock). */
  freshnessMs?: number;
  /** The longest maintenance window a command may open (default 600 s). */
  maintenanceMaxSeconds?: number;
}

export const DEFAULT_FRESHNESS_MS = 30000;

// Which optional parts this build holds (build/build.ts defines the flags from the profile it
// builds for); host code, where they are not defined, has every part.
export const HAS_INPUTS = typeof __LK_INPUTS__ === "undefined" || __LK_INPUTS__;
export const HAS_COVER = typeof __LK_COVER__ === "undefined" || __LK_COVER__;
export const HAS_TELEMETRY = typeof __LK_TELEMETRY__ === "undefined" || __LK_TELEMETRY__;
export const HAS_RELAYS = typeof __LK_RELAYS__ === "undefined" || __LK_RELAYS__;
