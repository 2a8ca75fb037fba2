// The server's open connections, as a doubly linked list threaded through
// the connections themselves.
//
// Why not a Set: V8's Set rehashes its table as members come and go, and an
// outdated table still holds the members it had (it is kept, pointing on to
// its successor, for iterators). Once a long-lived Set's tables are in the
// old generation, dead members they still point at survive scavenges and are
// promoted: 200 k objects passing through a Set 20 at a time grew the old
// space by 35 MB on Node 24 (0.1 MB without the Set). Under a few thousand
// connections a second that was ~0.9 KB promoted per connection, scavenge
// pauses of 5–18 ms (the Connection: close p99), freed only by full GCs. A
// list stores nothing but the live connections' links.

/** A member of one ConnectionList at a time; the fields belong to the list. */
export interface Listed<T> {
  listPrev: T | null;
  listNext: T | null;
}

/** An intrusive list: add, delete and size in O(1), no allocation per member. */
export class ConnectionList<T extends Listed<T>> {
  #first: T | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds a member that is in no list. */
  add(member: T): void {
    const first = this.#first;
    member.listPrev = null;
    member.listNext = first;
    if (first !== null) first.listPrev = member;
    this.#first = member;
    this.#size++;
  }

  /** Removes a member; a member not in the list (or already removed) is ignored. */
  delete(member: T): void {
    const prev = member.listPrev;
    const next = member.listNext;
    if (prev === null && this.#first !== member) return;
    if (prev === null) this.#first = next;
    else prev.listNext = next;
    if (next !== null) next.listPrev = prev;
    member.listPrev = null;
    member.listNext = null;
    this.#size--;
  }

  /** Calls `visit` for each member; a member may delete itself during its visit. */
  forEach(visit: (member: T) => void): void {
    let member = this.#first;
    while (member !== null) {
      const next: T | null = member.listNext;
      visit(member);
      member = next;
    }
  }
}
