// `npm run repl [-- --port /dev/ttyUSB0|tcp://IP[:port] --baud 115200]`: the Espruino CLI's own
// terminal on the device's console, with the profile's port and baud as defaults and the
// project's board file so it stays offline. Ctrl-C twice leaves it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { runTool, wholeNumber } from "../lib/cli.ts";
import { FlashError } from "../lib/errors.ts";
import { probeTcp } from "../lib/tcp-probe.ts";
import { loginProxy, signedWindow } from "../lib/console-login.ts";
import { connectAsHub } from "../lib/hub.ts";
import { deviceTopics, thingTopic } from "../../firmware/app/protocol/topics.ts";
import { cliPath } from "../lib/espruino-cli.ts";
import { readCommandKey } from "../lib/signing.ts";
import { projectConfig, projectRoot, stateDir } from "../lib/state.ts";

runTool(
  "repl",
  {
    options: {
      port: { type: "string", short: "p" },
      baud: { type: "string", short: "b" },
      board: { type: "string" },
      ide: { type: "string" },
    },
    usage:
      "usage: npm run repl -- [--port /dev/ttyUSB0|tcp://IP[:port]] [--baud 115200] [--board file.json] [--ide PORT]",
  },
  async ({ values }) => {
    const config = projectConfig();
    const port = values.port ?? config.tools.port;
    const baud = values.baud === undefined ? config.tools.baud : wholeNumber(values.baud, "--baud", 300, 2000000);
    const cli = process.env.LATCHKEY_ESPRUINO_CLI ?? cliPath(projectRoot);
    if (!cli || !existsSync(cli))
      throw new FlashError("the Espruino CLI is missing: run npm install (devDependency espruino)");
    if (!port.startsWith("tcp://") && !existsSync(port))
      throw new FlashError(`no port ${port}: plug the board in, or pass --port /dev/ttyX or tcp://IP`);
    if (port.startsWith("tcp://")) await probeTcp(port);
    const board = values.board ?? path.join(projectRoot, "scripts/flash/ESP32.json");
    // Over tcp:// the device is in a maintenance window: every connection must type the window's
    // next console password, so the CLI talks to a local port that logs each one in first (the
    // password comes from the device's command key in the CA's state, and is typed only for the
    // window the device reports, signed, on the broker; scripts/lib/console-login.ts).
    const device = config.device;
    const key = port.startsWith("tcp://") ? readCommandKey(stateDir(config), device.id) : undefined;
    const proxy = key
      ? await loginProxy(
          port,
          key,
          signedWindow(
            () => connectAsHub(stateDir(config), device.broker.host, device.broker.port, false, device.failover),
            key,
            thingTopic(deviceTopics(device.topicPrefix, device.id).root, "maintenance", "state"),
          ),
        )
      : undefined;
    const args = ["--no-ble", "--board", board, "-p", proxy ? proxy.port : port, "-b", String(baud)];
    // --ide PORT: the CLI serves a page embedding the Web IDE that talks through this connection.
    if (values.ide) args.push("--ide", values.ide);
    const child = spawn(process.execPath, [cli, ...args], { stdio: "inherit" });
    await new Promise<void>((resolve, reject) =>
      child.on("close", (code) => {
        const failed = proxy?.failed();
        if (failed) reject(new FlashError(failed));
        else if (code !== 0) reject(new FlashError(`the Espruino CLI ended with status ${code}`));
        else resolve();
      }),
    );
    process.exit(0);
  },
);
