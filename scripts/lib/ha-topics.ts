// The topics between the hub and Home Assistant, served only by the hub's own endpoint
// (ha-endpoint.ts; its ACL in scripts/broker/acl-home-assistant.ts), never by the main broker:
//   <prefix>-ha/<device>/<entity>/set     Home Assistant's commands (only `ha` identities write)
//   <prefix>-ha/<device>/<entity>/state   verified values, mirrored by the hub (retained)
//   <prefix>-ha/<device>/availability     the device's availability, mirrored by the hub
//   <prefix>-ha/availability              the hub's link to the main broker: online/offline
//   homeassistant/<component>/<node>/<entity>/config   discovery, written by the hub (retained)
//   homeassistant/status                  Home Assistant's birth and will
// Home Assistant cannot check a device's signature, so it never writes a device topic: the hub
// forwards the commands the owner allowed, signed, after an audit record.
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

export function deviceAvailabilityTopic(prefix: string, device: string): string {
  return `${haRoot(prefix)}/${device}/availability`;
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
