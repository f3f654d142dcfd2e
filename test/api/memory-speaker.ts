// A small in-memory SpeakerApi for the API and CLI tests. It is honest the way the real speaker
// is: it checks the whole request before changing anything and refuses with RequestError naming
// the field and the value.

import { isIP } from 'node:net';
import type { Family } from '../../src/codec/types.js';
import { RequestError, type AnnouncedPath, type PeerStatus } from '../../src/rib/types.js';
import type { PathFilter, PathInput, PathSelector, SpeakerApi } from '../../src/speaker-api.js';

const DEFAULT_NEXT_HOP = '198.51.100.2';

function invalid(field: string, message: string): RequestError {
  return new RequestError('invalid-argument', field, `${field}: ${message}`);
}

function prefixOf(text: string, field: string): { prefix: string; family: Family } {
  const [addr = '', len, extra] = text.split('/');
  const v = isIP(addr);
  const max = v === 6 ? 128 : 32;
  const bits = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : NaN;
  if (v === 0 || extra !== undefined || !(bits >= 0 && bits <= max)) {
    throw invalid(field, `${JSON.stringify(text)} is not an IPv4 or IPv6 prefix`);
  }
  return { prefix: `${addr}/${bits}`, family: v === 6 ? 'ipv6-unicast' : 'ipv4-unicast' };
}

function nextHopOf(text: string, family: Family, field: string): string {
  const v = isIP(text);
  if (text !== 'self' && v !== (family === 'ipv6-unicast' ? 6 : 4)) {
    throw invalid(field, `${JSON.stringify(text)} is not an ${family === 'ipv6-unicast' ? 'IPv6' : 'IPv4'} address or "self"`);
  }
  return text;
}

export class MemorySpeaker implements SpeakerApi {
  paths: AnnouncedPath[] = [];
  peers: PeerStatus[] = [];
  /** When set, every call throws this (a bug, not a refusal). */
  failWith?: Error;
  private nextId = 1;

  /** Back to empty, path ids starting at 1 again. */
  reset(): void {
    this.paths = [];
    this.peers = [];
    this.nextId = 1;
    delete this.failWith;
  }

  addPaths(inputs: readonly PathInput[]): AnnouncedPath[] {
    if (this.failWith) throw this.failWith;
    const checked = inputs.map((p, i): Omit<AnnouncedPath, 'pathId'> => {
      const { prefix, family } = prefixOf(p.prefix, `paths[${i}].prefix`);
      const nextHop = nextHopOf(p.nextHop ?? DEFAULT_NEXT_HOP, family, `paths[${i}].nextHop`);
      (p.communities ?? []).forEach((c, j) => {
        if (!/^\d+:\d+$/.test(c)) throw invalid(`paths[${i}].communities[${j}]`, `${JSON.stringify(c)} is not a community ASN:VALUE`);
      });
      const attributes = {
        communities: [...(p.communities ?? [])],
        largeCommunities: [...(p.largeCommunities ?? [])],
        ...(p.localPref !== undefined ? { localPref: p.localPref } : {}),
        ...(p.med !== undefined ? { med: p.med } : {}),
      };
      return { prefix, family, nextHop, attributes, owner: p.owner ?? 'cli' };
    });
    return checked.map((p) => {
      const i = this.paths.findIndex((q) => q.prefix === p.prefix && q.nextHop === p.nextHop);
      const held: AnnouncedPath = { ...p, pathId: i >= 0 ? this.paths[i]!.pathId : this.nextId++ };
      if (i >= 0) this.paths[i] = held;
      else this.paths.push(held);
      return held;
    });
  }

  deletePaths(s: PathSelector): AnnouncedPath[] {
    if (this.failWith) throw this.failWith;
    const { prefix, family } = prefixOf(s.prefix, 'prefix');
    const hops = (s.nextHops ?? []).map((h, i) => nextHopOf(h, family, `nextHops[${i}]`));
    const hit = (p: AnnouncedPath): boolean =>
      p.prefix === prefix && (hops.length === 0 || hops.includes(p.nextHop)) && (s.owner === undefined || p.owner === s.owner);
    const removed = this.paths.filter(hit);
    if (removed.length === 0) throw new RequestError('not-found', 'prefix', `prefix: no path of ${prefix} matches`);
    this.paths = this.paths.filter((p) => !hit(p));
    return removed;
  }

  listPaths(f: PathFilter = {}): AnnouncedPath[] {
    if (this.failWith) throw this.failWith;
    const prefix = f.prefix === undefined ? undefined : prefixOf(f.prefix, 'prefix').prefix;
    return this.paths.filter((p) => (f.owner === undefined || p.owner === f.owner) && (prefix === undefined || p.prefix === prefix));
  }

  listPeers(): PeerStatus[] {
    if (this.failWith) throw this.failWith;
    return this.peers;
  }
}

export const ESTABLISHED_PEER: PeerStatus = {
  address: '198.51.100.1',
  port: 179,
  asn: 65001,
  state: 'Established',
  since: 1_700_000_000_000,
  localAddress: '198.51.100.2',
  remoteRouterId: '198.51.100.1',
  holdTime: 90,
  families: [
    { family: 'ipv4-unicast', addPathSend: true, addPathReceive: false },
    { family: 'ipv6-unicast', addPathSend: false, addPathReceive: false },
  ],
  prefixesSent: 3,
  prefixesReceived: 0,
  messagesSent: 12,
  messagesReceived: 10,
  updatesSent: 2,
  updatesReceived: 1,
};

/** A peer that never got anywhere: no optional field set. */
export const IDLE_PEER: PeerStatus = {
  address: '2001:db8::1',
  port: 17900,
  asn: 4_200_000_001,
  state: 'Active',
  since: 1_700_000_100_000,
  families: [],
  prefixesSent: 0,
  prefixesReceived: 0,
  messagesSent: 0,
  messagesReceived: 0,
  updatesSent: 0,
  updatesReceived: 0,
  lastError: 'connect ECONNREFUSED 2001:db8::1:17900',
};
