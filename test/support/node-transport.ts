// A Transport over Node sockets (plain TCP, or TLS for host-side checks), keeping the
// contract of firmware/net/transport.ts: 8-bit string data, first error is the reason, close
// exactly once and never synchronously.
import net from "node:net";
import tls from "node:tls";
import type { Connector } from "../../firmware/net/transport.ts";

export interface NodeLinkOptions {
  host: string;
  port: number;
  tls?: tls.ConnectionOptions;
}

export function nodeConnector(options: NodeLinkOptions, sockets: net.Socket[] = []): Connector {
  return (handlers) => {
    const socket = options.tls
      ? tls.connect({ host: options.host, port: options.port, ...options.tls })
      : net.connect({ host: options.host, port: options.port });
    sockets.push(socket);
    let closed = false;
    socket.on("data", (chunk: Buffer) => {
      if (!closed) handlers.data(chunk.toString("latin1"));
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (!closed) handlers.error({ reason: `${error.code ?? "socket error"}: ${error.message}` });
    });
    socket.on("close", () => {
      if (closed) return;
      closed = true;
      handlers.close();
    });
    return {
      write: (data) => {
        if (!socket.destroyed) socket.write(Buffer.from(data, "latin1"));
      },
      close: () => socket.destroy(),
    };
  };
}

/** Real time for sessions that talk to real brokers. */
export const realTime = {
  clock: { now: () => Date.now() },
  timers: {
    set: (callback: () => void, ms: number) => setTimeout(callback, ms),
    clear: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
  },
};
