// The session settings and event handlers both bench entries bundle (never flashed).
import type { SessionEvents, SessionOptions } from "../../firmware/mqtt/session";

export const BENCH_OPTIONS: SessionOptions = {
  clientId: "d",
  cleanSession: true,
  keepaliveSeconds: 30,
  connectTimeoutMs: 15000,
  maxPacketBytes: 4096,
  maxInflight: 8,
  maxInflightBytes: 4096,
  healthyMs: 60000,
  will: { topic: "t", payload: "offline", qos: 1, retain: true },
};

export function benchEvents(onConnected: () => void): SessionEvents {
  return {
    connected: onConnected,
    disconnected: (reason) => console.log(reason),
    message: (topic, payload) => console.log(topic, payload),
  };
}

export const benchTimers = {
  set: (f: () => void, ms: number) => setTimeout(f, ms),
  clear: (h: unknown) => {
    if (h !== undefined) clearTimeout(h as number);
  },
};
