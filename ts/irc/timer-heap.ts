/**
 * A binary min-heap of (deadline, key). Timers are data: the machine pushes a
 * deadline per client and lazily skips stale entries when they surface, so an
 * active client costs nothing per line and `nextTimeout()` is O(1).
 */
export interface HeapEntry { at: number; key: number }

export class TimerHeap {
  private readonly items: HeapEntry[] = [];

  get size(): number { return this.items.length; }

  peek(): HeapEntry | undefined { return this.items[0]; }

  push(at: number, key: number): void {
    const items = this.items;
    items.push({ at, key });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      const c = items[i]!;
      if (p.at <= c.at) break;
      items[parent] = c; items[i] = p; i = parent;
    }
  }

  pop(): HeapEntry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && items[l]!.at < items[m]!.at) m = l;
      if (r < items.length && items[r]!.at < items[m]!.at) m = r;
      if (m === i) break;
      const t = items[m]!; items[m] = items[i]!; items[i] = t; i = m;
    }
    return top;
  }
}
