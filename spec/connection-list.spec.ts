// lib/connection-list.ts (issue 3): the server's open connections as an
// intrusive list. Checked against a Set as the model under random churn.

import { describe, expect, it } from 'vitest';
import { ConnectionList, type Listed } from '../lib/connection-list.ts';

class Member implements Listed<Member> {
  listPrev: Member | null = null;
  listNext: Member | null = null;
  constructor(readonly id: number) {}
}

function members(list: ConnectionList<Member>): number[] {
  const ids: number[] = [];
  list.forEach((member) => ids.push(member.id));
  return ids.sort((a, b) => a - b);
}

describe('ConnectionList', () => {
  it('adds, deletes from the front, middle and back, and counts', () => {
    const list = new ConnectionList<Member>();
    const [a, b, c, d] = [new Member(1), new Member(2), new Member(3), new Member(4)];
    for (const member of [a, b, c, d]) list.add(member);
    expect(list.size).toBe(4);
    expect(members(list)).toEqual([1, 2, 3, 4]);
    list.delete(c); // middle
    list.delete(d); // the most recently added
    list.delete(a); // the first added
    expect(members(list)).toEqual([2]);
    expect(list.size).toBe(1);
    list.delete(b);
    expect(members(list)).toEqual([]);
    expect(list.size).toBe(0);
  });

  it('ignores a member deleted twice or never added', () => {
    const list = new ConnectionList<Member>();
    const [a, b, stranger] = [new Member(1), new Member(2), new Member(3)];
    list.add(a);
    list.add(b);
    list.delete(b);
    list.delete(b);
    list.delete(stranger);
    expect(list.size).toBe(1);
    expect(members(list)).toEqual([1]);
  });

  it('lets each member delete itself while being visited', () => {
    const list = new ConnectionList<Member>();
    for (let id = 0; id < 10; id++) list.add(new Member(id));
    const visited: number[] = [];
    list.forEach((member) => {
      visited.push(member.id);
      if (member.id % 3 !== 0) list.delete(member);
    });
    expect(visited.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(members(list)).toEqual([0, 3, 6, 9]);
    expect(list.size).toBe(4);
  });

  it('drops its links from deleted members, so they hold no other connection', () => {
    const list = new ConnectionList<Member>();
    const [a, b, c] = [new Member(1), new Member(2), new Member(3)];
    for (const member of [a, b, c]) list.add(member);
    list.delete(b);
    expect(b.listPrev).toBeNull();
    expect(b.listNext).toBeNull();
  });

  it('agrees with a Set under random churn', () => {
    const list = new ConnectionList<Member>();
    const model = new Set<Member>();
    const pool = Array.from({ length: 64 }, (_, id) => new Member(id));
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let step = 0; step < 5000; step++) {
      const member = pool[next() % pool.length] as Member;
      if (model.has(member)) {
        list.delete(member);
        model.delete(member);
      } else {
        list.add(member);
        model.add(member);
      }
      expect(list.size).toBe(model.size);
    }
    expect(members(list)).toEqual([...model].map((member) => member.id).sort((a, b) => a - b));
  });
});
