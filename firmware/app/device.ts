// The device's loop after boot: join Wi-Fi, hold an mTLS MQTT session, obey signed commands
// that pass the gate (answering each message on a command topic with a signed result), hand
// out nonces, and report availability (online, and offline as the last will) and the signed
// relay state, both retained. Every failure ends in a log line and a retry, never a crash;
// a watchdog resets the chip if the event loop ever stops turning.
import type { Platform } from "../hal/platform";
import type { TimerHandle } from "../hal/time";
import { Session } from "../mqtt/session";
import { Backoff, DEFAULT_BACKOFF } from "../net/backoff";
import { tlsConnector } from "../net/tls-transport";
import { WifiLink, type WifiCredentials } from "../net/wifi-link";
import type { Booted } from "./maintenance/boot";
import { hmacSha256, KEY_BYTES, Nonces } from "./protocol/auth";
import { applyCommand, handleCommand, signedGate, type Outcome } from "./protocol/commands";
import { Results } from "./protocol/results";
import {
  CA_FILE,
  CERT_FILE,
  CMDKEY_FILE,
  DEFAULT_FRESHNESS_MS,
  KEY_FILE,
  RELAY_STATE_FILE,
  WIFI_FILE,
} from "./profile/profile";
import { onOff, startFeatures } from "./features";
import { Reports } from "./protocol/reports";
import { DEFAULT_MAINTENANCE_MAX_SECONDS, Maintenance } from "./maintenance/maintenance";
import { Ota } from "./maintenance/ota";
import { Reporter } from "./protocol/signed";
import { snapshots } from "./protocol/snapshot";
import { deviceTopics } from "./protocol/topics";

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

/** A command topic and what its verified command text does. */
interface CommandRoute {
  topic: string;
  action: (command: string) => Outcome;
}

