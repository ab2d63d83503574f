// Fuzzing the decoder with a fixed seed: thousands of valid, mutated and random streams in
// random chunkings. The decoder must only ever hand out packets or return its own protocol
// errors, never throw, and never hold more than maxPacketBytes between calls.
import { describe, expect, it } from "vitest";
import { decodeAny } from "../../firmware/mqtt/codec/decode-any.ts";
import { Decoder } from "../../firmware/mqtt/codec/decoder.ts";
import { encode } from "../../firmware/mqtt/codec/encode-any.ts";
import type { Packet } from "../../firmware/mqtt/codec/packets.ts";
import { seeded } from "../support/random.ts";

const MAX = 512;
const OWN_ERROR = /(\[MQTT-[0-9.-]+\]|\(section [0-9.]+\)|after the last field|\(maxPacketBytes\))$/;

function makeFuzz(seed: number) {
  const random = seeded(seed);
  const int = (n: number) => Math.floor(random() * n);
  const text = (n: number) => Array.from({ length: int(n) + 1 }, () => "abcxyz/09-_"[int(11)]).join("");
  const binary = (n: number) => Array.from({ length: int(n) }, () => String.fromCharCode(int(256))).join("");
  const id = () => int(65535) + 1;

  function packet(): Packet {
    switch (int(11)) {
      case 0:
        return {
          type: 1,
          clientId: text(20),
          cleanSession: random() < 0.5,
          keepalive: int(65536),
          ...(random() < 0.5
            ? { will: { topic: text(30), payload: binary(40), qos: int(2) as 0 | 1, retain: random() < 0.5 } }
            : {}),
          ...(random() < 0.5 ? { username: text(10), password: binary(10) } : {}),
        };
      case 1:
        return { type: 2, sessionPresent: false, returnCode: int(6) };
      case 2: {
        const qos = int(2) as 0 | 1;
        return {
          type: 3,
          topic: text(40),
          payload: binary(random() < 0.1 ? 600 : 60),
          qos,
          retain: random() < 0.5,
          dup: qos === 1 && random() < 0.5,
          ...(qos ? { id: id() } : {}),
        };
      }
      case 3:
        return { type: 4, id: id() };
      case 4:
        return {
          type: 8,
          id: id(),
          subscriptions: Array.from({ length: int(4) + 1 }, () => ({
            filter: text(20) + (random() < 0.3 ? "/#" : ""),
            qos: int(3),
          })),
        };
      case 5:
        return { type: 9, id: id(), granted: Array.from({ length: int(4) + 1 }, () => [0, 1, 2, 0x80][int(4)]) };
      case 6:
        return { type: 10, id: id(), filters: Array.from({ length: int(3) + 1 }, () => text(20)) };
      case 7:
        return { type: 11, id: id() };
      default:
        return { type: [12, 13, 14][int(3)] } as Packet;
    }
  }

  function mutate(wire: string): string {
    const chars = wire.split("");
    switch (int(4)) {
      case 0: // flip bits in a few bytes
        for (let i = 0; i < 1 + int(3); i++) {
          const at = int(chars.length);
          chars[at] = String.fromCharCode(chars[at].charCodeAt(0) ^ (1 << int(8)));
        }
        return chars.join("");
      case 1: // truncate
        return wire.slice(0, int(wire.length));
      case 2: // insert garbage
        return wire.slice(0, int(wire.length)) + binary(8) + wire.slice(int(wire.length));
      default: // pure noise
        return binary(40);
    }
  }

  function chunks(stream: string): string[] {
    const out: string[] = [];
    for (let at = 0; at < stream.length;) {
      const n = random() < 0.3 ? 1 : 1 + int(64);
      out.push(stream.slice(at, at + n));
      at += n;
    }
    return out;
  }

  return { int, random, packet, mutate, chunks };
}

describe("decoder fuzz (fixed seed)", () => {
  it("decodes thousands of valid streams back to what was encoded, in any chunking", () => {
    const fuzz = makeFuzz(0x1a7c4e1);
    let total = 0;
    for (let round = 0; round < 2000; round++) {
      const sent = Array.from({ length: 1 + fuzz.int(6) }, fuzz.packet).filter((p) => encode(p).length <= MAX);
      const decoder = new Decoder(MAX, decodeAny);
      const got: Packet[] = [];
      for (const chunk of fuzz.chunks(sent.map(encode).join(""))) {
        expect(decoder.push(chunk, (p) => got.push(p))).toBeUndefined();
        expect(decoder.buffered).toBeLessThanOrEqual(MAX);
      }
      expect(got).toEqual(sent);
      expect(decoder.buffered).toBe(0);
      total += sent.length;
    }
    expect(total).toBeGreaterThan(5000);
  });

  it("on mutated and random streams returns only packets or its own errors, within its bound", () => {
    const fuzz = makeFuzz(0xbadc0de);
    const seen = { packets: 0, errors: 0, oversized: 0 };
    for (let round = 0; round < 10000; round++) {
      const parts = Array.from({ length: 1 + fuzz.int(4) }, () => {
        const wire = encode(fuzz.packet());
        return fuzz.random() < 0.5 ? fuzz.mutate(wire) : wire;
      });
      const decoder = new Decoder(MAX, decodeAny);
      let error: string | undefined;
      for (const chunk of fuzz.chunks(parts.join(""))) {
        let result: string | undefined;
        expect(() => {
          result = decoder.push(chunk, (p) => {
            expect(p.type).toBeOneOf([1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14]);
            seen.packets++;
          });
        }).not.toThrow();
        expect(decoder.buffered).toBeLessThanOrEqual(MAX);
        if (result !== undefined) {
          expect(result).toMatch(OWN_ERROR);
          if (error !== undefined) expect(result).toBe(error);
          error = result;
        }
      }
      if (error !== undefined) seen.errors++;
      if (error?.endsWith("(maxPacketBytes)")) seen.oversized++;
    }
    // The mutations really reached the error paths, and the size cap among them.
    expect(seen.errors).toBeGreaterThan(2000);
    expect(seen.oversized).toBeGreaterThan(50);
    expect(seen.packets).toBeGreaterThan(5000);
  });
});
