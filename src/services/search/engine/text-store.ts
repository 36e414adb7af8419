/**
 * Stored texts (titles, descriptions) for highlighting: one growable UTF-16LE buffer, one end offset
 * per document number. A million descriptions as JS strings would cost a header each and keep the
 * garbage collector busy; here they are one allocation, decoded only for the few hits of a page.
 * UTF-16 rather than UTF-8 because Chinese text is 2 bytes a character in it, not 3.
 */
export class TextStore {
  private buf: Buffer;
  private ends: Uint32Array<ArrayBufferLike>;
  private bytes = 0;
  private n = 0;

  constructor(initialDocs = 1024, initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.ends = new Uint32Array(initialDocs);
  }

  /** Rebuilds a store from its serialized parts (views are kept, not copied). */
  static fromParts(buf: Buffer, ends: Uint32Array<ArrayBufferLike>, count: number): TextStore {
    const store = new TextStore(0, 0);
    store.buf = buf;
    store.ends = ends;
    store.n = count;
    store.bytes = count === 0 ? 0 : (ends[count - 1] ?? 0);
    return store;
  }

  get count(): number {
    return this.n;
  }

  /** Appends the text of the next document number (= the current count). */
  push(text: string): void {
    const need = this.bytes + text.length * 2;
    if (need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(need, Math.ceil(this.buf.length * 1.5) + 1024));
      this.buf.copy(next, 0, 0, this.bytes);
      this.buf = next;
    }
    if (this.n >= this.ends.length) {
      const next = new Uint32Array(Math.max(1024, this.ends.length * 2));
      next.set(this.ends.subarray(0, this.n));
      this.ends = next;
    }
    this.bytes += this.buf.write(text, this.bytes, 'utf16le');
    this.ends[this.n++] = this.bytes;
  }

  get(doc: number): string {
    const start = doc === 0 ? 0 : (this.ends[doc - 1] ?? 0);
    return this.buf.toString('utf16le', start, this.ends[doc] ?? start);
  }

  /** A new store holding the texts of `docs`, in that order. */
  gather(docs: Int32Array<ArrayBufferLike>): TextStore {
    let total = 0;
    for (const d of docs) total += this.byteLength(d);
    const out = new TextStore(0, 0);
    out.buf = Buffer.allocUnsafe(Math.max(total, 16));
    out.ends = new Uint32Array(Math.max(docs.length, 16));
    let pos = 0;
    for (let i = 0; i < docs.length; i++) {
      const d = docs[i]!;
      const start = d === 0 ? 0 : this.ends[d - 1]!;
      pos += this.buf.copy(out.buf, pos, start, this.ends[d]!);
      out.ends[i] = pos;
    }
    out.bytes = pos;
    out.n = docs.length;
    return out;
  }

  private byteLength(doc: number): number {
    const start = doc === 0 ? 0 : this.ends[doc - 1]!;
    return this.ends[doc]! - start;
  }

  /** The used parts, for serialization. */
  parts(): { buf: Buffer; ends: Uint32Array<ArrayBufferLike> } {
    return { buf: this.buf.subarray(0, this.bytes), ends: this.ends.subarray(0, this.n) };
  }
}
