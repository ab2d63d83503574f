// The hub, put together: one mTLS MQTT connection as the `hub` identity, the device states it
// follows (verified), the audit log, the commander that signs, the operators' HTTPS page and,
// when the CA has an `ha` identity, the Home Assistant endpoint and bridge (Home Assistant
// connects to the hub, never to the main broker). `npm run hub` (cli.ts), `npm start --hub` and
// the tests call this.
import { readFileSync, unwatchFile, watchFile, type Stats } from "node:fs";
import path from "node:path";
import mqtt from "mqtt";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { readCommandKey } from "../lib/signing.ts";
import { PkiError } from "../lib/errors.ts";
import { PkiStore } from "../lib/pki-store.ts";
import { AuditLog } from "./audit.ts";
import { Commander } from "./commander.ts";
import { DeviceJournals, TIMELINE_EVENTS } from "./device-journal.ts";
import { DeviceStates } from "./device-state.ts";
import type { DeviceView } from "./device-view.ts";
import { Challenger, DEFAULT_FRESHNESS } from "./freshness.ts";
import { HomeAssistantBridge } from "./ha-bridge.ts";
import { activeHaIdentities, startHaEndpoint, type HaEndpoint } from "./ha-endpoint.ts";
import { checkHaAllow, type HaAllow } from "./ha-permissions.ts";
import { LiveFeed } from "./live-feed.ts";
import { pageDevice } from "./page-model.ts";
import { RetainedWatch } from "./retained-watch.ts";
import { Updates, type UpdateSource } from "./updates.ts";
import { startWeb, type WebServer } from "./web.ts";

/** How long stop() waits for the broker to take the hub's goodbye. */
const GOODBYE_MS = 1000;
/** Where Home Assistant connects by default (the main broker is on 8883). */
export const HA_PORT = 8884;

export interface HubOptions {
  stateDir: string;
  profiles: DeviceProfile[];
  broker: { host: string; port: number };
  /** Further brokers of the same policy, tried in turn when the current one is lost (the
   *  profile's `failover`, as the devices have it). */
  failover?: { host: string; port: number }[];
  web: { host: string; port: number };
  version: string;
  /** The hub's certificate name (`npm run pki -- hub [NAME]`). */
  name?: string;
  /** Home Assistant's endpoint on the hub: where it listens (port 0, the default: any free
   *  port) and what Home Assistant may send (default nothing). Opened only when the CA has an
   *  active `ha` identity. */
  homeAssistant?: { host: string; port: number; allow: HaAllow; settleMs?: number };
  rediscoverMaxMs?: number;
  commandTimeoutMs?: number;
  /** Ask every device for a signed state snapshot this often (ms; default 60 s). */
  confirmEveryMs?: number;
  /** A device that does not answer the hub's challenge within this (ms; default 10 s, at least
   *  1.5 s) is shown as unconfirmed. */
  answerTimeoutMs?: number;
  audit?: { maxBytes?: number; keep?: number };
  /** The firmware the page offers as an update (none: the page offers no update). */
  updates?: UpdateSource;
  crlPollMs?: number;
  log?: (line: string) => void;
}

