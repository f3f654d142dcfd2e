// Protobuf messages <-> domain types, both directions, for the server and the client alike.
// proto3 cannot tell an empty string from an absent one: an empty optional field (a path's next
// hop or owner, a filter) means "not given"; a required one (ReplacePaths' owner) goes through as
// it came, "" included, for the speaker to refuse by name.

import { attributeTable, fieldOf, setFields, type AttributeName, type AttributeView } from '../attributes/table.js';
import type { Family } from '../codec/types.js';
import { Prefix } from '../codec/values.js';
import * as pb from '../gen/announcer/v1/announcer.js';
import type { HealthEffect, HealthState, PathHealth } from '../speaker/api.js';
import type { AddedPath, AddedPaths, AddOutcome, DrainStatus, AnnouncedPath, HealthCheckDetail, HealthTargetStatus, PeerGracefulRestartStatus, PeerShutdownOutcome, PeerStatus, StateName } from '../speaker/api.js';
import type { ListedBlock, PathFilter, PeerReach, PrefixReach, PathInput, PathSelector, ReplaceResult, SpeakerEvent } from '../speaker/api.js';

const FAMILY_TO_PB: Record<Family, pb.Family> = {
  'ipv4-unicast': pb.Family.FAMILY_IPV4_UNICAST,
  'ipv6-unicast': pb.Family.FAMILY_IPV6_UNICAST,
};

const STATE_TO_PB: Record<StateName, pb.PeerState> = {
  Idle: pb.PeerState.PEER_STATE_IDLE,
  Connect: pb.PeerState.PEER_STATE_CONNECT,
  Active: pb.PeerState.PEER_STATE_ACTIVE,
  OpenSent: pb.PeerState.PEER_STATE_OPEN_SENT,
  OpenConfirm: pb.PeerState.PEER_STATE_OPEN_CONFIRM,
  Established: pb.PeerState.PEER_STATE_ESTABLISHED,
};

const HEALTH_STATE_TO_PB: Record<HealthState, pb.HealthState> = {
  up: pb.HealthState.HEALTH_STATE_UP,
  down: pb.HealthState.HEALTH_STATE_DOWN,
  pending: pb.HealthState.HEALTH_STATE_PENDING,
};

const HEALTH_EFFECT_TO_PB: Record<HealthEffect, pb.HealthEffect> = {
  announced: pb.HealthEffect.HEALTH_EFFECT_ANNOUNCED,
  withdrawn: pb.HealthEffect.HEALTH_EFFECT_WITHDRAWN,
  demoted: pb.HealthEffect.HEALTH_EFFECT_DEMOTED,
};

function invert<K extends string, V extends number>(table: Record<K, V>): Map<V, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as V, k as K]));
}
const FAMILY_FROM_PB = invert(FAMILY_TO_PB);
const STATE_FROM_PB = invert(STATE_TO_PB);
const HEALTH_STATE_FROM_PB = invert(HEALTH_STATE_TO_PB);
const HEALTH_EFFECT_FROM_PB = invert(HEALTH_EFFECT_TO_PB);

/** Thrown by the client when a reply from the server holds a value this version does not know. */
export class UnexpectedReplyError extends Error {
  override readonly name = 'UnexpectedReplyError';
}

/** `value` through a table made by invert(); a value this version does not know is the server's. */
function known<V extends number, K extends string>(table: Map<V, K>, value: V, what: string): K {
  const k = table.get(value);
  if (k === undefined) throw new UnexpectedReplyError(`unknown ${what} ${value} from the server`);
  return k;
}

const familyFromPb = (f: pb.Family): Family => known(FAMILY_FROM_PB, f, 'address family');
const stateFromPb = (s: pb.PeerState): StateName => known(STATE_FROM_PB, s, 'peer state');
const healthStateFromPb = (s: pb.HealthState): HealthState => known(HEALTH_STATE_FROM_PB, s, 'health state');
const healthEffectFromPb = (e: pb.HealthEffect): HealthEffect => known(HEALTH_EFFECT_FROM_PB, e, 'health effect');

