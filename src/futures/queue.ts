/**
 * The tasks waiting at the head, first in, first out. A pool may hold tens of thousands of them (submit in a
 * loop), so taking the first costs O(1) where Array.shift moves them all, and removing one (a cancelled future)
 * leaves a hole that taking skips.
 */
export class TaskQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  /** Where each queued item sits in #items. */
  #at = new Map<T, number>();

  get size(): number { return this.#at.size; }

  push(item: T): void {
    this.#at.set(item, this.#items.length);
    this.#items.push(item);
  }

  /** The oldest item, taken out; undefined when empty. */
  shift(): T | undefined {
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head];
      this.#items[this.#head++] = undefined;
      if (item !== undefined) {
        this.#at.delete(item);
        this.#compact();
        return item;
      }
    }
    return undefined;
  }

  /** Takes `item` out wherever it is; whether it was queued. */
  remove(item: T): boolean {
    const at = this.#at.get(item);
    if (at === undefined) return false;
    this.#items[at] = undefined;
    this.#at.delete(item);
    return true;
  }

  /** Every queued item, oldest first (the queue keeps them). */
  items(): T[] {
    return this.#items.slice(this.#head).filter((item): item is T => item !== undefined);
  }

  /** Takes every item out, oldest first. */
  clear(): T[] {
    const all = this.items();
    this.#items = [];
    this.#head = 0;
    this.#at.clear();
    return all;
  }

  /** Drops the taken prefix once it is most of the array, so memory follows what is queued. */
  #compact(): void {
    if (this.#head < 1024 || this.#head * 2 < this.#items.length) return;
    this.#items = this.#items.slice(this.#head);
    this.#head = 0;
    this.#at.clear();
    this.#items.forEach((item, i) => { if (item !== undefined) this.#at.set(item, i); });
  }
}
