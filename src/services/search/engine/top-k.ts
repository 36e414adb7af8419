/**
 * The best `k` entries by (key ascending, jobId descending): a binary max-heap whose root is the
 * worst entry kept, so a candidate that does not beat it costs one comparison.
 */
export interface Picked {
  key: number;
  slot: number;
  score: number;
  dist: number;
}

export class TopK {
  private readonly keys: Float64Array;
  private readonly slots: Int32Array;
  private readonly scores: Float64Array;
  private readonly dists: Float64Array;
  private size = 0;

  constructor(
    private readonly k: number,
    private readonly jobIds: readonly string[],
  ) {
    this.keys = new Float64Array(k);
    this.slots = new Int32Array(k);
    this.scores = new Float64Array(k);
    this.dists = new Float64Array(k);
  }

  isFull(): boolean {
    return this.size === this.k;
  }

  /** The key of the worst entry kept (meaningful when full). */
  worstKey(): number {
    return this.keys[0]!;
  }

  /** True when entry a ranks after entry b. */
  private after(aKey: number, aSlot: number, bKey: number, bSlot: number): boolean {
    return aKey > bKey || (aKey === bKey && this.jobIds[aSlot]! < this.jobIds[bSlot]!);
  }

  offer(key: number, slot: number, score: number, dist: number): void {
    if (this.size < this.k) {
      let i = this.size++;
      // Sift up.
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.after(key, slot, this.keys[parent]!, this.slots[parent]!)) break;
        this.move(parent, i);
        i = parent;
      }
      this.put(i, key, slot, score, dist);
      return;
    }
    if (!this.after(this.keys[0]!, this.slots[0]!, key, slot)) return;
    // Replace the root and sift down.
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      let worst = l;
      if (r < this.size && this.after(this.keys[r]!, this.slots[r]!, this.keys[l]!, this.slots[l]!))
        worst = r;
      if (!this.after(this.keys[worst]!, this.slots[worst]!, key, slot)) break;
      this.move(worst, i);
      i = worst;
    }
    this.put(i, key, slot, score, dist);
  }

  private move(from: number, to: number): void {
    this.keys[to] = this.keys[from]!;
    this.slots[to] = this.slots[from]!;
    this.scores[to] = this.scores[from]!;
    this.dists[to] = this.dists[from]!;
  }

  private put(i: number, key: number, slot: number, score: number, dist: number): void {
    this.keys[i] = key;
    this.slots[i] = slot;
    this.scores[i] = score;
    this.dists[i] = dist;
  }

  /** The kept entries, best first. */
  sorted(): Picked[] {
    const out: Picked[] = [];
    for (let i = 0; i < this.size; i++) {
      out.push({ key: this.keys[i]!, slot: this.slots[i]!, score: this.scores[i]!, dist: this.dists[i]! });
    }
    return out.sort((a, b) => (this.after(a.key, a.slot, b.key, b.slot) ? 1 : -1));
  }
}
