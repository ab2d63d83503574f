// `npm run hub`: the hub against the project's broker (the one `npm start` or `npm run broker`
// runs), its HTTPS page on --port (default 8443) of --host (default 127.0.0.1: this machine
// only), following the project's device, any --profile files and every profile in each
// --profiles folder. For phones and other
// machines on the LAN: `--host 0.0.0.0` (or the machine's LAN address), and a hub certificate
// naming the address they use (`npm run pki -- renew hub --ip 192.168.1.50`); the hub says
// which names its certificate holds. Every error is one line and exit 1 (scripts/lib/cli.ts).
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { checkListen } from "../broker/start.ts";
import { hostOption, portOption, runTool } from "../lib/cli.ts";
import { recordedBroker } from "../lib/hub.ts";
import { projectConfig, stateDir } from "../lib/state.ts";
import { PkiStore } from "../lib/pki-store.ts";
import { projectBundle, projectVersion } from "../ota/bundle.ts";
import { startHub } from "./hub.ts";
import { hubProfiles } from "../lib/profiles.ts";

const USAGE = `usage: npm run hub -- [--port 8443] [--host 127.0.0.1] [--profile device.json]... [--profiles DIR]... [--name hub]`;
const EVERY_ADDRESS = ["0.0.0.0", "::"];

/** The names a browser may use to reach the page: the hub certificate's DNS names and IPs. */
function certificateNames(state: string, name: string): string[] {
  const file = path.join(new PkiStore(state).identityDir("hub", name), "cert.pem");
  if (!existsSync(file)) return [];
  const san = new X509Certificate(readFileSync(file)).subjectAltName ?? "";
  return san
    .split(", ")
    .map((entry) => entry.slice(entry.indexOf(":") + 1))
    .map((value) => (value === "0:0:0:0:0:0:0:1" ? "::1" : value));
}

runTool(
  "hub",
  {
    options: {
      port: { type: "string", default: "8443" },
      host: { type: "string", default: "127.0.0.1" },
      profile: { type: "string", multiple: true, default: [] },
      profiles: { type: "string", multiple: true, default: [] },
      name: { type: "string", default: "hub" },
      help: { type: "boolean", short: "h" },
    },
    usage: USAGE,
  },
  async ({ values }) => {
    if (values.help) return console.log(USAGE);
    const port = portOption(values.port);
    const host = hostOption(values.host);
    const config = projectConfig();
    const state = stateDir(config);
    const profiles = hubProfiles(config, values.profile, values.profiles);
    // Before anything starts: a busy port, an address not of this machine, a name that does
    // not resolve are each one line.
    await checkListen(host, port);
    const recorded = recordedBroker(state);
    const broker = recorded ? { host: recorded.host, port: recorded.port } : config.device.broker;
    const version = projectVersion();
    const hub = await startHub({
      stateDir: state,
      profiles,
      broker,
      failover: config.device.failover,
      web: { host, port },
      version,
      name: values.name,
      // The page's updates install the project's build, made when an owner asks (as npm run ota),
      // at package.json's version then (read at each use, not once here).
      updates: { version: projectVersion, bundle: (device, v) => projectBundle(config, device, { version: v }) },
      log: (line) => console.log(`hub: ${line}`),
    });
    console.log(`hub: page at ${hub.url} (operators: npm run pki -- user NAME, then import NAME.p12; see README)`);
    const names = certificateNames(state, values.name);
    if (EVERY_ADDRESS.includes(host)) {
      console.log(
        `hub: serving every address of this machine; browsers must use a name the hub's certificate holds (${names.join(", ")}): add one with npm run pki -- renew ${values.name} --ip A (or --dns H)`,
      );
    } else if (!names.includes(host) && !(host === "127.0.0.1" || host === "::1")) {
      console.log(
        `hub: the hub's certificate does not name ${host} (it names ${names.join(", ")}): browsers will refuse the page; run npm run pki -- renew ${values.name} ${/^[0-9.:]+$/.test(host) ? "--ip" : "--dns"} ${host}`,
      );
    }
    const stop = () => void hub.stop().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  },
);
