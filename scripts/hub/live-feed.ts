// The page's live updates: Server-Sent Events over the same mutually authenticated connection.
// Each stream belongs to one operator and carries only the devices that operator may see.
// Bounded: at most MAX_STREAMS open (the oldest is closed for a new one); a comment line every
// HEARTBEAT_MS keeps proxies and the browser from timing the stream out.
import type { ServerResponse } from "node:http";
import { maySee, type Operator } from "./access.ts";
import type { DeviceView } from "./device-state.ts";

export const MAX_STREAMS = 64;
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
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    response.write("retry: 2000\n\n");
    const stream = { operator, response };
    this.streams.push(stream);
    if (this.streams.length > MAX_STREAMS) this.streams.shift()!.response.end();
    response.on("close", () => {
      this.streams = this.streams.filter((s) => s !== stream);
    });
  }

  /** A device changed: every stream allowed to see it gets its whole view. */
  device(view: DeviceView): void {
    const data = `event: device\ndata: ${JSON.stringify(view)}\n\n`;
    for (const s of this.streams) if (maySee(s.operator, view.id)) s.response.write(data);
  }

  /** An audit record: to the operators allowed to see its device. */
  audit(device: string, record: object): void {
    const data = `event: audit\ndata: ${JSON.stringify(record)}\n\n`;
    for (const s of this.streams) if (maySee(s.operator, device)) s.response.write(data);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const s of this.streams) s.response.end();
    this.streams = [];
  }
}