function given(s: string): string | undefined {
  return s === '' ? undefined : s;
}

/** Copies `value` under `key` unless it is undefined (keeps domain objects free of undefined keys). */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

// ---- paths ----

/** The proto Path's fields that are attributes: the attribute table's names, spelled as ts-proto does. */
type PbAttributes = Omit<pb.Path, 'prefix' | 'nextHop' | 'owner' | 'pathId' | 'family' | 'owners' | 'check' | 'health' | 'weight'>;

/** Compiles only while the proto's attribute fields are exactly the table's (test/attributes checks it running too). */
export const PROTO_HAS_THE_TABLE: [keyof PbAttributes] extends [AttributeName] ? ([AttributeName] extends [keyof PbAttributes] ? true : never) : never = true;

/** Attributes (a request's text, or a view) as the proto's Path carries them: every list, empty when not given. */
function attributesToPb(a: object): PbAttributes {
  const out: Record<string, unknown> = {};
  for (const e of attributeTable()) {
    const t = fieldOf(a, e);
    out[e.name] = e.form === 'list' ? [...((t as readonly string[] | undefined) ?? [])] : t;
  }
  return out as PbAttributes;
}

/** A proto Path's attributes as the API shows them: every list (empty when not set), the numbers set. */
function attributeViewFromPb(p: pb.Path): AttributeView {
  const out: Record<string, unknown> = {};
  for (const e of attributeTable()) {
    const t = fieldOf(p, e);
    if (e.form === 'list') out[e.name] = t ?? [];
    else if (t !== undefined) out[e.name] = t;
  }
  return out as AttributeView;
}

export function pathInputToPb(p: PathInput): pb.Path {
  return {
    prefix: p.prefix,
    nextHop: p.nextHop ?? '',
    ...attributesToPb(p),
    owner: p.owner ?? '',
    pathId: 0,
    family: pb.Family.FAMILY_UNSPECIFIED,
    owners: [],
    check: p.check ?? '',
    health: undefined,
    weight: p.weight,
  };
}

export function pathInputFromPb(p: pb.Path): PathInput {
  return {
    prefix: p.prefix,
    ...opt('nextHop', given(p.nextHop)),
    ...setFields(p), // an empty list or an unset number gives none
    ...opt('owner', given(p.owner)),
    ...opt('check', given(p.check)),
    ...opt('weight', p.weight),
  };
}

function healthToPb(h: PathHealth): pb.PathHealth {
  return {
    state: HEALTH_STATE_TO_PB[h.state],
    effect: HEALTH_EFFECT_TO_PB[h.effect],
    target: h.target,
    since: new Date(h.since),
    lastError: h.lastError,
    lastErrorAt: h.lastErrorAt === undefined ? undefined : new Date(h.lastErrorAt),
  };
}

function healthFromPb(h: pb.PathHealth): PathHealth {
  return {
    state: healthStateFromPb(h.state),
    effect: healthEffectFromPb(h.effect),
    target: h.target,
    since: h.since?.getTime() ?? 0,
    ...opt('lastError', h.lastError),
    ...opt('lastErrorAt', h.lastErrorAt?.getTime()),
  };
}

export function announcedPathToPb(p: AnnouncedPath): pb.Path {
  return {
    prefix: p.prefix,
    nextHop: p.nextHop,
    ...attributesToPb(p.attributes),
    owner: p.owner,
    pathId: p.pathId,
    family: FAMILY_TO_PB[p.family],
    owners: [...p.owners],
    check: p.check ?? '',
    health: p.health ? healthToPb(p.health) : undefined,
    weight: p.weight,
  };
}

