// A scripted broker on the far side of a fake Transport, driven by FakeTime: every link the
// session opens is recorded, what the session wrote is decoded, and a test answers by hand.
import { decodeAny } from "../../firmware/mqtt/codec/decode-any.ts";
import { Decoder } from "../../firmware/mqtt/codec/decoder.ts";
import { encode } from "../../firmware/mqtt/codec/encode-any.ts";
import type { Packet } from "../../firmware/mqtt/codec/packets.ts";
import type { Connector, LinkError, TransportHandlers } from "../../firmware/net/transport.ts";
import type { FakeTime } from "./fake-platform.ts";

export class FakeLink {
  readonly received: Packet[] = [];
  readonly raw: string[] = [];
  closed = false;
  closedByClient = false;
  private readonly decoder = new Decoder(1 << 20, decodeAny);

  constructor(
    private readonly handlers: TransportHandlers,
    private readonly time: FakeTime,
  ) {}

  /** Called by the session. */
  write(data: string): void {
    if (this.closed) throw new Error("write after close");
    this.raw.push(data);
    const error = this.decoder.push(data, (p) => this.received.push(p));
    if (error) throw new Error(`session wrote a malformed packet: ${error}`);
  }

  /** Called by the session; the close handler follows on the next tick, as the contract says. */
  close(): void {
    if (this.closed) return;
    this.closedByClient = true;
    this.end();
  }

  /** The broker sends a packet (or raw bytes). */
  send(packet: Packet | string): void {
    this.handlers.data(typeof packet === "string" ? packet : encode(packet));
  }

  /** The broker or the network ends the link, optionally with an error first. */
  drop(error?: LinkError): void {
    if (error) this.handlers.error(error);
    this.end();
  }

  private end(): void {
    this.closed = true;
    this.time.timers.set(() => this.handlers.close(), 0);
  }

  types(): number[] {
    return this.received.map((p) => p.type);
  }
}

export function fakeConnector(time: FakeTime): { connect: Connector; links: FakeLink[] } {
  const links: FakeLink[] = [];
  const connect: Connector = (handlers) => {
    const link = new FakeLink(handlers, time);
    links.push(link);
    return link;
  };
  return { connect, links };
}
