import type { DeviceProfile } from "../../firmware/app/profile.ts";

export function testProfile(overrides: Partial<DeviceProfile> = {}): DeviceProfile {
  return {
    id: "garage-door",
    topicPrefix: "latchkey",
    pins: { relay: { pin: "D26", activeLow: false }, door: { pin: "D27", activeLow: true } },
    relay: { mode: "pulse", pulseMs: 600 },
    broker: { host: "127.0.0.1", port: 8883 },
    mqtt: { keepaliveSeconds: 30, connectTimeoutMs: 15000, maxPacketBytes: 4096 },
    ...overrides,
  };
}