export function announcedPathFromPb(p: pb.Path): AnnouncedPath {
  return {
    prefix: p.prefix,
    family: familyFromPb(p.family),
    nextHop: p.nextHop,
    attributes: attributeViewFromPb(p),
    owner: p.owner,
    pathId: p.pathId,
    // A server from before owners were shared sends none: its one owner is the list.
    owners: p.owners.length > 0 ? p.owners : [p.owner],
    ...opt('check', given(p.check)),
    ...(p.health ? { health: healthFromPb(p.health) } : {}),
    ...opt('weight', p.weight),
  };
}

const OUTCOME_TO_PB: Record<AddOutcome, pb.AddPathOutcome> = {
  added: pb.AddPathOutcome.ADD_PATH_OUTCOME_ADDED,
  'owner-added': pb.AddPathOutcome.ADD_PATH_OUTCOME_OWNER_ADDED,
  updated: pb.AddPathOutcome.ADD_PATH_OUTCOME_UPDATED,
  unchanged: pb.AddPathOutcome.ADD_PATH_OUTCOME_UNCHANGED,
};
const OUTCOME_FROM_PB = invert(OUTCOME_TO_PB);

function addedResultToPb(p: AddedPath): pb.AddPathResult {
  return { outcome: OUTCOME_TO_PB[p.outcome], before: p.before ? announcedPathToPb({ ...p, attributes: p.before }) : undefined };
}

export function addPathResponseToPb(paths: readonly AddedPath[], reach: readonly PrefixReach[] = [], alsoUpdated: readonly AddedPath[] = []): pb.AddPathResponse {
  return {
    reach: reach.map((r) => ({ prefix: r.prefix, peers: r.peers.map(peerReachToPb) })),
    paths: paths.map(announcedPathToPb),
    results: paths.map(addedResultToPb),
    alsoUpdated: alsoUpdated.map(announcedPathToPb),
    alsoUpdatedResults: alsoUpdated.map(addedResultToPb),
  };
}

function addedFromPb(paths: readonly pb.Path[], results: readonly pb.AddPathResult[], what: string): AddedPath[] {
  if (results.length !== paths.length) throw new UnexpectedReplyError(`${paths.length} ${what} but ${results.length} results from the server`);
  return paths.map((p, i) => {
    const res = results[i]!;
    const outcome = known(OUTCOME_FROM_PB, res.outcome, 'AddPath outcome');
    return { ...announcedPathFromPb(p), outcome, ...(res.before ? { before: announcedPathFromPb(res.before).attributes } : {}) };
  });
}

/** The requested paths, in request order, with `alsoUpdated`: the other paths whose attributes the call changed. */
export function addPathResponseFromPb(r: pb.AddPathResponse): AddedPaths {
  return Object.assign(addedFromPb(r.paths, r.results, 'paths'), { alsoUpdated: addedFromPb(r.alsoUpdated, r.alsoUpdatedResults, 'also-updated paths') });
}

export function addPathReachFromPb(r: pb.AddPathResponse): PrefixReach[] {
  return r.reach.map((x) => ({ prefix: x.prefix, peers: x.peers.map(peerReachFromPb) }));
}

function peerReachToPb(r: PeerReach): pb.PeerReach {
  return { peer: r.peer, established: r.established, paths: r.paths, of: r.of, reasons: [...r.reasons], nextHops: [...(r.nextHops ?? [])] };
}

function peerReachFromPb(r: pb.PeerReach): PeerReach {
  return { peer: r.peer, established: r.established, paths: r.paths, of: r.of, reasons: r.reasons, ...(r.nextHops.length > 0 ? { nextHops: r.nextHops } : {}) };
}

export function selectorToPb(s: PathSelector): pb.DeletePathRequest {
  return { prefix: s.prefix, nextHops: [...(s.nextHops ?? [])], owner: s.owner ?? '' };
}

