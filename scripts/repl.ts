// `npm run repl [-- --port /dev/ttyUSB0|tcp://IP[:port] --baud 115200]`: the Espruino CLI's own
// terminal on the device's console, with the profile's port and baud as defaults and the
// project's board file so it stays offline. Ctrl-C twice leaves it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { cliPath, unlockTelnet } from "./lib/espruino-cli.ts";
import { projectConfig, projectRoot } from "./lib/state.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", short: "p" },
    baud: { type: "string", short: "b" },
    board: { type: "string" },
    ide: { type: "string" },
    otp: { type: "string" },
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
const args = ["--no-ble", "--board", board, "-p", port, "-b", values.baud ?? String(config.tools.baud)];
// --ide PORT: the CLI serves a page embedding the Web IDE that talks through this connection.
if (values.ide) args.push("--ide", values.ide);
// --otp: the maintenance window's one-time password, typed before the CLI connects.
if (values.otp) await unlockTelnet(port, values.otp).catch((e: Error) => fail(e.message));
const child = spawn(process.execPath, [cli, ...args], { stdio: "inherit" });
child.on("close", (code) => process.exit(code ?? 1));
