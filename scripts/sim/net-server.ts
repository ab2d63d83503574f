// require("net").createServer on the simulated device: a real TCP server on a loopback port
// (the device's port number is mapped to it: SimulatedDevice.tcpPort), with the surface of
// Espruino's sockets (libs/network/jswrap_net.c, socketserver.c): data as 8-bit strings,
// write, end(data?) which closes the socket once the data is out, 'data' and 'close'.
import net from "node:net";

export interface NetServerSim {
  /** Runs device code (errors go where the device's errors go). */
  run(fn: () => void): void;
  /** The server for device port `port` listens on the loopback port `actual` resolves to
   *  (undefined: it closed). */
  listening(port: number, actual: Promise<number> | undefined): void;
  /** Closed at reboot and power off. */
  track(thing: { destroy(): void } | net.Server): void;
}

type Listener = (value?: unknown) => void;

export function createServerFor(sim: NetServerSim) {
  return (callback: (socket: unknown) => void) => {
    const server = net.createServer((socket) => {
      const listeners: Record<string, Listener[]> = {};
      const emit = (event: string, value?: unknown) =>
        sim.run(() => (listeners[event] ?? []).forEach((fn) => fn(value)));
      socket.setNoDelay(true);
      socket.on("data", (d: Buffer) => emit("data", d.toString("latin1")));
      socket.on("close", () => emit("close", false));
      socket.on("error", () => undefined);
      sim.track(socket);
      sim.run(() =>
        callback({
          write: (data: unknown) => socket.write(Buffer.from(String(data), "latin1")),
          end: (data?: unknown) => {
            if (data !== undefined) socket.write(Buffer.from(String(data), "latin1"));
            socket.end(() => socket.destroy());
          },
          on: (event: string, fn: Listener) => void (listeners[event] ??= []).push(fn),
        }),
      );
    });
    sim.track(server);
    let listened: number | undefined;
    const handle = {
      listen: (port: number) => {
        listened = port;
        sim.listening(
          port,
          new Promise<number>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
          }),
        );
        return handle;
      },
      close: () => {
        if (listened !== undefined) sim.listening(listened, undefined);
        server.close();
      },
    };
    return handle;
  };
}
