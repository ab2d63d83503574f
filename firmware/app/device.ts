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
import type { Booted } from "./boot";
import { hmacSha256, KEY_BYTES, Nonces } from "./auth";
import { applyCommand, handleCommand, signedGate, type Outcome } from "./commands";
import {
  CA_FILE,
  CERT_FILE,
  CMDKEY_FILE,
  DEFAULT_FRESHNESS_MS,
  KEY_FILE,
  RELAY_STATE_FILE,
  WIFI_FILE,
} from "./profile";
import { DEFAULT_MAINTENANCE_MAX_SECONDS, Maintenance } from "./maintenance";
import { Reporter, resultPayload } from "./signed";
import { deviceTopics } from "./topics";

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
  if (!key || key.length !== KEY_BYTES) return "'" + CMDKEY_FILE + "' (the " + KEY_BYTES + "-byte command key)";
  return undefined;
}

/** A retained report and how to read its current value. */
interface Report {
  topic: string;
  value: () => string;
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
  const topics = deviceTopics(profile.topicPrefix, profile.id);
  const mac = hmacSha256(platform.sha256, platform.files.read(CMDKEY_FILE) as string);
  const freshnessMs = (profile.commands && profile.commands.freshnessMs) || DEFAULT_FRESHNESS_MS;
  const nonces = new Nonces(() => platform.clock.now(), platform.random, freshnessMs);
  const gate = signedGate(mac, nonces);
  const reporter = new Reporter(mac, platform.random);
  // A list, not an object keyed by topic: a rogue broker chooses the topic ("constructor").
  const routes: CommandRoute[] = [
    { topic: topics.relaySet, action: (command) => applyCommand(relay, behaviour, command) },
  ];
  const sendNonce = (session: Session) => session.publish(topics.nonce, nonces.issue(), 1, false);
  /** The retained signed reports, published at every CONNACK and whenever they change. */
  const reports: Report[] = [{ topic: topics.relayState, value: () => (relay.isOn ? "ON" : "OFF") }];
  const publishReport = (session: Session, report: Report) =>
    session.publish(report.topic, reporter.report(report.topic, report.value()), 1, true);
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
        for (let i = 0; i < reports.length; i++) publishReport(session, reports[i]);
        sendNonce(session);
      },
      disconnected: (reason, retryInMs) => {
        watchLink(false);
        log.warn("MQTT down: " + reason + (retryInMs >= 0 ? "; retry in " + (retryInMs / 1000).toFixed(1) + " s" : ""));
      },
      message: (topic, payload, retained) => {
        // A retained nonce/get would hand out a nonce at every reconnect for nobody.
        if (topic === topics.nonceGet) {
          if (!retained) sendNonce(session);
          return;
        }
        let route: CommandRoute | undefined;
        for (let i = 0; i < routes.length; i++) if (routes[i].topic === topic) route = routes[i];
        if (!route) return;
        const result = handleCommand(gate, topic, payload, retained, route.action);
        const ok = result.refused === undefined;
        const detail = (ok ? result.done : result.refused) || "";
        if (ok) log.info("command: " + detail);
        else log.warn("command refused: " + detail);
        session.publish(topics.result, resultPayload(mac, topic, result.nonce || "", ok, detail), 1, false);
      },
    },
  );
  relay.onChange((on, why) => {
    log.info("relay " + (on ? "ON" : "OFF") + " (" + why + ")");
    if (behaviour.powerOn === "restore") platform.files.write(RELAY_STATE_FILE, on ? "1" : "0");
    if (session.connected) publishReport(session, reports[0]);
  });
  const maintenance = new Maintenance(
    platform.consoles,
    timers,
    (profile.commands && profile.commands.maintenanceMaxSeconds) || DEFAULT_MAINTENANCE_MAX_SECONDS,
    (state) => {
      log.info("maintenance window " + state);
      if (session.connected) publishReport(session, reports[1]);
    },
  );
  reports.push({ topic: topics.maintenanceState, value: () => maintenance.state });
  routes.push({ topic: topics.maintenanceSet, action: (command) => maintenance.command(command) });
  session.subscribe(topics.nonceGet, 1);
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
  return session;
}
