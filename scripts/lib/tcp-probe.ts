// Before a tool hands a tcp:// port to the Espruino CLI (which prints a raw "RECEIVE ERROR" and
// exits 0 when nothing answers): one connection attempt, and a refusal, a name that does not
// resolve or silence is one line naming which (scripts/lib/cli.ts networkWords).
import net from "node:net";
import { networkWords } from "./cli.ts";
import { NetworkError } from "./errors.ts";

/** host and port of `tcp://host[:port]` (Espruino's telnet console: 23 by default). */
export function tcpTarget(url: string): { host: string; port: number } {
  const match = /^tcp:\/\/([^/:]+)(?::(\d+))?$/.exec(url);
  if (!match) throw new NetworkError(`bad port ${url}: expected tcp://host[:port]`);
  return { host: match[1], port: match[2] ? Number(match[2]) : 23 };
}

/** Resolves when something accepts a TCP connection at `url`; else a NetworkError. */
export async function probeTcp(url: string, timeoutMs = 5000): Promise<void> {
  const { host, port } = tcpTarget(url);
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new NetworkError(`cannot open ${url}: ${host}:${port} did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const words = networkWords({ ...error, address: error.code === "ECONNREFUSED" ? host : undefined, port });
      reject(new NetworkError(`cannot open ${url}: ${words ?? error.message}`));
    });
  });
}
