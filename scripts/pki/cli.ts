// `npm run pki -- <command>`: the project's certificate authority. One line per error, exit 1.
import { parseArgs } from "node:util";
import { ConfigError } from "../lib/config.ts";
import { projectConfig, stateDir } from "../lib/state.ts";
import { initCa, issue, list, renew, revoke, type IssueOptions, type PkiContext } from "./commands.ts";
import { PassphraseError } from "./keys.ts";
import { PkiError, PkiStore } from "./store.ts";

const USAGE = `usage: npm run pki -- <command> [options]
  init [--rsa] [--days N] [--cn NAME]      create the CA (LATCHKEY_CA_PASSPHRASE encrypts its key)
  broker [NAME] [--dns H]... [--ip A]...   broker (server) certificate; localhost and loopback always included
  device ID [--rsa] [--days N]             device (client) certificate, CN = device id, DER for the device
  user NAME [--password P] [--devices a,b] operator certificate and PKCS#12 bundle
  hub [NAME] [--dns H]... [--ip A]...      the hub: broker client and HTTPS server (default name: hub)
  ha [NAME]                                Home Assistant's identity (default name: ha)
  revoke NAME                              revoke, and update the CRL
  list                                     every certificate and its expiry, with warnings
  renew NAME [--days N]                    a new certificate and key; the old one is revoked`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rsa: { type: "boolean" },
      days: { type: "string" },
      cn: { type: "string" },
      dns: { type: "string", multiple: true },
      ip: { type: "string", multiple: true },
      password: { type: "string" },
      devices: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, name, ...extra] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (extra.length > 0) throw new PkiError(`unexpected argument '${extra[0]}'`);
  const config = projectConfig();
  const ctx: PkiContext = {
    store: new PkiStore(stateDir(config)),
    passphrase: process.env.LATCHKEY_CA_PASSPHRASE || undefined,
    log: (line) => console.log(line),
  };
  const days = values.days === undefined ? undefined : Number(values.days);
  const options: IssueOptions = {
    keyType: values.rsa ? "rsa" : undefined,
    days,
    dns: values.dns,
    ips: values.ip,
    password: values.password,
    devices: values.devices?.split(",").filter(Boolean),
  };
  const needName = (what: string) => {
    if (!name) throw new PkiError(`${command} needs ${what}`);
    return name;
  };
  switch (command) {
    case "init":
      return initCa(ctx, { keyType: options.keyType, days, cn: values.cn });
    case "broker":
      await issue(ctx, "broker", name ?? "broker", options);
      return;
    case "device":
      await issue(ctx, "device", needName("a device id"), options);
      return;
    case "user":
      await issue(ctx, "user", needName("a user name"), options);
      return;
    case "hub":
      await issue(ctx, "hub", name ?? "hub", options);
      return;
    case "ha":
      await issue(ctx, "ha", name ?? "ha", options);
      return;
    case "revoke":
      return revoke(ctx, needName("the name of a certificate"));
    case "renew":
      await renew(ctx, needName("the name of a certificate"), { days });
      return;
    case "list":
      (await list(ctx)).forEach((line) => console.log(line));
      return;
    default:
      throw new PkiError(`unknown command '${command}' (init, broker, device, user, hub, ha, revoke, list, renew)`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known = error instanceof PkiError || error instanceof PassphraseError || error instanceof ConfigError;
  const parse = (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS");
  if (!known && !parse) throw error;
  console.error(`pki: ${(error as Error).message}`);
  process.exit(1);
});
