// The device's short protocol errors (the packet and the clause) and the words host tools put
// back: every malformed broker packet of the vectors gives, on the device, a text that holds
// its clause and, explained, exactly the vector's words.
import { describe, expect, it } from "vitest";
import { decodeFromBroker } from "../../firmware/mqtt/codec/decode.ts";
import { Decoder } from "../../firmware/mqtt/codec/decoder.ts";
import { explain } from "../../firmware/mqtt/codec/explain.ts";
import { bytes } from "../support/bytes.ts";
import { MALFORMED } from "./vectors.ts";

const CLIENT_PACKETS = /^(CONNECT|SUBSCRIBE|UNSUBSCRIBE): (?!flags)/;

describe("the device's short protocol errors", () => {
  for (const [name, wire, words] of MALFORMED.filter(([, , w]) => !CLIENT_PACKETS.test(w))) {
    it(`${name}: the clause on the device, the words in host tools`, () => {
      const short = new Decoder(4096, decodeFromBroker).push(wire, () => {});
      const clause = /(\[MQTT-[\d.-]+\]|\(section [\d.]+\)|after the last field|\(maxPacketBytes\))$/.exec(words)![1];
      expect(short!.endsWith(clause)).toBe(true);
      expect(short!.length).toBeLessThanOrEqual(words.length);
      expect(explain(short!)).toBe(words);
    });
  }

  it("explains a device log line once, and leaves other text alone", () => {
    const line = "MQTT down: protocol error: SUBACK: 3 [MQTT-3.9.3-2]; retry in 1.2 s";
    expect(explain("MQTT down: protocol error: SUBACK: 3 [MQTT-3.9.3-2]")).toBe(
      "MQTT down: protocol error: SUBACK: code 3 [MQTT-3.9.3-2]",
    );
    expect(explain("protocol error: UNSUBACK: [MQTT-2.3.1-1]")).toBe(
      "protocol error: UNSUBACK: packet id 0 [MQTT-2.3.1-1]",
    );
    expect(explain("PUBLISH: QoS 3 [MQTT-3.3.1-4]")).toBe("PUBLISH: QoS 3 [MQTT-3.3.1-4]");
    expect(explain(line)).toBe("MQTT down: protocol error: SUBACK: code 3 [MQTT-3.9.3-2]; retry in 1.2 s");
    // Explained once only: words already there are left alone.
    expect(explain(explain(line))).toBe(explain(line));
    expect(explain("PUBLISH: wildcard in 'a/+' [MQTT-3.3.2-2]")).toBe("PUBLISH: wildcard in 'a/+' [MQTT-3.3.2-2]");
  });

  it("takes the clause that ends the problem, whatever the topic before it holds", () => {
    const topic = "[MQTT-3.3.1-4]+(section 3)";
    const short = new Decoder(4096, decodeFromBroker).push(
      bytes(0x30, 2 + topic.length, 0, topic.length, topic),
      () => {},
    );
    expect(short).toBe(`PUBLISH: ${topic} [MQTT-3.3.2-2]`);
    expect(explain(short!)).toBe(`PUBLISH: wildcard in '${topic}' [MQTT-3.3.2-2]`);
    expect(explain("relay ON by command")).toBe("relay ON by command");
  });
});
