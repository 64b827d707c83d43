/**
 * A record store's items kept in SPORE order as records come and go, each
 * with a tag its owner attaches (a mesh node: the lattice cell of the
 * record's slot), handing out immutable `ItemSet` snapshots.
 *
 * A snapshot shares the arrays it was taken from; the first change after it
 * copies them (copy-on-write). Rebuilding and sorting the set on every change
 * cost a simulated 1,000-node join about 9 % of its CPU: while records churn a
 * node takes a snapshot for nearly every exchange, and between two snapshots
 * few records change. A new version of a record carries the origin's newer
 * clock, so it lands at or near the end and most inserts move nothing.
 */
import { compareItems, ItemSet, type Item } from './items.js';

export interface ItemSnapshot<T> {
  readonly set: ItemSet;
  /** The tag of each item of `set`, by index. */
  readonly tags: readonly T[];
}

export class SortedItems<T> {
  #items: Item[] = [];
  #tags: T[] = [];
  /** 4 little-endian words per item (ItemSet's fingerprint input), with room to grow. */
  #words = new Uint32Array(64);
  #snapshot: ItemSnapshot<T> | undefined;
  /** The snapshot handed out holds the current arrays: copy before changing them. */
  #shared = false;

  get size(): number {
    return this.#items.length;
  }

  /** Add an item not yet present, with its id's words (`idWords`). */
  insert(item: Item, words: Uint32Array, tag: T): void {
    const at = this.#search(item);
    if (at < this.#items.length && compareItems(this.#items[at]!, item) === 0) throw new RangeError('item already present');
    this.#own(this.#items.length + 1);
    const n = this.#items.length;
    this.#items.splice(at, 0, item);
    this.#tags.splice(at, 0, tag);
    if (at < n) this.#words.copyWithin((at + 1) * 4, at * 4, n * 4);
    this.#words.set(words, at * 4);
  }

  /** Remove an item; false if it is not present. */
  remove(item: Item): boolean {
    const at = this.#search(item);
    if (at >= this.#items.length || compareItems(this.#items[at]!, item) !== 0) return false;
    this.#own(this.#items.length);
    const n = this.#items.length;
    this.#items.splice(at, 1);
    this.#tags.splice(at, 1);
    this.#words.copyWithin(at * 4, (at + 1) * 4, n * 4);
    return true;
  }

  snapshot(): ItemSnapshot<T> {
    if (this.#snapshot === undefined) {
      this.#snapshot = { set: ItemSet.trusted(this.#items, this.#words.subarray(0, this.#items.length * 4)), tags: this.#tags };
      this.#shared = true;
    }
    return this.#snapshot;
  }

  /** First index whose item is not below `item`. */
  #search(item: Item): number {
    const items = this.#items;
    // Most new items sort last (a newer seq is the origin's later clock): check the end before searching.
    const n = items.length;
    if (n === 0 || compareItems(items[n - 1]!, item) < 0) return n;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareItems(items[mid]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Make the arrays ours to change (copies when a snapshot holds them), with room for `count` items. */
  #own(count: number): void {
    this.#snapshot = undefined;
    const grow = count * 4 > this.#words.length;
    if (this.#shared || grow) {
      const words = new Uint32Array(grow ? Math.max(64, this.#words.length * 2, count * 4) : this.#words.length);
      words.set(this.#words.subarray(0, this.#items.length * 4));
      this.#words = words;
    }
    if (this.#shared) {
      this.#items = this.#items.slice();
      this.#tags = this.#tags.slice();
      this.#shared = false;
    }
  }
}