export function selectorFromPb(r: pb.DeletePathRequest): PathSelector {
  return {
    prefix: r.prefix,
    ...(r.nextHops.length > 0 ? { nextHops: r.nextHops } : {}),
    ...opt('owner', given(r.owner)),
  };
}

export function filterToPb(f: PathFilter = {}, packed = false): pb.ListPathsRequest {
  return { owner: f.owner ?? '', prefix: f.prefix ?? '', check: f.check ?? '', peer: f.peer ?? '', packed };
}

/** A listing's block on the wire: the template a Path without prefix and path id, the ids big-endian. */
export function listedBlockToPb(b: ListedBlock): pb.ListedPaths {
  const ids = Buffer.allocUnsafe(b.pathIds.length * 4);
  for (let i = 0; i < b.pathIds.length; i++) ids.writeUInt32BE(b.pathIds[i]!, i * 4);
  return {
    template: announcedPathToPb({ ...b.template, prefix: '', pathId: 0 }),
    // Generated code types bytes as Buffer: a view of the same octets, no copy.
    prefixes: Buffer.from(b.prefixes.buffer, b.prefixes.byteOffset, b.prefixes.byteLength),
    pathIds: ids,
  };
}

/**
 * A ListPaths part as paths, in prefix order (IPv4 first, then by address, length, and path id):
 * a packed part comes grouped by what its paths share. A malformed block is the daemon's error.
 */
export function listPartFromPb(part: pb.ListPathsResponse): AnnouncedPath[] {
  const paths = part.paths.map(announcedPathFromPb);
  if (part.blocks.length === 0) return paths;
  // Sort keys: IPv4 address * 64 + length as a number, IPv6 as hex text (after every number).
  const keys: (number | string)[] = paths.map((p) => p.prefix);
  for (const b of part.blocks) {
    if (!b.template) throw new Error("ListPaths: a block of the daemon's answer has no template");
    const t = announcedPathFromPb(b.template);
    const v6 = t.family === 'ipv6-unicast';
    const ids = b.pathIds;
    const nlri = b.prefixes;
    for (let at = 0, i = 0; at < nlri.length; i++) {
      const length = nlri[at++]!;
      const octets = (length + 7) >> 3;
      if (length > (v6 ? 128 : 32) || at + octets > nlri.length || i * 4 + 4 > ids.length) throw new Error("ListPaths: a block of the daemon's answer is malformed");
      let prefix: string;
      if (v6) {
        const p = Prefix.fromBytes('ipv6-unicast', nlri, length, at);
        prefix = p.toString();
        keys.push(Buffer.from(p.bytes).toString('hex') + length.toString(16).padStart(2, '0'));
      } else {
        const a = [0, 1, 2, 3].map((k) => (k < octets ? nlri[at + k]! : 0));
        prefix = `${a[0]}.${a[1]}.${a[2]}.${a[3]}/${length}`;
        keys.push((((a[0]! * 256 + a[1]!) * 256 + a[2]!) * 256 + a[3]!) * 64 + length);
      }
      at += octets;
      paths.push({ ...t, prefix, pathId: ids.readUInt32BE(i * 4) });
    }
  }
  const order = paths.map((_, i) => i);
  order.sort((i, j) => {
    const a = keys[i]!;
    const b = keys[j]!;
    if (a !== b) {
      if (typeof a === typeof b) return a < b ? -1 : 1;
      return typeof a === 'number' ? -1 : 1;
    }
    return paths[i]!.pathId - paths[j]!.pathId;
  });
  return order.map((i) => paths[i]!);
}

export function filterFromPb(r: pb.ListPathsRequest): PathFilter {
  return { ...opt('owner', given(r.owner)), ...opt('prefix', given(r.prefix)), ...opt('check', given(r.check)), ...opt('peer', given(r.peer)) };
}

