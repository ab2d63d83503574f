// The device's loop after boot, as wiring: the parts (features.ts: every relay, inputs, cover,
// sensors), the routes (protocol/routes.ts: signed commands answered with signed results,
// nonces, snapshots, update chunks), the maintenance window and updates, joined to Wi-Fi and
// one mTLS MQTT session that reports availability (online, and offline as the last will). Every failure ends in a log line and a retry, never a crash;
// a watchdog resets the chip if the event loop ever stops turning.
import type { TlsSocketOptions } from "../hal/network";
import type { Platform } from "../hal/platform";
import type { QoS } from "../mqtt/codec/packets";
import { Session } from "../mqtt/session";
import { createBackoff, DEFAULT_BACKOFF } from "../net/backoff";
import { tlsConnector } from "../net/tls-transport";
import { createWifiLink, type WifiCredentials } from "../net/wifi-link";
import type { Booted } from "./maintenance/boot";
import { hmacSha256, KEY_BYTES } from "./protocol/auth";
import { CA_FILE, CERT_FILE, CMDKEY_FILE, DEFAULT_FRESHNESS_MS, KEY_FILE, WIFI_FILE } from "./profile/profile";
import { startFeatures } from "./features";
import { createReports } from "./protocol/reports";
import { DEFAULT_MAINTENANCE_MAX_SECONDS, createMaintenance, RESTART } from "./maintenance/maintenance";
import { createOta } from "./maintenance/ota";
import { createReporter } from "./protocol/signed";
import { snapshots } from "./protocol/snapshot";
import { startRouter, type Route } from "./protocol/routes";
import { deviceTopics, thingTopic } from "./protocol/topics";

/** The watchdog's timeout: well above the seconds a TLS handshake blocks the event loop on
 *  an ESP32 (docs/espruino.md, "TLS": the handshake runs synchronously), kicked every WATCHDOG_KICK_MS. */
export const WATCHDOG_SECONDS = 30;
const WATCHDOG_KICK_MS = 5000;

function readDer(platform: Platform, name: string): () => string {
  return () => platform.files.read(name) || "";
}

/** Why the device cannot go online, or undefined when Storage holds what it needs. */
function missingSecrets(platform: Platform, wifi: WifiCredentials | undefined): string | undefined {
  if (!wifi || typeof wifi.ssid !== "string") return "'" + WIFI_FILE + "' (Wi-Fi credentials)";
  const names = [CA_FILE, CERT_FILE, KEY_FILE];
  for (let i = 0; i < names.length; i++) if (!platform.files.read(names[i])) return "'" + names[i] + "' (TLS material)";
  const key = platform.files.read(CMDKEY_FILE);
  if (!key || key.length !== KEY_BYTES) return "'" + CMDKEY_FILE + "' (command key)";
  return undefined;
}

