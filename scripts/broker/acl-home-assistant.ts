// The rules of the hub's own Home Assistant endpoint (scripts/hub/ha-endpoint.ts; topics in
// scripts/lib/ha-topics.ts), never of the main broker: the main broker carries no Home
// Assistant topic, so nothing it forwards, holds back or injects can become a command. Each
// `ha` identity reads the hub's mirror and discovery and writes only its command topics and its
// own status. The hub publishes in-process (it is that broker) and needs no rule.
import { DISCOVERY_PREFIX, HA_STATUS, haRoot } from "../lib/ha-topics.ts";
import type { AclRule } from "./acl.ts";

export function homeAssistantRules(identities: string[], prefixes: string[]): AclRule[] {
  const rules: AclRule[] = [];
  for (const user of identities) {
    const rule = (access: AclRule["access"], topic: string) => rules.push({ user, access, topic });
    for (const prefix of prefixes) {
      rule("read", `${haRoot(prefix)}/#`);
      rule("write", `${haRoot(prefix)}/+/+/set`);
    }
    rule("read", `${DISCOVERY_PREFIX}/#`);
    rule("write", HA_STATUS);
  }
  return rules;
}