/** One part of a streamed ReplacePaths, with paths (`PathInput`s) or a block of packed prefixes. */
export function replaceToPb(
  owner: string,
  paths: readonly PathInput[],
  details = false,
  block?: { readonly family: Family; readonly prefixes: Uint8Array; readonly nextHop: string; readonly check?: string; readonly nextHops?: readonly string[]; readonly nextHopIndexes?: Uint8Array },
): pb.ReplacePathsRequest {
  const bytes = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  // The set's total (first or last part) and the guard are ReplaceParts' to set.
  return {
    total: undefined,
    totalLast: false,
    owner,
    paths: paths.map(pathInputToPb),
    details,
    // Generated code types bytes as Buffer: a view of the same octets, no copy.
    block: block
      ? {
          family: FAMILY_TO_PB[block.family],
          prefixes: bytes(block.prefixes),
          nextHop: block.nextHop,
          check: block.check ?? '',
          nextHops: [...(block.nextHops ?? [])],
          nextHopIndexes: bytes(block.nextHopIndexes ?? new Uint8Array(0)),
        }
      : undefined,
  };
}

/** A request's block family: a client's value, so an unknown one is the caller's error. */
export function blockFamilyFromPb(f: pb.Family): Family | undefined {
  return FAMILY_FROM_PB.get(f);
}

export function replaceResultToPb(r: ReplaceResult): pb.ReplacePathsResponse {
  return {
    added: r.details?.added.map(announcedPathToPb) ?? [],
    removed: r.details?.removed.map(announcedPathToPb) ?? [],
    updated: r.details?.updated.map(announcedPathToPb) ?? [],
    unchanged: r.unchanged,
    addedCount: r.added,
    removedCount: r.removed,
    updatedCount: r.updated,
    size: (r.size ?? []).map((z) => ({ family: FAMILY_TO_PB[z.family], paths: z.paths, prefixes: z.prefixes })),
    reach: (r.reach ?? []).map(peerReachToPb),
  };
}

export function replaceResultFromPb(r: pb.ReplacePathsResponse, details: boolean): ReplaceResult {
  return {
    added: r.addedCount,
    removed: r.removedCount,
    updated: r.updatedCount,
    unchanged: r.unchanged,
    size: r.size.map((z) => ({ family: familyFromPb(z.family), paths: z.paths, prefixes: z.prefixes })),
    reach: r.reach.map(peerReachFromPb),
    ...(details
      ? { details: { added: r.added.map(announcedPathFromPb), removed: r.removed.map(announcedPathFromPb), updated: r.updated.map(announcedPathFromPb) } }
      : {}),
  };
}

// ---- events ----

/** Paths per RibEvent message: a few hundred KiB, far under 1 MiB. */
export const EVENT_PATHS = 4096;

/** How many messages a speaker event takes on a watch stream (see eventPart). */
export function eventParts(e: SpeakerEvent): number {
  if (e.type !== 'rib') return 1;
  return Math.max(1, Math.ceil((e.added.length + e.removed.length) / EVENT_PATHS));
}

/**
 * Message `k` of a speaker event on a watch stream: a rib event of many paths in parts of at most
 * EVENT_PATHS, added paths first (all but the last part with `more`), so no message holds a table.
 * Made one at a time, as the stream takes them.
 */
export function eventPart(e: SpeakerEvent, k: number): pb.Event {
  if (e.type !== 'rib' || e.added.length + e.removed.length <= EVENT_PATHS) return eventToPb(e);
  const from = k * EVENT_PATHS;
  const to = from + EVENT_PATHS;
  const na = e.added.length;
  const last = to >= na + e.removed.length;
  return eventToPb({
    ...e,
    added: from < na ? e.added.slice(from, Math.min(to, na)) : [],
    removed: to > na ? e.removed.slice(Math.max(0, from - na), to - na) : [],
    ...(last && !e.more ? {} : { more: true }),
  });
}

/** A speaker event as the messages of a watch stream (eventPart, every one). */
export function* eventMessages(e: SpeakerEvent): Generator<pb.Event> {
  for (let k = 0, n = eventParts(e); k < n; k++) yield eventPart(e, k);
}