export function runDevice(platform: Platform, booted: Booted): Session | undefined {
  const log = platform.log;
  const timers = platform.timers;
  const profile = booted.profile;
  const topics = deviceTopics(profile.topicPrefix, profile.id);
  const root = topics.root;
  // Every relay, inputs, local actions, cover and sensors run with or without a network.
  const reports = createReports(timers);
  const features = startFeatures(platform, booted, root, reports);
  const credentials = platform.files.readJSON(WIFI_FILE) as WifiCredentials | undefined;
  let missing = missingSecrets(platform, credentials);
  if (missing !== undefined) missing = "not provisioned: " + missing + " missing from Storage";
  else
    try {
      // No unpredictable nonce, no going online (hal/espruino/random.ts refuses on a stuck clock).
      platform.random();
    } catch (e) {
      missing = (e as Error).message;
    }
  if (missing !== undefined) {
    log.error(missing + "; the relay stays off");
    if (booted.relay.isOn) booted.relay.off(missing);
    return undefined;
  }
  platform.watchdog.enable(WATCHDOG_SECONDS);
  const kick = () => {
    platform.watchdog.kick();
    timers.set(kick, WATCHDOG_KICK_MS);
  };
  kick();
  const mac = hmacSha256(platform.sha256, platform.files.read(CMDKEY_FILE) as string);
  const commands = profile.commands || {};
  const reporter = createReporter(mac, platform.random);
  // The session is made last (its handlers need the routes): set once it exists.
  const link: { session?: Session } = {};
  const publish = (topic: string, payload: string, qos: QoS) => link.session!.publish(topic, payload, qos, false);
  const otaState = thingTopic(root, "ota", "state");
  const ota = createOta(platform, booted.version, (state) => {
    const s = link.session;
    if (s && s.connected) publish(otaState, reporter.report(otaState, state), 1);
  });
  const maintenanceState = thingTopic(root, "maintenance", "state");
  const maintenance = createMaintenance(
    platform.consoles,
    timers,
    commands.maintenanceMaxSeconds || DEFAULT_MAINTENANCE_MAX_SECONDS,
    mac,
    platform.random,
    () => {
      log.info("maintenance " + maintenance.state);
      reports.report(maintenanceState, maintenance.state);
    },
  );
  reports.report(maintenanceState, maintenance.state);
  // One signed snapshot of every report value per challenge, not retained, QoS 0 (it takes no
  // room in the in-flight store that results need; the hub asks again if it is lost).
  const challenged = snapshots(timers, (challenge) =>
    publish(
      topics.snapshot,
      reporter.report(
        topics.snapshot,
        JSON.stringify({ c: challenge, r: reports.values, v: booted.version, ip: platform.wifi.ip() }),
      ),
      0,
    ),
  );
  const routes: Route[] = features.routes;
  routes.push(
    { topic: thingTopic(root, "ota", "set"), action: ota.begin },
    // maintenance/set also takes a signed RESTART: the reboot comes after the result is out
    // (as an update's does, ota.ts), and boot puts every relay in its safe state first.
    {
      topic: thingTopic(root, "maintenance", "set"),
      action: (command: string) => {
        if (command !== RESTART) return maintenance.command(command);
        timers.set(platform.reboot, 500);
        // Its result says what was done in its own word: 11 bytes fewer than a sentence.
        return { done: command };
      },
    },
    { topic: topics.snapshotGet, action: challenged, plain: true },
    { topic: thingTopic(root, "otadata", "set"), action: ota.chunk, plain: true },
  );
  const router = startRouter(
    platform,
    topics,
    mac,
    commands.freshnessMs || DEFAULT_FRESHNESS_MS,
    routes,
    (topic, payload) => publish(topic, payload, 1),
  );
  // host and port are those of the latest link's broker, set by the connector (failover).
  const tls = {
    ca: readDer(platform, CA_FILE),
    cert: readDer(platform, CERT_FILE),
    key: readDer(platform, KEY_FILE),
  } as TlsSocketOptions;
  const mqtt = profile.mqtt;
  const session = new Session(
    tlsConnector(platform.network, timers, tls, [profile.broker].concat(profile.failover || [])),
    platform.clock,
    timers,
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
    createBackoff(profile.backoff || DEFAULT_BACKOFF, platform.random),
    {
      connected: () => {
        log.info("MQTT connected to " + tls.host + ":" + tls.port);
        session.publish(topics.availability, "online", 1, true);
        // An update's confirmation first: it is said once, and the reports and nonce that
        // follow can fill the in-flight window (maxInflight), where reports retry by themselves.
        ota.connected();
        reports.resend();
        router.offerNonce();
        features.link(true, "");
      },
      disconnected: (reason, retryInMs) => {
        features.link(false, reason);
        log.warn("MQTT down: " + reason + (retryInMs >= 0 ? "; retry in " + (retryInMs / 1000).toFixed(1) + " s" : ""));
      },
      message: router.message,
    },
  );
  link.session = session;
  // The one path of every report people act on (relays, maintenance, inputs, cover): signed,
  // retained, the latest value of each sent again at every CONNACK.
  reports.attach((topic, value) =>
    session.connected ? session.publish(topic, reporter.report(topic, value), 1, true) : "offline",
  );
  const telemetry = features.telemetry;
  if (telemetry)
    telemetry.attach((json) => session.connected && session.publish(topics.telemetry, json, 0, false) === undefined);
  for (let i = 0; i < routes.length; i++) session.subscribe(routes[i].topic, 1);
  let started = false;
  const wifi = createWifiLink(platform.wifi, timers, createBackoff(DEFAULT_BACKOFF, platform.random), log, () => {
    if (started) session.retryNow();
    else {
      started = true;
      session.start();
    }
  });
  wifi.start(credentials as WifiCredentials);
  // Everything started without an exception: a pending update may now confirm by itself.
  ota.afterStart();
  return session;
}
