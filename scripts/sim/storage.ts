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
    if (offset !== undefined) {
      // Writing in parts: `size` reserves the whole file (erased flash reads 0xFF) at offset 0.
      const current = existsSync(file) ? readFileSync(file) : Buffer.alloc(size ?? 0, 0xff);
      if (offset + bytes.length > current.length) throw new Error(`Storage: write past the end of ${name}`);
      bytes.copy(current, offset);
      bytes = current;
    }
    if (this.used(encodeURIComponent(name)) + bytes.length > STORAGE_BYTES)
      throw new Error("Storage: not enough free space");
    writeFileSync(file, bytes);
    return true;
  }

  read(name: string): string | undefined {
    const file = this.file(name);
    return existsSync(file) ? readFileSync(file).toString("latin1") : undefined;
  }

  readJSON(name: string, noThrow?: boolean): unknown {
    const text = this.read(name);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
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
