import type { DeviceProfile, RelayBehaviour } from "../../firmware/app/profile/profile.ts";

/** A complete relay section: pulse mode unless `overrides` says otherwise. */
export function relayBehaviour(overrides: Partial<RelayBehaviour> = {}): RelayBehaviour {
  return {
    mode: "pulse",
    pulseMs: 600,
    lockoutMs: 2000,
    maxOnMs: 0,
    linkLoss: "hold",
    linkLossMs: 60000,
    powerOn: "off",
    ...overrides,
  };
}

/** A complete, valid profile (what the host validator hands the device). The relay is on
 *  D23, active high: a pin with no pull at reset, so it is boot-safe. */
export function testProfile(overrides: Partial<DeviceProfile> = {}): DeviceProfile {
  return {
    id: "garage-door",
    topicPrefix: "latchkey",
    pins: { relay: { pin: "D23", activeLow: false }, door: { pin: "D27", activeLow: true } },
    relay: relayBehaviour(),
    broker: { host: "127.0.0.1", port: 8883 },
    mqtt: { keepaliveSeconds: 30, connectTimeoutMs: 15000, maxPacketBytes: 4096 },
    ...overrides,
  };
}
