// What each peer is sent of some paths, in the words an operator needs when fewer paths reach a
// router than were added: without ADD-PATH a router gets one path of a prefix; a session that does
// not carry a family gets none of it; a health check or next hop "self" may hold some back.

import type { Family } from '../codec/types.js';
import type { StateName } from '../fsm/types.js';
import type { AddPathSetting } from '../codec/types.js';
import type { Rib } from '../rib/rib.js';
import type { PeerReach, SetSize } from './api.js';
import type { SendPipeline } from './send-pipeline.js';

/** What reach needs to know of a peer. */
export interface ReachPeer {
  readonly name: string;
  readonly state: StateName;
  readonly families: readonly Family[];
  readonly addPath: AddPathSetting;
  readonly pipeline: SendPipeline;
}

const NO_ADD_PATH = 'no ADD-PATH: one path per prefix';
const notCarried = (f: Family): string => `does not carry ${f}`;
const notUp = (state: StateName): string => `not established (${state})`;

/** What a peer would negotiate, by its configuration (before it is up). */
function configured(p: ReachPeer, family: Family): { carried: boolean; addPath: boolean } {
  return { carried: p.families.includes(family), addPath: p.families.includes(family) && (p.addPath === 'send' || p.addPath === 'both') };
}

/** What each peer is sent of the prefix in `row` (-1: none such: nothing). */
export function prefixReach(rib: Rib, row: number, family: Family, peers: readonly ReachPeer[]): PeerReach[] {
  const of = row < 0 ? 0 : rib.pathCountOf(row);
  return peers.map((p) => {
    const r = row < 0 ? null : p.pipeline.reach(row);
    if (!r || !p.pipeline.sending) {
      const c = configured(p, family);
      const paths = !c.carried ? 0 : c.addPath ? of : Math.min(1, of);
      return { peer: p.name, established: false, paths, of, reasons: [notUp(p.state), ...reasonsFor(c.carried, c.addPath, family, of)] };
    }
    const reasons = reasonsFor(r.carried, r.addPath, family, of);
    if (r.withdrawn > 0) reasons.push(`${r.withdrawn} withdrawn by a health check`);
    if (r.unresolved > 0) reasons.push(`${r.unresolved} via self, and this session has no ${family} address`);
    return { peer: p.name, established: true, paths: r.paths.length, of, reasons, nextHops: r.nextHops.map(String) };
  });
}

function reasonsFor(carried: boolean, addPath: boolean, family: Family, of: number): string[] {
  if (!carried) return of > 0 ? [notCarried(family)] : [];
  return !addPath && of > 1 ? [NO_ADD_PATH] : [];
}

/** What each peer is sent of an owner's set, counted by family (health checks may hold back some). */
export function setReach(size: readonly SetSize[], peers: readonly ReachPeer[]): PeerReach[] {
  const of = size.reduce((n, s) => n + s.paths, 0);
  return peers.map((p) => {
    const sending = p.pipeline.sending;
    let paths = 0;
    const reasons: string[] = sending ? [] : [notUp(p.state)];
    for (const s of size) {
      const c = sending ? { carried: sending.families.includes(s.family), addPath: sending.addPath.includes(s.family) } : configured(p, s.family);
      if (!c.carried) {
        if (s.paths > 0) reasons.push(notCarried(s.family));
        continue;
      }
      paths += c.addPath ? s.paths : s.prefixes;
      if (!c.addPath && s.paths > s.prefixes) reasons.push(NO_ADD_PATH);
    }
    return { peer: p.name, established: sending !== null, paths, of, reasons: [...new Set(reasons)] };
  });
}
