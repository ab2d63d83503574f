// Espruino's OneWire class (src/jswrap_onewire.c) with DS18B20 sensors on the bus, byte-level:
// reset() is true only when a device answers with a presence pulse; select() needs a
// 16-hex-character ROM string and resets first; search() lists ROMs as lower-case hex, byte 0
// (the family code, 0x28) first; read() with nothing driving the bus gives 0xFF (the pull-up);
// read(count) is a Uint8Array. The sensor follows the DS18B20 datasheet: SKIP (0xCC) or
// MATCH (0x55 + ROM), CONVERT T (0x44, 750 ms at 12 bits: reading earlier gives the previous
// value, 85 C after power-on), READ SCRATCHPAD (0xBE, 9 bytes, byte 8 the CRC-8 of 0-7).
// A test controls presence, temperature and a corrupted CRC.

/** Dallas/Maxim CRC-8, written independently of the firmware's (test/sim code). */
export function dallasCrc(bytes: number[]): number {
  let crc = 0;
  for (const b of bytes) {
    for (let i = 0, v = b; i < 8; i++, v >>= 1) crc = (crc ^ v) & 1 ? (crc >> 1) ^ 0x8c : crc >> 1;
  }
  return crc;
}

export class SimDs18b20 {
  present = true;
  celsius = 21.5;
  /** Flip a bit in every scratchpad's CRC byte (noise on a long cable). */
  corruptCrc = false;
  /** The value a READ SCRATCHPAD returns: 85 C until the first conversion ends. */
  private register = 85 * 16;
  private convertedAt = -Infinity;
  private pendingValue = 85 * 16;
  readonly rom: string;

  constructor(
    private readonly now: () => number,
    serial = 0x0123456789ab,
  ) {
    const bytes = [0x28];
    for (let i = 0; i < 6; i++) bytes.push(Math.floor(serial / 2 ** (8 * i)) & 0xff);
    bytes.push(dallasCrc(bytes));
    this.rom = bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  convert(): void {
    this.convertedAt = this.now();
    this.pendingValue = Math.round(this.celsius * 16);
  }

  scratchpad(): number[] {
    if (this.now() - this.convertedAt >= 750) this.register = this.pendingValue;
    const raw = this.register & 0xffff;
    const bytes = [raw & 0xff, raw >> 8, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10];
    bytes.push(dallasCrc(bytes) ^ (this.corruptCrc ? 0x01 : 0));
    return bytes;
  }
}

type Phase = "idle" | "rom" | "match" | "function" | "reading";

/** The OneWire bus of one pin, as Espruino's `new OneWire(pin)` object. */
export class SimOneWireBus {
  readonly devices: SimDs18b20[] = [];
  /** Every byte written, for tests. */
  readonly written: number[] = [];
  private phase: Phase = "idle";
  private selected: SimDs18b20[] = [];
  private matchBytes: number[] = [];
  private out: number[] = [];

  private present(): SimDs18b20[] {
    return this.devices.filter((d) => d.present);
  }

  reset(): boolean {
    this.phase = "rom";
    this.out = [];
    return this.present().length > 0;
  }

  skip(): void {
    this.reset();
    this.writeByte(0xcc);
  }

  select(rom: unknown): void {
    if (typeof rom !== "string" || rom.length !== 16)
      throw new TypeError(`Invalid OneWire device address ${String(rom)}`);
    this.reset();
    this.writeByte(0x55);
    for (let i = 0; i < 16; i += 2) this.writeByte(parseInt(rom.slice(i, i + 2), 16));
  }

  search(): string[] {
    this.phase = "idle";
    return this.present().map((d) => d.rom);
  }

  write(data: number | number[], _power?: boolean): void {
    for (const b of Array.isArray(data) ? data : [data]) this.writeByte(b & 0xff);
  }

  read(count?: number): number | Uint8Array {
    const next = () => (this.out.length > 0 ? this.out.shift()! : 0xff);
    if (count === undefined) return next();
    const bytes = new Uint8Array(count);
    for (let i = 0; i < count; i++) bytes[i] = next();
    return bytes;
  }

  private writeByte(b: number): void {
    this.written.push(b);
    if (this.phase === "rom") {
      if (b === 0xcc) {
        this.selected = this.present();
        this.phase = "function";
      } else if (b === 0x55) {
        this.matchBytes = [];
        this.phase = "match";
      } else this.phase = "idle";
    } else if (this.phase === "match") {
      this.matchBytes.push(b);
      if (this.matchBytes.length === 8) {
        const rom = this.matchBytes.map((x) => x.toString(16).padStart(2, "0")).join("");
        this.selected = this.present().filter((d) => d.rom === rom);
        this.phase = "function";
      }
    } else if (this.phase === "function") {
      if (b === 0x44) this.selected.forEach((d) => d.convert());
      // Several sensors answering at once would wire-AND their bytes; one is what we model.
      if (b === 0xbe) this.out = this.selected.length === 1 ? this.selected[0].scratchpad() : [];
      this.phase = b === 0xbe ? "reading" : "idle";
    }
  }
}
