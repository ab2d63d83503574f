// The device's loop after boot: join Wi-Fi, hold an mTLS MQTT session, obey relay commands
// that pass the gate, and report availability (online, and offline as the last will) and the
// relay state, both retained. Every failure ends in a log line and a retry, never a crash.
import type { Platform } from "../hal/platform";
import { Session } from "../mqtt/session";
import { Backoff, DEFAULT_BACKOFF } from "../net/backoff";
import { tlsConnector } from "../net/tls-transport";
import { WifiLink, type WifiCredentials } from "../net/wifi-link";
import type { Booted } from "./boot";
import { handleCommand, TRUST_BROKER, type CommandGate } from "./commands";
import { CA_FILE, CERT_FILE, KEY_FILE, WIFI_FILE } from "./profile";
import { deviceTopics } from "./topics";

function readDer(platform: Platform, name: string): () => string {
  return () => platform.files.read(name) || "";
}

/** Why the device cannot go online, or undefined when Storage holds what it needs. */
function missingSecrets(platform: Platform, wifi: WifiCredentials | undefined): string | undefined {
  if (!wifi || typeof wifi.ssid !== "string") return "'" + WIFI_FILE + "' (Wi-Fi credentials)";
  const names = [CA_FILE, CERT_FILE, KEY_FILE];
  for (let i = 0; i < names.length; i++) if (!platform.files.read(names[i])) return "'" + names[i] + "' (TLS material)";
  return undefined;
}

export function runDevice(platform: Platform, booted: Booted, gate: CommandGate): Session | undefined {
  const log = platform.log;
  const profile = booted.profile;
  const relay = booted.relay;
  const credentials = platform.files.readJSON(WIFI_FILE) as WifiCredentials | undefined;
  const missing = missingSecrets(platform, credentials);
  if (missing !== undefined) {
    log.error("not provisioned: " + missing + " missing from Storage; the relay stays off");
    return undefined;
  }
  if (gate === TRUST_BROKER) log.warn("commands are not signed yet: this device trusts its broker");
  const topics = deviceTopics(profile.topicPrefix, profile.id);
  const mqtt = profile.mqtt;
  const connector = tlsConnector(platform.network, platform.timers, {
    host: profile.broker.host,
    port: profile.broker.port,
    ca: readDer(platform, CA_FILE),
    cert: readDer(platform, CERT_FILE),
    key: readDer(platform, KEY_FILE),
  });
  const session: Session = new Session(
    connector,
    platform.clock,
    platform.timers,
    {
      clientId: profile.id,
      // A command queued while the device was away is not obeyed later.
      cleanSession: true,
      keepaliveSeconds: mqtt.keepaliveSeconds,
      connectTimeoutMs: mqtt.connectTimeoutMs,
      maxPacketBytes: mqtt.maxPacketBytes,
      maxInflight: mqtt.maxInflight || 8,
      maxInflightBytes: mqtt.maxPacketBytes,
      healthyMs: 60000,
      will: { topic: topics.availability, payload: "offline", qos: 1, retain: true },
    },
    new Backoff(profile.backoff || DEFAULT_BACKOFF, platform.random),
    {
      connected: () => {
        log.info("MQTT connected to " + profile.broker.host + ":" + profile.broker.port);
        session.publish(topics.availability, "online", 1, true);
        session.publish(topics.relayState, relay.isOn ? "ON" : "OFF", 1, true);
      },
      disconnected: (reason, retryInMs) => {
        log.warn("MQTT down: " + reason + (retryInMs >= 0 ? "; retry in " + (retryInMs / 1000).toFixed(1) + " s" : ""));
      },
      message: (topic, payload) => {
        if (topic !== topics.relaySet) return;
        const result = handleCommand(gate, relay, profile.relay, topic, payload);
        if (result.refused !== undefined) log.warn("command refused: " + result.refused);
        else log.info("command: " + result.done);
      },
      warning: (message) => log.warn(message),
    },
  );
  relay.onChange((on) => {
    log.info("relay " + (on ? "ON" : "OFF"));
    if (session.connected) session.publish(topics.relayState, on ? "ON" : "OFF", 1, true);
  });
  session.subscribe(topics.relaySet, 1);
  let started = false;
  const wifi = new WifiLink(platform.wifi, platform.timers, new Backoff(DEFAULT_BACKOFF, platform.random), log, () => {
    if (started) session.retryNow();
    else {
      started = true;
      session.start();
    }
  });
  wifi.start(credentials as WifiCredentials);
  return session;
}
