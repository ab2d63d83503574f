// The byte vectors (OASIS MQTT 3.1.1, section 3), annotated byte by byte, and the malformed
// inputs with the exact protocol error each gives: checked on Node by codec-vectors.test.ts
// and on Espruino's own interpreter by test/espruino/codec.test.ts.
import type { Packet } from "../../firmware/mqtt/codec/packets.ts";
import { bytes } from "../support/bytes.ts";

// prettier-ignore
export const VECTORS: { name: string; wire: string; packet: Packet }[] = [
  {
    name: "CONNECT, clean session, no will",
    wire: bytes(
      0x10, 16, //                       CONNECT, remaining length 16
      0, 4, "MQTT", //                   protocol name (3.1.2.1)
      4, //                              protocol level 4 = 3.1.1 (3.1.2.2)
      0b00000010, //                     flags: clean session (3.1.2.4)
      0, 30, //                          keepalive 30 s (3.1.2.10)
      0, 4, "dev1", //                   client identifier (3.1.3.1)
    ),
    packet: { type: 1, clientId: "dev1", cleanSession: true, keepalive: 30 },
  },
  {
    name: "CONNECT, will QoS 1 retained, user name and password, persistent session",
    wire: bytes(
      0x10, 42, //                       CONNECT, remaining length 42
      0, 4, "MQTT", 4, //                protocol name and level
      0b11101100, //                     user, password, will retain, will QoS 1, will flag
      0, 60, //                          keepalive 60 s
      0, 2, "d1", //                     client identifier
      0, 10, "lk/d1/avai", //            will topic (3.1.3.2)
      0, 7, "offline", //                will message (3.1.3.3)
      0, 1, "u", //                      user name (3.1.3.4)
      0, 2, "pw", //                     password (3.1.3.5)
    ),
    packet: {
      type: 1,
      clientId: "d1",
      cleanSession: false,
      keepalive: 60,
      will: { topic: "lk/d1/avai", payload: "offline", qos: 1, retain: true },
      username: "u",
      password: "pw",
    },
  },
  {
    name: "CONNACK accepted, session present",
    wire: bytes(0x20, 2, /* session present */ 1, /* return code: accepted */ 0),
    packet: { type: 2, sessionPresent: true, returnCode: 0 },
  },
  {
    name: "CONNACK refused: not authorized",
    wire: bytes(0x20, 2, 0, /* 5 = not authorized */ 5),
    packet: { type: 2, sessionPresent: false, returnCode: 5 },
  },
  {
    name: "PUBLISH QoS 0",
    wire: bytes(0x30, 7, /* topic */ 0, 3, "a/b", /* payload, no id at QoS 0 */ "hi"),
    packet: { type: 3, topic: "a/b", payload: "hi", qos: 0, retain: false, dup: false },
  },
  {
    name: "PUBLISH QoS 1, DUP and RETAIN",
    wire: bytes(0x3b /* 0011 DUP=1 QoS=01 RETAIN=1 */, 9, 0, 3, "a/b", /* id */ 0, 10, "ON"),
    packet: { type: 3, topic: "a/b", payload: "ON", qos: 1, retain: true, dup: true, id: 10 },
  },
  {
    name: "PUBLISH with binary payload and a UTF-8 topic",
    wire: bytes(0x30, 8, 0, 4, "t/\xc3\xa9", /* payload bytes */ 0, 0xff),
    packet: { type: 3, topic: "t/\xc3\xa9", payload: "\x00\xff", qos: 0, retain: false, dup: false },
  },
  { name: "PUBACK", wire: bytes(0x40, 2, /* id */ 0, 10), packet: { type: 4, id: 10 } },
  {
    name: "SUBSCRIBE two filters",
    wire: bytes(
      0x82, 14, //                       SUBSCRIBE with the reserved flags 0010 (3.8.1)
      0, 1, //                           packet identifier 1
      0, 3, "a/#", 1, //                 filter, requested QoS 1
      0, 3, "b/+", 0, //                 filter, requested QoS 0
    ),
    packet: {
      type: 8,
      id: 1,
      subscriptions: [
        { filter: "a/#", qos: 1 },
        { filter: "b/+", qos: 0 },
      ],
    },
  },
  {
    name: "SUBACK with a granted and a failed subscription",
    wire: bytes(0x90, 4, 0, 1, /* granted QoS 1 */ 1, /* failure */ 0x80),
    packet: { type: 9, id: 1, granted: [1, 0x80] },
  },
  {
    name: "UNSUBSCRIBE",
    wire: bytes(0xa2, 7, 0, 2, 0, 3, "a/#"),
    packet: { type: 10, id: 2, filters: ["a/#"] },
  },
  { name: "UNSUBACK", wire: bytes(0xb0, 2, 0, 2), packet: { type: 11, id: 2 } },
  { name: "PINGREQ (remaining length 0)", wire: bytes(0xc0, 0), packet: { type: 12 } },
  { name: "PINGRESP", wire: bytes(0xd0, 0), packet: { type: 13 } },
  { name: "DISCONNECT", wire: bytes(0xe0, 0), packet: { type: 14 } },
];

