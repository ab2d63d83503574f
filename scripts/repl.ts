// `npm run repl [-- --port /dev/ttyUSB0|tcp://IP[:port] --baud 115200]`: the Espruino CLI's own
// terminal on the device's console, with the profile's port and baud as defaults and the
// project's board file so it stays offline. Ctrl-C twice leaves it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loginProxy } from "./lib/console-login.ts";
import { cliPath } from "./lib/espruino-cli.ts";
import { readCommandKey } from "./lib/signing.ts";
import { projectConfig, projectRoot, stateDir } from "./lib/state.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", short: "p" },
    baud: { type: "string", short: "b" },
    board: { type: "string" },
    ide: { type: "string" },
  },
});

function fail(message: string): never {
  console.error(`repl: ${message}`);
  process.exit(1);
}

const config = projectConfig();
const port = values.port ?? config.tools.port;
const cli = process.env.LATCHKEY_ESPRUINO_CLI ?? cliPath(projectRoot);
if (!cli || !existsSync(cli)) fail("the Espruino CLI is missing: run npm install (devDependency espruino)");
if (!port.startsWith("tcp://") && !existsSync(port))
  fail(`no port ${port}: plug the board in, or pass --port /dev/ttyX or tcp://IP`);
const board = values.board ?? path.join(projectRoot, "scripts/flash/ESP32.json");
// Over tcp:// the device is in a maintenance window: every connection must type the window's
// next console password, so the CLI talks to a local port that logs each one in first (the
// password comes from the device's command key in the CA's state; scripts/lib/console-login.ts).
const proxy = port.startsWith("tcp://")
  ? await loginProxy(port, readCommandKey(stateDir(config), config.device.id)).catch((e: Error) => fail(e.message))
  : undefined;
const args = [
  "--no-ble",
  "--board",
  board,
  "-p",
  proxy ? proxy.port : port,
  "-b",
  values.baud ?? String(config.tools.baud),
];
// --ide PORT: the CLI serves a page embedding the Web IDE that talks through this connection.
if (values.ide) args.push("--ide", values.ide);
const child = spawn(process.execPath, [cli, ...args], { stdio: "inherit" });
child.on("close", (code) => {
  const failed = proxy?.failed();
  if (failed) console.error(`repl: ${failed}`);
  process.exit(code ?? 1);
});
