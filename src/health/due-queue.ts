// The targets whose probe is due but waits for a free slot: first in, first out, each target at
// most once (so the queue never holds more than there are targets), and a target that is no
// longer watched leaves it at once, wherever it stands. A doubly linked list through the targets
// themselves makes all three O(1), where an array's splice would cost the whole queue.

export interface Queueable<T> {
  queuePrev: T | null;
  queueNext: T | null;
  queued: boolean;
}

export class DueQueue<T extends Queueable<T>> {
  private head: T | null = null;
  private tail: T | null = null;
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Appends `item`, unless it is already waiting. */
  push(item: T): void {
    if (item.queued) return;
    item.queued = true;
    item.queuePrev = this.tail;
    item.queueNext = null;
    if (this.tail) this.tail.queueNext = item;
    else this.head = item;
    this.tail = item;
    this.count++;
  }

  shift(): T | null {
    const item = this.head;
    if (item) this.remove(item);
    return item;
  }

  remove(item: T): void {
    if (!item.queued) return;
    if (item.queuePrev) item.queuePrev.queueNext = item.queueNext;
    else this.head = item.queueNext;
    if (item.queueNext) item.queueNext.queuePrev = item.queuePrev;
    else this.tail = item.queuePrev;
    item.queuePrev = item.queueNext = null;
    item.queued = false;
    this.count--;
  }

  clear(): void {
    while (this.head) this.remove(this.head);
  }
}
