// Espruino's require("Storage") backed by a folder, so a simulated reboot keeps what the device
// wrote. Semantics from Espruino's jswrap_storage.c: names of at most 28 characters, binary
// strings in and out, read of a missing file gives undefined, readJSON(name, noThrow).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/** ESP32 Storage since 2v26 (docs/espruino.md, "Boot and Storage"). */
export const STORAGE_BYTES = 896 * 1024;
const MAX_NAME = 28;

export class FolderStorage {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private file(name: string): string {
    if (typeof name !== "string" || name.length === 0) throw new Error("Storage: name must be a non-empty string");
    if (name.length > MAX_NAME) throw new Error(`Storage: name too long (max ${MAX_NAME} chars): ${name}`);
    return path.join(this.dir, encodeURIComponent(name));
  }

  private used(except?: string): number {
    return readdirSync(this.dir)
      .filter((f) => f !== except)
      .reduce((sum, f) => sum + statSync(path.join(this.dir, f)).size, 0);
  }

  write(name: string, data: string | ArrayBuffer | ArrayBufferView, offset?: number, size?: number): boolean {
    const file = this.file(name);
    let bytes =
      typeof data === "string"
        ? Buffer.from(data, "latin1")
        : Buffer.from(
            ArrayBuffer.isView(data) ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data,
          );
    if (bytes.length === 0 && size === undefined) throw new Error("Can't create zero length file");
    if (offset !== undefined && (offset > 0 || size !== undefined)) {
      // Writing in parts (checked on 2v29): offset 0 with a size starts a NEW file of that
      // size, erased (0xFF); a later offset writes into it; bytes already written cannot
      // change; nothing may pass the size given at creation.
      const fresh = offset === 0 && size !== undefined;
      if (!fresh && !existsSync(file)) throw new Error("Unable to find or create file");
      const current = fresh ? Buffer.alloc(size, 0xff) : readFileSync(file);
      if (offset + bytes.length > current.length) throw new Error("Too much data for file size");
      for (let i = 0; i < bytes.length; i++)
        if (current[offset + i] !== 0xff && current[offset + i] !== bytes[i])
          throw new Error("File already written with different data");
      bytes.copy(current, offset);
      bytes = current;
    }
    if (this.used(encodeURIComponent(name)) + bytes.length > STORAGE_BYTES)
      throw new Error("Storage: not enough free space");
    writeFileSync(file, bytes);
    return true;
  }

  /** read(name, offset?, length?): on ESP32 a memory-mapped string pointing into flash,
   *  not a copy in RAM (src/jswrap_storage.c, jswrap_storage_read; docs/espruino.md). */
  read(name: string, offset?: number, length?: number): string | undefined {
    const file = this.file(name);
    if (!existsSync(file)) return undefined;
    const text = readFileSync(file).toString("latin1");
    return offset === undefined ? text : text.substr(offset, length);
  }

  /** `parse` is the device's own JSON.parse, so arrays and objects belong to its realm
   *  (`instanceof Array` holds on the device, as on Espruino). */
  readJSON(name: string, noThrow?: boolean, parse: (text: string) => unknown = JSON.parse): unknown {
    const text = this.read(name);
    if (text === undefined) return undefined;
    try {
      return parse(text);
    } catch (error) {
      if (noThrow) return undefined;
      throw error;
    }
  }

  readArrayBuffer(name: string): ArrayBuffer | undefined {
    const text = this.read(name);
    return text === undefined ? undefined : new Uint8Array(Buffer.from(text, "latin1")).buffer;
  }

  writeJSON(name: string, value: unknown): boolean {
    return this.write(name, JSON.stringify(value));
  }

  erase(name: string): void {
    rmSync(this.file(name), { force: true });
  }

  list(filter?: RegExp): string[] {
    return readdirSync(this.dir)
      .map((f) => decodeURIComponent(f))
      .filter((n) => !filter || filter.test(n))
      .sort();
  }

  getFree(): number {
    return STORAGE_BYTES - this.used();
  }

  compact(): void {}
}
