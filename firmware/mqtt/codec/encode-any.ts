// Any Packet -> bytes, for tests and host tools (a fake broker answers with these). The
// firmware calls the per-packet encoders in encode.ts directly. A PUBLISH topic is checked
// here, as the session checks the topics it is given.
import {
  check,
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
import { topicNameError } from "./topic";

export function encode(packet: Packet): string {
  switch (packet.type) {
    case 1:
      return encodeConnect(packet);
    case 2:
      return encodeConnack(packet.sessionPresent, packet.returnCode);
    case 3:
      check(topicNameError(packet.topic));
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
