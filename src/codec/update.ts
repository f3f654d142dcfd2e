// RFC 4271 4.3 UPDATE, with RFC 4760 MP_REACH/MP_UNREACH, RFC 7911 ADD-PATH and the RFC 7606
// revised error handling: a malformed attribute costs the routes of this UPDATE, not the session.

import { AttrFlag, AttrType, ErrorCode, UpdateSubcode } from './constants.js';
import { ATTRIBUTES, encodeAttribute, type AttrErrorAction } from './attributes.js';
import { BgpError, retold, updateError } from './errors.js';
import { decodeNlriList, encodeNlriList } from './nlri.js';
import type { Reader } from './reader.js';
import type { CodecContext, Family, FamilyNlri, Nlri, PathAttribute, UpdateMessage, UpdateProblem } from './types.js';
import type { Writer } from './writer.js';

const MALFORMED_LIST = {
  code: ErrorCode.UPDATE_MESSAGE,
  subcode: UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
};

const SEVERITY: Record<AttrErrorAction, number> = { 'attribute-discard': 1, 'treat-as-withdraw': 2, 'session-reset': 3 };

function attributeName(code: number): string {
  return ATTRIBUTES[code]?.name ?? `attribute ${code}`;
}

export function decodeUpdate(r: Reader, ctx: CodecContext): UpdateMessage {
  const addPathV4 = ctx.addPathReceive.includes('ipv4-unicast');

  // RFC 4271 6.3: lengths that do not fit the message are a Malformed Attribute List.
  const malformedList = (why: string) => updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, why);
  const withdrawnLen = r.u16();
  if (withdrawnLen + 2 > r.remaining) throw malformedList(`Withdrawn Routes Length ${withdrawnLen} exceeds the message`);
  const withdrawnR = r.sub(withdrawnLen, { ...MALFORMED_LIST, reason: 'withdrawn routes' });
  const attrsLen = r.u16();
  if (attrsLen > r.remaining) throw malformedList(`Total Path Attribute Length ${attrsLen} exceeds the message`);
  const attrsR = r.sub(attrsLen, { ...MALFORMED_LIST, reason: 'path attributes' });
  // RFC 7606 5.3: NLRI that cannot be parsed leave no way to withdraw them: session reset.
  const netErr = { code: ErrorCode.UPDATE_MESSAGE, subcode: UpdateSubcode.INVALID_NETWORK_FIELD };
  const withdrawn = decodeNlriList(withdrawnR, 'ipv4-unicast', addPathV4, { ...netErr, field: 'Withdrawn Routes' });
  const nlri = decodeNlriList(r, 'ipv4-unicast', addPathV4, { ...netErr, field: 'NLRI' });

  const attributes: PathAttribute[] = [];
  const problems: UpdateProblem[] = [];
  let worst: AttrErrorAction | null = null;
  // The first problem worse than a discard, kept whole in case RFC 7606 5.2 turns it into a reset.
  let firstSevere: { subcode: number; reason: string; data: Uint8Array } | null = null;
  let nonUnreachAttribute = false;
  const problem = (
    action: Exclude<AttrErrorAction, 'session-reset'>,
    subcode: number,
    reason: string,
    attribute?: number,
    data: Uint8Array = new Uint8Array(0),
  ): void => {
    problems.push(attribute === undefined ? { action, subcode, reason } : { action, subcode, attribute, reason });
    if (worst === null || SEVERITY[action] > SEVERITY[worst]) worst = action;
    if (action !== 'attribute-discard' && !firstSevere) firstSevere = { subcode, reason, data };
  };

  const seen = new Uint8Array(256);
  const bytes = attrsR.bytes;
  while (!attrsR.atEnd) {
    const start = attrsR.pos;
    // RFC 7606 4: an attribute header or value running past the attribute list is treat-as-withdraw;
    // the Total Path Attribute Length still locates the NLRI.
    if (attrsR.remaining < 3) {
      problem('treat-as-withdraw', UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `${attrsR.remaining} stray octets at the end of the attribute list`);
      break;
    }
    const flags = attrsR.u8();
    const code = attrsR.u8();
    if (code !== AttrType.MP_UNREACH_NLRI) nonUnreachAttribute = true;
    const extended = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    if (extended && attrsR.remaining < 2) {
      problem('treat-as-withdraw', UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `${attributeName(code)}: truncated length`, code);
      break;
    }
    const len = extended ? attrsR.u16() : attrsR.u8();
    const desc = ATTRIBUTES[code];
    if (len > attrsR.remaining) {
      if (desc?.onError === 'session-reset') {
        throw updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `${desc.name} overruns the attribute list`);
      }
      problem('treat-as-withdraw', UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `${attributeName(code)}: length ${len} overruns the attribute list`, code, bytes.subarray(start, attrsR.end));
      break;
    }
    const value = attrsR.sub(len, {
      code: ErrorCode.UPDATE_MESSAGE,
      subcode: desc?.onError === 'session-reset' ? UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR : UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
      reason: `${attributeName(code)} is shorter than its content`,
    });
    const whole = (): Uint8Array => bytes.subarray(start, attrsR.pos);

    // RFC 7606 3(g): a repeated MP attribute resets the session; other repeats are discarded.
    if (seen[code]) {
      if (code === AttrType.MP_REACH_NLRI || code === AttrType.MP_UNREACH_NLRI) {
        throw updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `${attributeName(code)} appears twice`);
      }
      problem('attribute-discard', UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `${attributeName(code)} appears more than once`, code);
      continue;
    }
    seen[code] = 1;

    if (!desc) {
      if ((flags & AttrFlag.OPTIONAL) === 0) {
        // An unknown well-known attribute: the peer means something we cannot know, so do not use its routes.
        problem('treat-as-withdraw', UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, `unrecognized well-known attribute ${code}`, code, whole());
        continue;
      }
      attributes.push({
        type: 'unknown',
        code,
        flags: flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE | AttrFlag.PARTIAL),
        data: new Uint8Array(value.rest()), // a copy: never alias the receive buffer
      });
      continue;
    }

    // RFC 7606 3(c): Optional/Transitive bits that conflict with the attribute make it malformed;
    // RFC 4271 4.3: Partial is only for optional transitive attributes.
    const flagsWrong =
      (flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== desc.flags ||
      ((flags & AttrFlag.PARTIAL) !== 0 && desc.flags !== (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE));
    let error: BgpError | null = null;
    if (flagsWrong) {
      error = updateError(UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, `${desc.name} with flags 0x${flags.toString(16)}`);
    } else {
      try {
        const attr = desc.decode(value, ctx);
        if (!value.atEnd) {
          throw updateError(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `${desc.name}: ${value.remaining} trailing octets`);
        }
        attributes.push(attr);
      } catch (e) {
        if (!(e instanceof BgpError)) throw e;
        error = e;
      }
    }
    if (error) {
      if (desc.onError === 'session-reset') {
        // RFC 4271 6.3: the data field holds the erroneous attribute (type, length, value).
        throw retold(error, error.reason, whole());
      }
      problem(desc.onError, error.subcode, error.reason, code, whole());
    }
  }

  const mpReach = attributes.find((a) => a.type === 'mp-reach');
  const reachable = nlri.length > 0 || (mpReach !== undefined && mpReach.nlri.length > 0);
  // RFC 7606 3(d): missing well-known attributes make the routes unusable, not the session.
  if (reachable) {
    const missing: number[] = [AttrType.ORIGIN, AttrType.AS_PATH];
    if (nlri.length > 0) missing.push(AttrType.NEXT_HOP);
    for (const code of missing) {
      if (!seen[code]) {
        problem('treat-as-withdraw', UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE, `missing ${attributeName(code)}`, code);
      }
    }
  }

  // RFC 7606 5.2: attributes (other than MP_UNREACH_NLRI) with no reachable NLRI, and an error
  // worse than a discard: the NLRI may be what the error hid, so the session must be reset.
  const severe = firstSevere as { subcode: number; reason: string; data: Uint8Array } | null;
  if (severe && !reachable && nonUnreachAttribute) {
    throw retold({ code: ErrorCode.UPDATE_MESSAGE, subcode: severe.subcode }, `${severe.reason} in an UPDATE without reachable NLRI`, severe.data);
  }
  if (worst === null) return { type: 'update', withdrawn, attributes, nlri };
  if (worst === 'attribute-discard') {
    return { type: 'update', withdrawn, attributes, nlri, errorHandling: { action: worst, problems, withdrawn: [] } };
  }
  // Treat-as-withdraw: every route this UPDATE would have announced is withdrawn instead.
  const taw: FamilyNlri[] = nlri.map((n) => ({ family: 'ipv4-unicast', nlri: n }));
  if (mpReach?.type === 'mp-reach') for (const n of mpReach.nlri) taw.push({ family: mpReach.family, nlri: n });
  return {
    type: 'update',
    withdrawn,
    attributes: attributes.filter((a) => a.type === 'mp-unreach'),
    nlri: [],
    errorHandling: { action: 'treat-as-withdraw', problems, withdrawn: taw },
  };
}

