// A cursor over one packet body for decode-any.ts (host code: the device decodes a broker's
// few packets in decode.ts without one). The first problem found is kept in `err`, so a
// decoder reads on and reports once; nothing throws.
import { utf8Error } from "./checks";

/** A cursor over one packet body; the first problem found is kept in `err`. */
export class Reader {
  b: string;
  p: number;
  err: string | undefined;
  constructor(body: string) {
    this.b = body;
    this.p = 0;
  }
  fail(problem: string | undefined): void {
    if (this.err === undefined) this.err = problem;
  }
  left(): number {
    return this.b.length - this.p;
  }
  u8(): number {
    if (this.p < this.b.length) return this.b.charCodeAt(this.p++);
    this.fail("body too short [MQTT-2.2.3]");
    return 0;
  }
  u16(): number {
    return this.u8() * 256 + this.u8();
  }
  id(): number {
    const id = this.u16();
    if (id === 0) this.fail("packet id 0 [MQTT-2.3.1-1]");
    return id;
  }
  /** Length-prefixed bytes (section 1.5.3); `text` also requires well-formed UTF-8. */
  bytes(text: boolean): string {
    const n = this.u16();
    if (n > this.left()) {
      this.fail("string of " + n + " past the body [MQTT-1.5.3]");
      this.p = this.b.length;
      return "";
    }
    const s = this.b.substr(this.p, n);
    this.p += n;
    if (text) this.fail(utf8Error(s));
    return s;
  }
  rest(): string {
    const s = this.b.substr(this.p);
    this.p = this.b.length;
    return s;
  }
}
