// The topic layout, written down once (ARCHITECTURE.md "Topics") and used by the firmware and
// by the host tooling that writes the broker's ACL (scripts/broker/acl.ts):
//   <prefix>/<device>/availability   "online" / "offline" (retained; "offline" is the will)
//   <prefix>/<device>/relay/state    "ON" / "OFF" (retained)
//   <prefix>/<device>/relay/set      commands to the relay (the only topic the device obeys)
//   <prefix>/<device>/telemetry      sensor readings and health (JSON)
//   <prefix>/<device>/relay/<name>/set, /state   the profile's further relays
//   <prefix>/<device>/input/<name>   "ON" / "OFF" (retained): an input is active or not
//   <prefix>/<device>/cover/set      OPEN / CLOSE / STOP; cover/state and cover/fault (retained)
// A device may publish and subscribe only under <prefix>/<device>/; operators and the hub
// read everything under <prefix>/ and write only relay/set.

export interface DeviceTopics {
  root: string;
  availability: string;
  relayState: string;
  relaySet: string;
  telemetry: string;
}

export function deviceTopics(prefix: string, device: string): DeviceTopics {
  const root = prefix + "/" + device;
  return {
    root,
    availability: root + "/availability",
    relayState: root + "/relay/state",
    relaySet: root + "/relay/set",
    telemetry: root + "/telemetry",
  };
}

/** The command topic of `device`, or of every device when `device` is "+". */
export function commandTopic(prefix: string, device: string): string {
  return prefix + "/" + device + "/relay/set";
}

/** Every command topic of `device` (or of every device for "+"): what the hub may write. */
export function commandTopics(prefix: string, device: string): string[] {
  const root = prefix + "/" + device;
  return [commandTopic(prefix, device), root + "/relay/+/set", root + "/cover/set"];
}

/** `leaf` ("set" or "state") of relay `name`; the profile's first relay keeps relay/set. */
export function relayTopic(root: string, name: string, leaf: string): string {
  return root + "/relay/" + (name === "relay" ? "" : name + "/") + leaf;
}