export function eventToPb(e: SpeakerEvent): pb.Event {
  const time = new Date(e.at);
  switch (e.type) {
    case 'peer-state':
      return {
        time,
        event: { $case: 'peerState', value: { peer: e.peer, address: e.address, from: STATE_TO_PB[e.from], to: STATE_TO_PB[e.to], reason: e.reason } },
      };
    case 'rib':
      return {
        time,
        event: {
          $case: 'rib',
          value: { added: e.added.map(announcedPathToPb), removed: e.removed.map(announcedPathToPb), owner: e.owner ?? '', more: e.more ?? false, summary: e.summary },
        },
      };
    case 'peer-paths':
      return {
        time,
        event: {
          $case: 'peerPaths',
          value: {
            peer: e.peer,
            address: e.address,
            announced: e.announced.map((a) => ({ prefix: a.prefix, nextHop: a.nextHop, pathId: a.pathId })),
            withdrawn: e.withdrawn.map((w) => ({ prefix: w.prefix, pathId: w.pathId })),
          },
        },
      };
    case 'health':
      return {
        time,
        event: {
          $case: 'health',
          value: {
            check: e.check,
            target: e.target,
            from: HEALTH_STATE_TO_PB[e.from],
            to: HEALTH_STATE_TO_PB[e.to],
            reason: e.reason,
            effect: HEALTH_EFFECT_TO_PB[e.effect],
            paths: e.paths,
          },
        },
      };
  }
}

/** undefined for an event kind this version does not know (a newer server): skip it. */
export function eventFromPb(e: pb.Event): SpeakerEvent | undefined {
  const at = e.time?.getTime() ?? 0;
  switch (e.event?.$case) {
    case 'peerState': {
      const v = e.event.value;
      // A server from before names: the address is the name.
      return { type: 'peer-state', at, peer: v.peer, address: v.address || v.peer, from: stateFromPb(v.from), to: stateFromPb(v.to), ...opt('reason', v.reason) };
    }
    case 'rib': {
      const v = e.event.value;
      return {
        type: 'rib',
        at,
        added: v.added.map(announcedPathFromPb),
        removed: v.removed.map(announcedPathFromPb),
        ...(v.owner ? { owner: v.owner } : {}),
        ...(v.more ? { more: true } : {}),
        ...(v.summary ? { summary: { added: v.summary.added, removed: v.summary.removed, updated: v.summary.updated } } : {}),
      };
    }
    case 'peerPaths': {
      const v = e.event.value;
      return {
        type: 'peer-paths',
        at,
        peer: v.peer,
        address: v.address || v.peer,
        announced: v.announced.map((a) => ({ prefix: a.prefix, nextHop: a.nextHop, pathId: a.pathId })),
        withdrawn: v.withdrawn.map((w) => ({ prefix: w.prefix, pathId: w.pathId })),
      };
    }
    case 'health': {
      const v = e.event.value;
      return {
        type: 'health',
        at,
        check: v.check,
        target: v.target,
        from: healthStateFromPb(v.from),
        to: healthStateFromPb(v.to),
        reason: v.reason,
        effect: healthEffectFromPb(v.effect),
        paths: v.paths,
      };
    }
    case undefined:
      return undefined;
  }
}

// ---- peers ----

