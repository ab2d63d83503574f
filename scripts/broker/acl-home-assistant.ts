// The broker rules for Home Assistant (topics in scripts/hub/ha-topics.ts): the `ha` identity
// reads the hub's mirror, discovery and the devices' availability (their wills), and writes
// only its command topics and its own status; the hub writes the mirror, its availability and
// discovery configs, and reads Home Assistant's commands and status. Nothing here lets Home
// Assistant write a device's topic: its commands reach a device only signed, by the hub.
import type { CertRecord } from "../pki/store.ts";
import { DISCOVERY_PREFIX, HA_STATUS, haRoot, hubAvailabilityTopic } from "../hub/ha-topics.ts";
import type { AclRule } from "./acl.ts";

export function homeAssistantRules(c: CertRecord, prefix: string): AclRule[] {
  const root = haRoot(prefix);
  const rule = (access: AclRule["access"], topic: string): AclRule => ({ user: c.cn, access, topic });
  if (c.kind === "ha")
    return [
      rule("read", `${root}/#`),
      rule("read", `${prefix}/+/availability`),
      rule("read", `${DISCOVERY_PREFIX}/#`),
      rule("write", `${root}/+/+/set`),
      rule("write", HA_STATUS),
    ];
  if (c.kind === "hub")
    return [
      rule("read", `${root}/+/+/set`),
      rule("read", HA_STATUS),
      rule("write", `${root}/+/+/state`),
      rule("write", hubAvailabilityTopic(prefix)),
      rule("write", `${DISCOVERY_PREFIX}/+/+/+/config`),
    ];
  return [];
}
