// One shared copy per distinct value (attribute sets, next hops, owner sets): a million paths
// usually have a handful of each. Ids are handed out in increasing order and never reused, so an
// id remembered elsewhere (an Adj-RIB-Out) can never come to mean another value.

interface Entry<T> {
  readonly value: T;
  readonly key: string;
  refs: number;
}

export class Interner<T> {
  private readonly byKey = new Map<string, number>();
  private readonly byId = new Map<number, Entry<T>>();
  private next = 1;
  /** Changes whenever a key comes or goes: a key's id remembered at one generation holds while it lasts. */
  generation = 0;

  /** The id of the value with `key` (made by `make` when new), with one more reference. */
  intern(key: string, make: () => T): number {
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.next++;
      this.generation++;
      this.byKey.set(key, id);
      this.byId.set(id, { value: make(), key, refs: 0 });
    }
    this.byId.get(id)!.refs++;
    return id;
  }

  /** The id for `key` without taking a reference; undefined when not interned. */
  lookup(key: string): number | undefined {
    return this.byKey.get(key);
  }

  ref(id: number): void {
    this.entry(id).refs++;
  }

  unref(id: number): void {
    const e = this.entry(id);
    if (--e.refs > 0) return;
    this.byId.delete(id);
    this.byKey.delete(e.key);
    this.generation++;
  }

  /** Whether `id` is held (it is never reused once let go). */
  has(id: number): boolean {
    return this.byId.has(id);
  }

  get(id: number): T {
    return this.entry(id).value;
  }

  /** Distinct values held. */
  get size(): number {
    return this.byId.size;
  }

  private entry(id: number): Entry<T> {
    const e = this.byId.get(id);
    if (!e) throw new Error(`interned id ${id} is not held`);
    return e;
  }
}