export function encodeUpdate(w: Writer, m: UpdateMessage, ctx: CodecContext): void {
  const addPathV4 = ctx.addPathSend.includes('ipv4-unicast');
  const wdAt = w.placeholder(2);
  encodeNlriList(w, m.withdrawn, 'ipv4-unicast', addPathV4);
  w.patch16(wdAt, w.since(wdAt + 2));
  const attrAt = w.placeholder(2);
  for (const a of m.attributes) encodeAttribute(w, a, ctx);
  w.patch16(attrAt, w.since(attrAt + 2));
  encodeNlriList(w, m.nlri, 'ipv4-unicast', addPathV4);
}

/**
 * Every route an UPDATE withdraws or announces, whichever field carries it: the Withdrawn Routes
 * and NLRI fields (RFC 4271), MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760), and the routes an
 * error turned into withdrawals (RFC 7606 treat-as-withdraw). In the order the message gives them,
 * so a receiver that applies them one by one ends as the message says.
 */
export function forEachRoute(m: UpdateMessage, withdraw: (n: Nlri) => void, announce: (n: Nlri) => void): void {
  for (const n of m.withdrawn) withdraw(n);
  for (const n of m.nlri) announce(n);
  for (const a of m.attributes) {
    if (a.type === 'mp-reach') for (const n of a.nlri) announce(n);
    else if (a.type === 'mp-unreach') for (const n of a.withdrawn) withdraw(n);
  }
  for (const w of m.errorHandling?.withdrawn ?? []) withdraw(w.nlri);
}

/** RFC 4724 2: the End-of-RIB marker of a family, or null when `m` is not one. */
export function endOfRibFamily(m: UpdateMessage): Family | null {
  if (m.withdrawn.length > 0 || m.nlri.length > 0 || m.errorHandling) return null;
  if (m.attributes.length === 0) return 'ipv4-unicast';
  const only = m.attributes[0];
  if (m.attributes.length === 1 && only?.type === 'mp-unreach' && only.withdrawn.length === 0) return only.family;
  return null;
}

/** The End-of-RIB marker for a family. */
export function endOfRib(family: Family): UpdateMessage {
  if (family === 'ipv4-unicast') return { type: 'update', withdrawn: [], attributes: [], nlri: [] };
  return { type: 'update', withdrawn: [], attributes: [{ type: 'mp-unreach', family, withdrawn: [] }], nlri: [] };
}