export function peerToPb(p: PeerStatus): pb.Peer {
  return {
    name: p.name,
    address: p.address,
    port: p.port,
    asn: p.asn,
    state: STATE_TO_PB[p.state],
    since: new Date(p.since),
    localAddress: p.localAddress,
    remoteRouterId: p.remoteRouterId,
    holdTime: p.holdTime,
    families: p.families.map((f) => ({
      family: FAMILY_TO_PB[f.family],
      addPathSend: f.addPathSend,
      addPathReceive: f.addPathReceive,
    })),
    prefixesSent: p.prefixesSent,
    prefixesReceived: p.prefixesReceived,
    messagesSent: p.messagesSent,
    messagesReceived: p.messagesReceived,
    updatesSent: p.updatesSent,
    updatesReceived: p.updatesReceived,
    lastError: p.lastError,
    lastErrorAt: p.lastErrorAt === undefined ? undefined : new Date(p.lastErrorAt),
    bfdState: p.bfd?.state,
    bfdFlaps: p.bfd?.flaps ?? 0,
    gracefulRestart: p.gracefulRestart ? gracefulRestartToPb(p.gracefulRestart) : undefined,
  };
}

function gracefulRestartToPb(g: PeerGracefulRestartStatus): pb.GracefulRestart {
  return {
    advertised: g.ours !== undefined,
    restartTime: g.ours?.restartTime,
    peer: g.theirs
      ? {
          advertised: g.theirs.advertised,
          restartTime: g.theirs.restartTime,
          forwardingPreserved: g.theirs.forwardingPreserved.map((f) => FAMILY_TO_PB[f]),
          notification: g.theirs.notification,
        }
      : undefined,
    negotiated: g.negotiated,
  };
}

function gracefulRestartFromPb(g: pb.GracefulRestart): PeerGracefulRestartStatus {
  const t = g.peer;
  return {
    ...(g.advertised ? { ours: { restartTime: g.restartTime ?? 0 } } : {}),
    ...(t
      ? {
          theirs: {
            advertised: t.advertised,
            ...opt('restartTime', t.restartTime),
            forwardingPreserved: t.forwardingPreserved.map(familyFromPb),
            notification: t.notification,
          },
        }
      : {}),
    negotiated: g.negotiated,
  };
}

export function peerFromPb(p: pb.Peer): PeerStatus {
  return {
    name: p.name || p.address,
    address: p.address,
    port: p.port,
    asn: p.asn,
    state: stateFromPb(p.state),
    since: p.since?.getTime() ?? 0,
    ...opt('localAddress', p.localAddress),
    ...opt('remoteRouterId', p.remoteRouterId),
    ...opt('holdTime', p.holdTime),
    families: p.families.map((f) => ({
      family: familyFromPb(f.family),
      addPathSend: f.addPathSend,
      addPathReceive: f.addPathReceive,
    })),
    prefixesSent: p.prefixesSent,
    prefixesReceived: p.prefixesReceived,
    messagesSent: p.messagesSent,
    messagesReceived: p.messagesReceived,
    updatesSent: p.updatesSent,
    updatesReceived: p.updatesReceived,
    ...opt('lastError', p.lastError),
    ...opt('lastErrorAt', p.lastErrorAt?.getTime()),
    ...(p.bfdState === undefined ? {} : { bfd: { state: bfdStateFromPb(p.bfdState), flaps: p.bfdFlaps } }),
    ...(p.gracefulRestart ? { gracefulRestart: gracefulRestartFromPb(p.gracefulRestart) } : {}),
  };
}

// ---- shutdown ----

const DRAIN_TO_PB: Record<DrainStatus['state'], pb.DrainState> = {
  announcing: pb.DrainState.DRAIN_STATE_ANNOUNCING,
  draining: pb.DrainState.DRAIN_STATE_DRAINING,
  withdrawn: pb.DrainState.DRAIN_STATE_WITHDRAWN,
};
const DRAIN_FROM_PB = new Map(Object.entries(DRAIN_TO_PB).map(([k, v]) => [v, k as DrainStatus['state']]));

export function drainStatusToPb(d: DrainStatus): pb.DrainStatus {
  return {
    state: DRAIN_TO_PB[d.state],
    since: d.since === undefined ? undefined : new Date(d.since),
    withdrawAt: d.withdrawAt === undefined ? undefined : new Date(d.withdrawAt),
  };
}