export interface Hub {
  url: string;
  web: WebServer;
  audit: AuditLog;
  states: DeviceStates;
  /** The Home Assistant endpoint and bridge; undefined without an `ha` identity. */
  homeAssistant?: HaEndpoint;
  bridge?: HomeAssistantBridge;
  commander: Commander;
  updates: Updates;
  /** Resolves once the hub's MQTT session is up and discovery went out. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export async function startHub(options: HubOptions): Promise<Hub> {
  const log = options.log ?? (() => undefined);
  const store = new PkiStore(options.stateDir);
  const name = options.name ?? "hub";
  const dir = store.identityDir("hub", name);
  let cert: string, key: string;
  try {
    cert = readFileSync(path.join(dir, "cert.pem"), "utf8");
    key = readFileSync(path.join(dir, "key.pem"), "utf8");
  } catch {
    throw new PkiError(`no hub certificate '${name}' in ${dir}: run npm run pki -- hub`);
  }
  const feed = new LiveFeed();
  // Filled in below; the parts made first reach the later ones through these.
  const late: { client?: mqtt.MqttClient } = {};
  let endpoint: HaEndpoint | undefined;
  let ha: HomeAssistantBridge | undefined;
  const current = () => {
    if (!late.client) throw new Error("the hub is not connected to the broker");
    return late.client;
  };
  // The page's view of each device: its values, health and recent events.
  const journals = new DeviceJournals(options.profiles, options.stateDir, (device) =>
    readCommandKey(options.stateDir, device),
  );
  const present = (view: DeviceView) => pageDevice(states.profile(view.id)!, view, journals, updates);
  const states = new DeviceStates(
    options.profiles,
    (device) => readCommandKey(options.stateDir, device),
    (view) => {
      journals.observe(view);
      feed.device(view.id, () => present(view));
      ha?.mirror(view);
    },
  );
  const audit = new AuditLog({
    dir: path.join(options.stateDir, "hub"),
    ...options.audit,
    onAppend: (record) => {
      feed.audit(record.device, record);
      journals.audit(record);
      const view = states.view(record.device);
      if (view) feed.device(view.id, () => present(view));
    },
  });
  for (const record of audit.recent(TIMELINE_EVENTS).reverse()) journals.audit(record);
  await journals.refreshCertificates();
  const commander = new Commander(current, states, audit, options.commandTimeoutMs ?? 5000);
  const updates: Updates = new Updates(current, states, audit, options.updates, (device) => {
    const view = states.view(device);
    if (view) feed.device(view.id, () => present(view));
  });
  const haOptions = options.homeAssistant ?? { host: "127.0.0.1", port: 0, allow: {} };
  checkHaAllow(haOptions.allow, (device) => states.view(device)?.entities);
  const prefixes = [...new Set(options.profiles.map((p) => p.topicPrefix))];
  // Opens the Home Assistant endpoint once the CA has an `ha` identity (at start, or when
  // `npm run pki -- ha` adds one while the hub runs), and follows later changes of that list.
  let following = Promise.resolve();
  const followHaIdentities = () =>
    (following = following.then(async () => {
      const identities = await activeHaIdentities(options.stateDir);
      if (endpoint) {
        if (identities.join() !== endpoint.identities.join()) await endpoint.refresh(identities);
        return;
      }
      if (identities.length === 0) return;
      const opened = await startHaEndpoint({
        stateDir: options.stateDir,
        identities,
        cert: path.join(dir, "cert.pem"),
        key: path.join(dir, "key.pem"),
        host: haOptions.host,
        port: haOptions.port,
        prefixes,
        onMessage: (m) => ha?.message(m),
        crlPollMs: options.crlPollMs,
        log,
      });
      const bridge = new HomeAssistantBridge(opened, states, commander, audit, {
        stateDir: options.stateDir,
        version: options.version,
        allow: haOptions.allow,
        rediscoverMaxMs: options.rediscoverMaxMs ?? 5000,
        settleMs: haOptions.settleMs ?? 2000,
      });
      endpoint = opened;
      ha = bridge;
      await bridge.brokerUp(late.client?.connected ?? false);
      await bridge.discover();
      log(`Home Assistant endpoint open on ${opened.host}:${opened.port} for ${identities.join(", ")}`);
    }));
  await followHaIdentities();
  const indexChanged = (now: Stats, before: Stats) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size)
      void followHaIdentities().catch((error: unknown) => log(`Home Assistant endpoint: ${(error as Error).message}`));
  };
  watchFile(store.indexFile, { interval: options.crlPollMs ?? 1000 }, indexChanged);
  const web = await startWeb({
    stateDir: options.stateDir,
    cert,
    key,
    host: options.web.host,
    port: options.web.port,
    routes: {
      states,
      commander,
      audit,
      feed,
      journals,
      updates,
      present: (id) => {
        const view = states.view(id);
        return view && present(view);
      },
    },
    crlPollMs: options.crlPollMs,
  });
  const client = mqtt.connect({
    host: options.broker.host,
    port: options.broker.port,
    // mqtt.js moves to the next of `servers` at each reconnect.
    servers: options.failover?.length ? [options.broker, ...options.failover] : undefined,
    protocol: "mqtts",
    ca: readFileSync(store.caCertFile),
    cert,
    key,
    // The broker makes it the CN anyway (use_username_as_clientid): one connection per identity.
    clientId: name,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
  });
  late.client = client;
  const challenger = new Challenger(
    (topic, payload) => client.publish(topic, payload, { qos: 1, retain: false }),
    states,
    {
      everyMs: options.confirmEveryMs ?? DEFAULT_FRESHNESS.everyMs,
      answerMs: options.answerTimeoutMs ?? DEFAULT_FRESHNESS.answerMs,
    },
  );
  client.on("close", () => challenger.disconnected());
  const watch = new RetainedWatch({
    devices: () => states.ids().map((id) => ({ id, filter: `${states.profile(id)!.topicPrefix}/${id}/#` })),
    // mqtt.js skips a filter it already holds unless told `resubscribe`.
    subscribe: (filters) =>
      current().subscribeAsync({
        ...Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])),
        resubscribe: true,
      } as mqtt.ISubscriptionMap),
    log,
  });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  client.on("connect", () => {
    lastError = "";
    log(`connected to the broker at ${client.options.host}:${client.options.port}`);
    void current()
      .subscribeAsync(states.filters(), { qos: 1 })
      .then(() => {
        void watch.subscribed().catch((error: unknown) => log(`asking the broker again: ${(error as Error).message}`));
      })
      .then(() => challenger.connected())
      .then(() => ha?.brokerUp(true))
      .then(markReady)
      .catch((error: unknown) => log(`after connecting: ${(error as Error).message}`));
  });
  // Reconnects come every second while the broker is away: say each different error once.
  let lastError = "";
  client.on("error", (error) => {
    if (error.message !== lastError) log(`broker: ${error.message} (retrying every second)`);
    lastError = error.message;
  });
  client.on("close", () => void ha?.brokerUp(false).catch(() => undefined));
  client.on("message", (topic, payload, packet) => {
    watch.heard(topic.split("/")[1] ?? "");
    journals.message(topic, payload, packet.retain);
    states.message(topic, payload);
  });
  return {
    url: web.url,
    web,
    audit,
    states,
    get homeAssistant() {
      return endpoint;
    },
    get bridge() {
      return ha;
    },
    commander,
    updates,
    ready,
    stop: async () => {
      challenger.stop();
      watch.stop();
      unwatchFile(store.indexFile, indexChanged);
      await following.catch(() => undefined);
      ha?.stop();
      feed.close();
      await web.close();
      // No goodbye to publish on the main broker (Home Assistant hears the hub on its own
      // endpoint). Waited for at most GOODBYE_MS: a broker that stops answering (or ends on the
      // same Ctrl-C) never answers the DISCONNECT; the socket is then just closed.
      const client = current();
      const inTime = (work: Promise<unknown>) =>
        Promise.race([
          work.then(
            () => true,
            () => false,
          ),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), GOODBYE_MS).unref()),
        ]);
      if (!client.connected || !(await inTime(client.endAsync()))) await client.endAsync(true);
      if (ha) await ha.brokerUp(false).catch(() => undefined);
      await endpoint?.close();
      audit.close();
    },
  };
}
