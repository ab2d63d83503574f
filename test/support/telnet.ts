// A raw TCP client for console tests: what a person (or a LAN neighbour) typing at the
// device's telnet port sees, as one growing text.
import net from "node:net";
import { until } from "./wait.ts";

export class TelnetClient {
  text = "";
  closed = false;
  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => (this.text += d.toString("latin1")));
    socket.on("close", () => (this.closed = true));
    socket.on("error", () => undefined);
  }

  static connect(port: number, host = "127.0.0.1"): Promise<TelnetClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new TelnetClient(socket)));
      socket.once("error", reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Waits until the text since `from` contains `what`. */
  async expect(what: string, timeoutMs = 5000, from = 0): Promise<void> {
    await until(
      `"${what}" on the console (saw ${JSON.stringify(this.text.slice(from))})`,
      () => this.text.slice(from).includes(what),
      timeoutMs,
    );
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A man in the middle on the LAN: forwards a TCP port to `target` and keeps every byte
 *  both ways (what anyone on the network could read from a plain-TCP console session). */
export async function tcpTap(targetPort: number): Promise<{ port: number; seen: () => string; close(): void }> {
  let seen = "";
  const sockets: net.Socket[] = [];
  const server = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, "127.0.0.1");
    sockets.push(inbound, outbound);
    for (const [from, to] of [
      [inbound, outbound],
      [outbound, inbound],
    ]) {
      from.on("data", (d: Buffer) => {
        seen += d.toString("latin1");
        to.write(d);
      });
      from.on("close", () => to.destroy());
      from.on("error", () => undefined);
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen: () => seen,
    close: () => {
      sockets.forEach((s) => s.destroy());
      server.close();
    },
  };
}
