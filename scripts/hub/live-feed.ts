// The page's live updates: Server-Sent Events over the same mutually authenticated connection.
// Each stream belongs to one operator and carries only the devices that operator may see.
// Bounded per operator: an operator's streams beyond MAX_STREAMS_PER_OPERATOR close that
// operator's own oldest (a page reloaded or opened in another tab keeps working), so nobody
// can close another operator's stream by opening many; with MAX_STREAMS open in all, a new one
// is refused (503) rather than closing anyone's. A comment line every HEARTBEAT_MS keeps
// proxies and the browser from timing the stream out.
import type { ServerResponse } from "node:http";
import { maySee, type Operator } from "./access.ts";
import type { DeviceView } from "./device-view.ts";

export const MAX_STREAMS = 64;
export const MAX_STREAMS_PER_OPERATOR = 4;
const HEARTBEAT_MS = 15000;

interface Stream {
  operator: Operator;
  response: ServerResponse;
}

export class LiveFeed {
  private streams: Stream[] = [];
  private readonly heartbeat = setInterval(() => {
    for (const s of this.streams) s.response.write(": keepalive\n\n");
  }, HEARTBEAT_MS);

  add(operator: Operator, response: ServerResponse): void {
    const own = this.streams.filter((s) => s.operator.cn === operator.cn);
    if (own.length >= MAX_STREAMS_PER_OPERATOR) this.end(own[0]!);
    else if (this.streams.length >= MAX_STREAMS) {
      response.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "10" });
      response.end(`too many live streams (${MAX_STREAMS}) open on this hub\n`);
      return;
    }
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    response.write("retry: 2000\n\n");
    const stream = { operator, response };
    this.streams.push(stream);
    response.on("close", () => this.forget(stream));
  }

  private forget(stream: Stream): void {
    this.streams = this.streams.filter((s) => s !== stream);
  }

  private end(stream: Stream): void {
    this.forget(stream);
    stream.response.end();
  }

  /** A device changed: every stream allowed to see it gets its whole view, made (by `view`)
   *  only when one is open: a fleet's hub with no page open skips the page model at every
   *  report (the largest part of its cost per command in `npm run bench -- --fleet`). */
  device(id: string, view: () => DeviceView): void {
    const readers = this.streams.filter((s) => maySee(s.operator, id));
    if (readers.length === 0) return;
    const data = `event: device\ndata: ${JSON.stringify(view())}\n\n`;
    for (const s of readers) s.response.write(data);
  }

  /** An audit record: to the operators allowed to see its device. */
  audit(device: string, record: object): void {
    const readers = this.streams.filter((s) => maySee(s.operator, device));
    if (readers.length === 0) return;
    const data = `event: audit\ndata: ${JSON.stringify(record)}\n\n`;
    for (const s of readers) s.response.write(data);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const s of this.streams) s.response.end();
    this.streams = [];
  }
}
