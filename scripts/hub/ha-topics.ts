// The topics between the hub and Home Assistant, kept apart from the devices' own tree so the
// broker's ACL (scripts/broker/acl.ts) can say who writes what:
//   <prefix>-ha/<device>/<entity>/set     Home Assistant's commands (only the `ha` identity writes)
//   <prefix>-ha/<device>/<entity>/state   verified values, mirrored by the hub (retained)
//   <prefix>-ha/availability              the hub's own online/offline (its will)
//   homeassistant/<component>/<node>/<entity>/config   discovery, written by the hub (retained)
//   homeassistant/status                  Home Assistant's birth and will
// Home Assistant cannot check a device's signature, so it never writes a device topic: the hub
// forwards its commands signed, after an audit record.
export const DISCOVERY_PREFIX = "homeassistant";
export const HA_STATUS = `${DISCOVERY_PREFIX}/status`;

export function haRoot(prefix: string): string {
  return `${prefix}-ha`;
}

export function haCommandTopic(prefix: string, device: string, entity: string): string {
  return `${haRoot(prefix)}/${device}/${entity}/set`;
}

export function haStateTopic(prefix: string, device: string, entity: string): string {
  return `${haRoot(prefix)}/${device}/${entity}/state`;
}

export function hubAvailabilityTopic(prefix: string): string {
  return `${haRoot(prefix)}/availability`;
}

/** HA's node id for a device: its discovery topics are homeassistant/+/<node>/+/config. */
export function nodeId(prefix: string, device: string): string {
  return `${prefix}_${device}`;
}

export function configTopic(component: string, prefix: string, device: string, entity: string): string {
  return `${DISCOVERY_PREFIX}/${component}/${nodeId(prefix, device)}/${entity}/config`;
}