export function drainStatusFromPb(d: pb.DrainStatus): DrainStatus {
  const state = DRAIN_FROM_PB.get(d.state);
  if (state === undefined) throw new UnexpectedReplyError(`an unknown drain state from the server: ${d.state}`);
  return { state, ...opt('since', d.since?.getTime()), ...opt('withdrawAt', d.withdrawAt?.getTime()) };
}

export function shutdownToPb(peers: readonly PeerShutdownOutcome[]): pb.ShutdownResponse {
  return { peers: peers.map((p) => ({ name: p.name, address: p.address, kept: p.kept, restartTime: p.restartTime, reason: p.reason })) };
}

export function shutdownFromPb(r: pb.ShutdownResponse): PeerShutdownOutcome[] {
  return r.peers.map((p) => ({
    name: p.name || p.address,
    address: p.address,
    kept: p.kept,
    ...opt('restartTime', p.restartTime),
    ...opt('reason', p.reason),
  }));
}

// ---- health checks ----

function healthTargetToPb(t: HealthTargetStatus): pb.HealthTarget {
  return {
    target: t.target,
    state: HEALTH_STATE_TO_PB[t.state],
    since: new Date(t.since),
    lastError: t.lastError,
    lastErrorAt: t.lastErrorAt === undefined ? undefined : new Date(t.lastErrorAt),
    paths: t.paths,
    effect: HEALTH_EFFECT_TO_PB[t.effect],
    lagMs: lagToPb(t.lag),
  };
}

/** A lag in ms as a uint32 (whole ms, at most 49 days). */
function lagToPb(lag: number | undefined): number | undefined {
  return lag === undefined ? undefined : Math.min(0xffff_ffff, Math.max(0, Math.round(lag)));
}

function healthTargetFromPb(t: pb.HealthTarget): HealthTargetStatus {
  return {
    target: t.target,
    state: healthStateFromPb(t.state),
    since: t.since?.getTime() ?? 0,
    ...opt('lastError', t.lastError),
    ...opt('lastErrorAt', t.lastErrorAt?.getTime()),
    paths: t.paths,
    effect: healthEffectFromPb(t.effect),
    ...opt('lag', t.lagMs),
  };
}

export function healthChecksToPb(checks: readonly HealthCheckDetail[]): pb.ListHealthChecksResponse {
  return {
    checks: checks.map((c) => ({ name: c.name, up: c.up, down: c.down, pending: c.pending, transitions: c.transitions, targets: c.targets.map(healthTargetToPb), lagMs: lagToPb(c.lag) })),
  };
}

export function healthChecksFromPb(r: pb.ListHealthChecksResponse): HealthCheckDetail[] {
  return r.checks.map((c) => ({ name: c.name, up: c.up, down: c.down, pending: c.pending, transitions: c.transitions, targets: c.targets.map(healthTargetFromPb), ...opt('lag', c.lagMs) }));
}

function bfdStateFromPb(s: string): 'AdminDown' | 'Down' | 'Init' | 'Up' {
  if (s === 'AdminDown' || s === 'Down' || s === 'Init' || s === 'Up') return s;
  throw new UnexpectedReplyError(`unknown BFD state ${JSON.stringify(s)} from the server`);
}

/**
 * Prefixes packed as BGP writes NLRI (a length octet, then the significant octets), cut into views
 * of at most `max` prefixes each. A length past the end stays in the last piece, whose validation
 * says what is wrong with it.
 */
export function* packedPieces(packed: Uint8Array, max: number): Generator<Uint8Array> {
  let start = 0;
  let pos = 0;
  let n = 0;
  while (pos < packed.length) {
    const next = pos + 1 + ((packed[pos]! + 7) >> 3);
    if (next > packed.length) break;
    pos = next;
    if (++n === max) {
      yield packed.subarray(start, pos);
      start = pos;
      n = 0;
    }
  }
  if (start < packed.length || start === 0) yield packed.subarray(start);
}
