// Any Packet -> bytes, for tests and host tools (a fake broker answers with these). The
// firmware calls the per-packet encoders in encode.ts directly.
import {
  encodeAck,
  encodeConnack,
  encodeConnect,
  encodeEmpty,
  encodePublish,
  encodeSuback,
  encodeSubscribe,
  encodeUnsubscribe,
} from "./encode";
import type { Packet } from "./packets";

export function encode(packet: Packet): string {
  switch (packet.type) {
    case 1:
      return encodeConnect(packet);
    case 2:
      return encodeConnack(packet.sessionPresent, packet.returnCode);
    case 3:
      return encodePublish(packet);
    case 4:
      return encodeAck(0x40, packet.id);
    case 8:
      return encodeSubscribe(packet.id, packet.subscriptions);
    case 9:
      return encodeSuback(packet.id, packet.granted);
    case 10:
      return encodeUnsubscribe(packet.id, packet.filters);
    case 11:
      return encodeAck(0xb0, packet.id);
    default:
      return encodeEmpty(packet.type);
  }
}
