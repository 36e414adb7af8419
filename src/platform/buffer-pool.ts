/**
 * Reusable ArrayBuffers lent, by transfer, to a worker thread that writes an answer into one and
 * transfers it back; the answer is then sent from it without a copy, and the buffer returns to the
 * pool once the socket has taken the bytes. An answer built as a string in a worker would instead
 * be copied into the HTTP thread's heap and encoded there again, large short-lived strings for the
 * garbage collector (docs/benchmarks.md, "Answers written by the search thread").
 *
 * Only the owning thread acquires, releases and forgets buffers. At most `max` exist; when all are
 * out, `acquire` gives nothing and the caller takes its slower path.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private out = 0;

  constructor(
    readonly max: number,
    readonly bufferBytes: number,
  ) {
    if (!Number.isInteger(max) || max < 1 || !Number.isInteger(bufferBytes) || bufferBytes < 1)
      throw new Error('BufferPool needs a positive whole count and buffer size');
  }

  /** Buffers acquired and neither released nor forgotten. */
  get inUse(): number {
    return this.out;
  }

  /** A buffer of `bufferBytes` (a new one while fewer than `max` exist), or undefined. */
  acquire(): ArrayBuffer | undefined {
    // With none free, every buffer that exists is out.
    const buffer = this.free.pop() ?? (this.out < this.max ? new ArrayBuffer(this.bufferBytes) : undefined);
    if (buffer) this.out++;
    return buffer;
  }

  /**
   * Gives a buffer back: the one acquired, or the one a worker transferred back in its place (the
   * same memory). Nothing may use it afterwards. A buffer given back again while still free counts
   * once (were it listed free twice, two answers would be written into it); a caller that may
   * release after the buffer was lent out again must guard itself, as searchRendered's does.
   */
  release(buffer: ArrayBuffer): void {
    if (this.free.includes(buffer)) return;
    this.out--;
    if (buffer.byteLength === this.bufferBytes) this.free.push(buffer);
  }

  /** A buffer that will not come back (the worker holding it failed the call or ended). */
  forget(): void {
    this.out--;
  }
}
