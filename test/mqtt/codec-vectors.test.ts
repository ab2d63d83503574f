// Byte vectors for every packet a client sends or receives (OASIS MQTT 3.1.1, section 3),
// annotated byte by byte, each checked three ways: decode, encode, round trip.
import { describe, expect, it } from "vitest";
import { decodeAny } from "../../firmware/mqtt/codec/decode-any.ts";
import { Decoder } from "../../firmware/mqtt/codec/decoder.ts";
import { encode } from "../../firmware/mqtt/codec/encode-any.ts";
import type { Packet } from "../../firmware/mqtt/codec/packets.ts";
import { bytes, hex } from "../support/bytes.ts";
import { MALFORMED, VECTORS } from "./vectors.ts";

function decodeAll(input: string, max = 1 << 29): { packets: Packet[]; error?: string } {
  const packets: Packet[] = [];
  const error = new Decoder(max, decodeAny).push(input, (p) => packets.push(p));
  return { packets, error };
}

describe("packet vectors", () => {
  for (const v of VECTORS) {
    it(`${v.name}: decode, encode, round trip`, () => {
      expect(decodeAll(v.wire)).toEqual({ packets: [v.packet], error: undefined });
      expect(hex(encode(v.packet))).toBe(hex(v.wire));
      expect(decodeAll(encode(v.packet)).packets).toEqual([v.packet]);
    });
  }

  it("decodes all vectors from one stream, and from the same stream one byte at a time", () => {
    const stream = VECTORS.map((v) => v.wire).join("");
    expect(decodeAll(stream).packets).toEqual(VECTORS.map((v) => v.packet));
    const decoder = new Decoder(4096, decodeAny);
    const packets: Packet[] = [];
    for (const c of stream) expect(decoder.push(c, (p) => packets.push(p))).toBeUndefined();
    expect(packets).toEqual(VECTORS.map((v) => v.packet));
    expect(decoder.buffered).toBe(0);
  });
});

describe("remaining length (section 2.2.3)", () => {
  const CASES: [number, number[]][] = [
    [0, [0x00]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [16383, [0xff, 0x7f]],
    [16384, [0x80, 0x80, 0x01]],
    [2097151, [0xff, 0xff, 0x7f]],
    [2097152, [0x80, 0x80, 0x80, 0x01]],
    [268435455, [0xff, 0xff, 0xff, 0x7f]],
  ];
  for (const [length, encoded] of CASES) {
    it(`${length} is ${hex(bytes(...encoded))}`, () => {
      // A PUBLISH whose body is exactly `length` bytes: 2 + 1 topic bytes, then payload.
      if (length === 0) {
        expect(hex(encode({ type: 12 }))).toBe("c0 00");
        expect(decodeAll(bytes(0xc0, 0)).packets).toEqual([{ type: 12 }]);
        return;
      }
      const header = bytes(0x30, ...encoded);
      if (length > 2097152) {
        // 256 MB is not built here: the decoder reads the header and reports the exact total
        // size without buffering a byte of the body.
        expect(decodeAll(header + "\x00\x01t", 1000).error).toBe(
          `${1 + encoded.length + length} bytes, over 1000 (maxPacketBytes)`,
        );
        return;
      }
      const packet: Packet = {
        type: 3,
        topic: "t",
        payload: "x".repeat(length - 3),
        qos: 0,
        retain: false,
        dup: false,
      };
      const wire = header + bytes(0, 1, "t") + packet.payload;
      expect(decodeAll(wire).packets).toEqual([packet]);
      expect(encode(packet).slice(0, header.length)).toBe(header);
      expect(encode(packet) === wire).toBe(true);
      expect(decodeAll(encode(packet)).packets).toEqual([packet]);
    });
  }
});

describe("malformed input gives the exact protocol error", () => {
  const CASES = MALFORMED;
  for (const [name, wire, error] of CASES) {
    it(name, () => {
      const decoder = new Decoder(4096, decodeAny);
      const packets: Packet[] = [];
      expect(decoder.push(wire, (p) => packets.push(p))).toBe(error);
      expect(packets).toEqual([]);
      expect(decoder.buffered).toBe(0);
      // The stream is over: a good packet after the error is not decoded.
      expect(decoder.push(bytes(0xd0, 0), (p) => packets.push(p))).toBe(error);
      expect(packets).toEqual([]);
    });
  }

  it("refuses an oversized packet from its header, before buffering its body", () => {
    const decoder = new Decoder(64, decodeAny);
    expect(decoder.push(bytes(0x30, 100), () => {})).toBe("102 bytes, over 64 (maxPacketBytes)");
    expect(decoder.buffered).toBe(0);
  });

  it("keeps decoding good packets before the bad one", () => {
    const { packets, error } = decodeAll(bytes(0xd0, 0, 0x40, 2, 0, 7, 0x00, 0));
    expect(packets).toEqual([{ type: 13 }, { type: 4, id: 7 }]);
    expect(error).toBe("reserved(0): reserved type (section 2.2.1)");
  });
});

describe("encode refuses what it must not send", () => {
  const publish = (topic: string): Packet => ({ type: 3, topic, payload: "", qos: 0, retain: false, dup: false });
  it.each([
    ["a wildcard topic", publish("a/+"), "wildcard in 'a/+' [MQTT-3.3.2-2]"],
    ["an empty topic", publish(""), "empty topic [MQTT-4.7.3-1]"],
    ["a topic that is not a byte string", publish("t/€"), "not a byte string (encode as UTF-8)"],
    ["QoS 1 with id 0", { ...publish("a"), qos: 1, id: 0 } as Packet, "packet id 0 not 1-65535 [MQTT-2.3.1-1]"],
    ["DUP at QoS 0", { ...publish("a"), dup: true } as Packet, "DUP at QoS 0 [MQTT-3.3.1-2]"],
    [
      "a filter with '+' inside a level",
      { type: 8, id: 1, subscriptions: [{ filter: "a+/b", qos: 0 }] } as Packet,
      "'+' not alone in 'a+/b' [MQTT-4.7.1-3]",
    ],
    ["SUBSCRIBE with no filter", { type: 8, id: 1, subscriptions: [] } as Packet, "no filter [MQTT-3.8.3-3]"],
    [
      "a password without a user",
      { type: 1, clientId: "d", cleanSession: true, keepalive: 0, password: "p" } as Packet,
      "password, no user [MQTT-3.1.2-22]",
    ],
  ])("%s", (_name, packet, message) => {
    expect(() => encode(packet)).toThrow(message);
  });

  it("accepts the filters the spec's examples allow (section 4.7.1)", () => {
    for (const filter of ["#", "+", "+/+", "/+", "sport/#", "sport/tennis/+/ranking", "a//b"]) {
      expect(() => encode({ type: 8, id: 1, subscriptions: [{ filter, qos: 0 }] })).not.toThrow();
    }
  });
});