export function runDevice(platform: Platform, booted: Booted): Session | undefined {
  const log = platform.log;
  const timers = platform.timers;
  const profile = booted.profile;
  const behaviour = profile.relay;
  const relay = booted.relay;
  const topics = deviceTopics(profile.topicPrefix, profile.id);
  // Inputs, local actions, further relays, cover and sensors run with or without a network.
  const reports = new Reports(timers);
  const features = startFeatures(platform, booted, topics.root, reports);
  const credentials = platform.files.readJSON(WIFI_FILE) as WifiCredentials | undefined;
  const missing = missingSecrets(platform, credentials);
  if (missing !== undefined) {
    log.error("not provisioned: " + missing + " missing from Storage; the relay stays off");
    if (relay.isOn) relay.off("not provisioned");
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
  const freshnessMs = commands.freshnessMs || DEFAULT_FRESHNESS_MS;
  const nonces = new Nonces(() => platform.clock.now(), platform.random, freshnessMs);
  const gate = signedGate(mac, nonces);
  const reporter = new Reporter(mac, platform.random);
  // A list, not an object keyed by topic: a rogue broker chooses the topic ("constructor").
  // The session is made below (its handlers need the routes): set once it exists.
  const link: { session?: Session } = {};
  const ota = new Ota(platform, booted.version, (state) => {
    const s = link.session;
    if (s && s.connected) s.publish(topics.otaState, reporter.report(topics.otaState, state), 1, false);
  });
  const routes: CommandRoute[] = features.routes;
  routes.push({ topic: topics.relaySet, action: (command) => applyCommand(relay, behaviour, command) });
  routes.push({ topic: topics.otaSet, action: (command) => ota.begin(command) });
  const results = new Results(mac, platform.sha256, nonces, platform.clock.now, timers, log, (nonce, payload) =>
    link.session!.publish(nonce ? topics.nonce : topics.result, payload, 1, false),
  );
  // One signed snapshot of every report value per challenge, not retained, QoS 0 (it takes no
  // room in the in-flight store that results need; the hub asks again if it is lost).
  const challenged = snapshots(timers, (challenge) =>
    link.session!.publish(
      topics.snapshot,
      reporter.report(topics.snapshot, JSON.stringify({ c: challenge, r: reports.values })),
      0,
      false,
    ),
  );
  const reportRelay = () => reports.report(topics.relayState, onOff(relay.isOn));
  const mqtt = profile.mqtt;
  // Switch mode with linkLoss "off": the relay goes off once the broker has been out of reach
  // for linkLossMs (counted from boot, or from the disconnect that ended the last session;
  // failed attempts in between do not restart the count).
  let linkLossTimer: TimerHandle;
  const watchLink = (up: boolean) => {
    if (up) {
      timers.clear(linkLossTimer);
      linkLossTimer = undefined;
    }
    if (up || linkLossTimer !== undefined || behaviour.mode !== "switch" || behaviour.linkLoss !== "off") return;
    linkLossTimer = timers.set(() => {
      linkLossTimer = undefined;
      if (relay.isOn) relay.off("no broker for " + behaviour.linkLossMs + " ms (linkLoss off)");
    }, behaviour.linkLossMs);
  };
  watchLink(false);
  const connector = tlsConnector(platform.network, timers, {
    host: profile.broker.host,
    port: profile.broker.port,
    ca: readDer(platform, CA_FILE),
    cert: readDer(platform, CERT_FILE),
    key: readDer(platform, KEY_FILE),
  });
  const session: Session = new Session(
    connector,
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
    new Backoff(profile.backoff || DEFAULT_BACKOFF, platform.random),
    {
      connected: () => {
        watchLink(true);
        log.info("MQTT connected to " + profile.broker.host + ":" + profile.broker.port);
        session.publish(topics.availability, "online", 1, true);
        reports.resend();
        results.offerNonce();
        ota.connected();
        features.link(true, "");
      },
      disconnected: (reason, retryInMs) => {
        watchLink(false);
        features.link(false, reason);
        log.warn("MQTT down: " + reason + (retryInMs >= 0 ? "; retry in " + (retryInMs / 1000).toFixed(1) + " s" : ""));
      },
      message: (topic, payload, retained) => {
        // A retained nonce/get would hand out a nonce at every reconnect for nobody.
        if (topic === topics.nonceGet) {
          if (!retained) results.offerNonce();
          return;
        }
        if (topic === topics.snapshotGet) {
          if (!retained) challenged(payload);
          return;
        }
        if (topic === topics.otaData) {
          if (!retained) ota.chunk(payload);
          return;
        }
        let route: CommandRoute | undefined;
        for (let i = 0; i < routes.length; i++) if (routes[i].topic === topic) route = routes[i];
        if (!route) return;
        results.answer(topic, payload, handleCommand(gate, topic, payload, retained, route.action));
      },
    },
  );
  link.session = session;
  relay.onChange((on, why) => {
    log.info("relay " + onOff(on) + " (" + why + ")");
    if (behaviour.powerOn === "restore") platform.files.write(RELAY_STATE_FILE, on ? "1" : "0");
    reportRelay();
  });
  reportRelay();
  const maintenance = new Maintenance(
    platform.consoles,
    timers,
    commands.maintenanceMaxSeconds || DEFAULT_MAINTENANCE_MAX_SECONDS,
    mac,
    platform.random,
    () => {
      log.info("maintenance " + maintenance.state);
      reports.report(topics.maintenanceState, maintenance.state);
    },
  );
  reports.report(topics.maintenanceState, maintenance.state);
  routes.push({ topic: topics.maintenanceSet, action: (command) => maintenance.command(command) });
  // The one path of every report people act on (relay, maintenance, inputs, cover): signed,
  // retained, the latest value of each sent again at every CONNACK.
  reports.attach((topic, value) =>
    session.connected ? session.publish(topic, reporter.report(topic, value), 1, true) : "offline",
  );
  const telemetry = features.telemetry;
  if (telemetry)
    telemetry.attach((json) => session.connected && session.publish(topics.telemetry, json, 0, false) === undefined);
  session.subscribe(topics.nonceGet, 1);
  session.subscribe(topics.snapshotGet, 1);
  session.subscribe(topics.otaData, 1);
  for (let i = 0; i < routes.length; i++) session.subscribe(routes[i].topic, 1);
  let started = false;
  const wifi = new WifiLink(platform.wifi, timers, new Backoff(DEFAULT_BACKOFF, platform.random), log, () => {
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
