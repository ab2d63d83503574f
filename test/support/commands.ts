// How the end-to-end tests command a device: one place, so every test sends what the real
// host tools send.
import type mqtt from "mqtt";

/** Publishes relay command `word` to `device` (QoS 1), retained when asked. */
export async function sendRelayCommand(
  client: mqtt.MqttClient,
  prefix: string,
  device: string,
  word: string,
  options: { retain?: boolean } = {},
): Promise<void> {
  await client.publishAsync(`${prefix}/${device}/relay/set`, word, { qos: 1, retain: options.retain ?? false });
}