// prettier-ignore
export const MALFORMED: [string, string, string][] = [
  ["five remaining-length bytes", bytes(0x30, 0xff, 0xff, 0xff, 0xff, 0x7f), "length over 4 bytes [MQTT-2.2.3]"],
  ["packet type 0", bytes(0x00, 0), "reserved(0): reserved type (section 2.2.1)"],
  ["packet type 15", bytes(0xf0, 0), "reserved(15): reserved type (section 2.2.1)"],
  ["SUBSCRIBE without flags 0010", bytes(0x80, 6, 0, 1, 0, 1, "a", 0), "SUBSCRIBE: flags 0 [MQTT-2.2.2-2]"],
  ["PUBACK with flags", bytes(0x41, 2, 0, 1), "PUBACK: flags 1 [MQTT-2.2.2-2]"],
  ["PUBLISH with both QoS bits", bytes(0x36, 5, 0, 1, "a", 0, 1), "PUBLISH: QoS 3 [MQTT-3.3.1-4]"],
  ["PUBLISH QoS 2", bytes(0x34, 5, 0, 1, "a", 0, 1), "PUBLISH: QoS 2 [MQTT-3.8.4-6]"],
  ["PUBLISH DUP at QoS 0", bytes(0x38, 3, 0, 1, "a"), "PUBLISH: DUP at QoS 0 [MQTT-3.3.1-2]"],
  ["PUBLISH to a wildcard", bytes(0x30, 5, 0, 3, "a/#"), "PUBLISH: wildcard in 'a/#' [MQTT-3.3.2-2]"],
  ["PUBLISH to an empty topic", bytes(0x30, 2, 0, 0), "PUBLISH: empty topic [MQTT-4.7.3-1]"],
  ["PUBLISH QoS 1 with id 0", bytes(0x32, 7, 0, 3, "a/b", 0, 0), "PUBLISH: packet id 0 [MQTT-2.3.1-1]"],
  ["a string longer than its body", bytes(0x30, 3, 0, 5, "a"), "PUBLISH: string of 5 past the body [MQTT-1.5.3]"],
  ["ill-formed UTF-8 in a topic", bytes(0x30, 4, 0, 2, 0xc3, 0x28), "PUBLISH: bad UTF-8 [MQTT-1.5.3-1]"],
  ["an overlong UTF-8 '/'", bytes(0x30, 4, 0, 2, 0xc0, 0xaf), "PUBLISH: bad UTF-8 [MQTT-1.5.3-1]"],
  ["a UTF-16 surrogate in UTF-8", bytes(0x30, 5, 0, 3, 0xed, 0xa0, 0x80), "PUBLISH: bad UTF-8 [MQTT-1.5.3-1]"],
  ["U+0000 in a topic", bytes(0x30, 3, 0, 1, 0), "PUBLISH: U+0000 [MQTT-1.5.3-2]"],
  ["CONNACK return code 6", bytes(0x20, 2, 0, 6), "CONNACK: code 6 reserved (section 3.2.2.3)"],
  ["CONNACK session present with a refusal", bytes(0x20, 2, 1, 5), "CONNACK: session present, refused [MQTT-3.2.2-4]"],
  ["CONNACK reserved flags", bytes(0x20, 2, 2, 0), "CONNACK: reserved flags (section 3.2.2.1)"],
  ["CONNACK one byte long", bytes(0x20, 1, 0), "CONNACK: body too short [MQTT-2.2.3]"],
  ["CONNACK three bytes long", bytes(0x20, 3, 0, 0, 0), "CONNACK: 1 bytes after the last field"],
  ["PINGRESP with a body", bytes(0xd0, 1, 0), "PINGRESP: 1 bytes after the last field"],
  ["PUBACK truncated", bytes(0x40, 1, 0), "PUBACK: body too short [MQTT-2.2.3]"],
  ["SUBACK return code 3", bytes(0x90, 3, 0, 1, 3), "SUBACK: code 3 [MQTT-3.9.3-2]"],
  ["SUBACK without codes", bytes(0x90, 2, 0, 1), "SUBACK: no code [MQTT-3.9.3-1]"],
  ["SUBSCRIBE without filters", bytes(0x82, 2, 0, 1), "SUBSCRIBE: no filter [MQTT-3.8.3-3]"],
  ["SUBSCRIBE with '#' mid-filter", bytes(0x82, 8, 0, 1, 0, 3, "#/a", 0), "SUBSCRIBE: '#' not alone or not last in '#/a' [MQTT-4.7.1-2]"],
  ["UNSUBSCRIBE without filters", bytes(0xa2, 2, 0, 1), "UNSUBSCRIBE: no filter [MQTT-3.10.3-2]"],
  ["PUBREC (QoS 2)", bytes(0x50, 2, 0, 1), "PUBREC: QoS 2 flow (section 4.3.3)"],
  ["CONNECT for MQTT 3.1", bytes(0x10, 14, 0, 6, "MQIsdp", 3, 2, 0, 30, 0, 0), "CONNECT: protocol not MQTT [MQTT-3.1.2-1]"],
  ["CONNECT with the reserved flag", bytes(0x10, 12, 0, 4, "MQTT", 4, 3, 0, 30, 0, 0), "CONNECT: reserved flag [MQTT-3.1.2-3]"],
  ["CONNECT with a password but no user", bytes(0x10, 15, 0, 4, "MQTT", 4, 0x42, 0, 30, 0, 0, 0, 1, "p"), "CONNECT: password, no user [MQTT-3.1.2-22]"],
];
