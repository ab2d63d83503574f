// Command payloads a fuzzer throws at the gate: random bytes, huge, every wrong JSON type in
// every field, truncated and altered MACs, prototype keys. `live` is the device's live nonce
// (so the payloads get past the nonce check to the MAC); `genuine` a correctly signed payload,
// which itself is never among them.
import { seeded } from "./random.ts";

export function fuzzPayloads(seed: number, count: number, live: string, genuine: string): string[] {
  const random = seeded(seed);
  const int = (n: number) => Math.floor(random() * n);
  const bytes = (n: number) => String.fromCharCode(...Array.from({ length: n }, () => int(256)));
  const good = JSON.parse(genuine) as { cmd: string; nonce: string; mac: string };
  const wrong: unknown[] = [null, true, 0, -1, 1.5, "", [], {}, ["ON"], { cmd: "ON" }, "ON", "x".repeat(300)];
  const fixed: string[] = [
    "",
    "null",
    "[]",
    "{}",
    '"ON"',
    "1e999",
    "{".repeat(200),
    "[".repeat(300),
    '{"__proto__":{"cmd":"ON"}}',
    '{"constructor":{"prototype":{"cmd":"ON"}}}',
    JSON.stringify({ ...good, mac: good.mac.toUpperCase() }),
    JSON.stringify({ ...good, mac: good.mac.slice(0, 63) }),
    JSON.stringify({ ...good, mac: good.mac.slice(0, 32) }),
    JSON.stringify({ ...good, mac: good.mac + "0" }),
    JSON.stringify({ ...good, mac: "" }),
    JSON.stringify({ ...good, nonce: live.toUpperCase() }),
    JSON.stringify({ ...good, cmd: "ON " }),
    JSON.stringify({ ...good, cmd: "on" }),
    JSON.stringify({ ...good, cmd: "ON\u0000" }),
    genuine.slice(0, genuine.length - 2),
    "x".repeat(3000),
  ];
  const out = [...fixed];
  while (out.length < count + 50) {
    const kind = int(5);
    if (kind === 0) out.push(bytes(int(400)));
    else if (kind === 1) {
      const field = ["cmd", "nonce", "mac"][int(3)];
      out.push(JSON.stringify({ ...good, nonce: live, [field]: wrong[int(wrong.length)] }));
    } else if (kind === 2) {
      const mac = good.mac.split("");
      const at = int(64);
      mac[at] = "0123456789abcdef".replace(mac[at], "")[int(15)];
      out.push(JSON.stringify({ ...good, nonce: live, mac: mac.join("") }));
    } else if (kind === 3) out.push(genuine.slice(0, int(genuine.length)));
    else out.push(JSON.stringify({ ...good, nonce: live, cmd: bytes(1 + int(40)) }));
  }
  // Nothing the fuzzer makes may be the genuine command itself (a field replaced by its own
  // value, an alteration that restores it).
  const isGenuine = (payload: string) => {
    try {
      const m = JSON.parse(payload);
      return m?.cmd === good.cmd && m?.nonce === good.nonce && m?.mac === good.mac;
    } catch {
      return false;
    }
  };
  return out.filter((p) => !isGenuine(p)).slice(0, count);
}
