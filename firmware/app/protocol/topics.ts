// The topic layout, written down once (ARCHITECTURE.md "Topics") and used by the firmware and
// by the host tooling that writes the broker's ACL (scripts/broker/acl.ts):
//   <prefix>/<device>/availability     "online" / "offline" (retained; "offline" is the will)
//   <prefix>/<device>/relay/state      signed report of "ON" / "OFF" (retained)
//   <prefix>/<device>/relay/set        signed commands to the relay
//   <prefix>/<device>/<thing>/set      every command topic ends in /set (docs/protocol.md)
//   <prefix>/<device>/maintenance/set  signed MAINTENANCE <seconds> (or 0: close)
//   <prefix>/<device>/maintenance/state  signed report of "OPEN <seconds> <id> <k>" / "CLOSED" (retained)
//   <prefix>/<device>/nonce/get        anything: the device answers with a fresh nonce
//   <prefix>/<device>/nonce            the live nonce, 16 hex digits (QoS 1, not retained)
//   <prefix>/<device>/state/get        a challenge (32 hex digits): asks for a state snapshot
//   <prefix>/<device>/state            signed snapshot of every report value, bound to the
//                                      challenge (not retained; app/protocol/snapshot.ts)
//   <prefix>/<device>/result           signed result of every message on a command topic
//   <prefix>/<device>/telemetry        sensor readings and health (JSON)
//   <prefix>/<device>/ota/set          signed OTA manifest (app/maintenance/ota.ts)
//   <prefix>/<device>/otadata/set      OTA chunks "<offset> <bytes>", covered by the manifest
//   <prefix>/<device>/ota/state        signed reports of the update's progress (not retained)
//   <prefix>/<device>/<name>/set       the profile's further relays (relays.<name>)
//   <prefix>/<device>/<name>/state     their states, and each input's ("ON" / "OFF")
//   <prefix>/<device>/cover/set        OPEN / CLOSE / STOP; cover/state, fault/state (the cover's)
// A device publishes only its reports, nonce, snapshot, result and telemetry, and reads only
// its own command topics, nonce/get and state/get; operators and the hub read everything under
// <prefix>/ (a limited operator only its devices') and write only command topics, nonce/get and
// state/get.

/** The device's own topics; the rest are thing topics (thingTopic): <root>/<name>/set and
 *  <root>/<name>/state of relay, maintenance, ota, otadata, cover, fault and the profile's
 *  further relays and inputs. */
export interface DeviceTopics {
  root: string;
  availability: string;
  nonceGet: string;
  nonce: string;
  snapshotGet: string;
  snapshot: string;
  result: string;
  telemetry: string;
}

export function deviceTopics(prefix: string, device: string): DeviceTopics {
  const root = prefix + "/" + device;
  return {
    root,
    availability: root + "/availability",
    nonceGet: root + "/nonce/get",
    nonce: root + "/nonce",
    snapshotGet: root + "/state/get",
    snapshot: root + "/state",
    result: root + "/result",
    telemetry: root + "/telemetry",
  };
}

/** Every command topic of `device` (or of every device when `device` is "+"), as an ACL
 *  pattern: one level then "set". */
export function commandTopics(prefix: string, device: string): string {
  return prefix + "/" + device + "/+/set";
}

/** `leaf` ("set" or "state") of the thing `name` (relay, maintenance, ota, otadata, cover,
 *  fault, a further relay or an input): one level, as the ACL allows (commandTopics, and a
 *  device's `+/state`). */
export function thingTopic(root: string, name: string, leaf: string): string {
  return root + "/" + name + "/" + leaf;
}

/** Names the topic layout keeps for itself: no relay or input may be called so. */
export const RESERVED_NAMES = " availability cover fault maintenance nonce ota otadata relay result telemetry ";
