// RFC 4271 4.2 OPEN, with RFC 5492 capabilities and RFC 9072 extended optional parameters length.

import { AS_TRANS, BGP_VERSION, ErrorCode, OpenSubcode, OptionalParameterType } from './constants.js';
import { decodeCapabilities, encodeCapability } from './capabilities.js';
import { BgpEncodeError, openError } from './errors.js';
import { formatIPv4, parseIPv4 } from './ip.js';
import type { Reader } from './reader.js';
import type { Capability, OpenMessage } from './types.js';
import { Writer } from './writer.js';

const PARAM_OVERRUN = {
  code: ErrorCode.OPEN_MESSAGE,
  subcode: OpenSubcode.UNSPECIFIC,
  reason: 'optional parameters overrun their declared length',
};

export function decodeOpen(r: Reader): OpenMessage {
  const version = r.u8();
  if (version !== BGP_VERSION) {
    // RFC 4271 6.2: the data is the largest version we support.
    throw openError(OpenSubcode.UNSUPPORTED_VERSION, `version ${version}`, new Uint8Array([0, BGP_VERSION]));
  }
  const myAs = r.u16();
  const holdTime = r.u16();
  if (holdTime === 1 || holdTime === 2) {
    throw openError(OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${holdTime} (must be 0 or at least 3)`);
  }
  const id = r.bytesView(4);
  const bgpId = formatIPv4(id);
  // RFC 6286 2.1: a BGP Identifier is a non-zero 4-octet number.
  if (bgpId === '0.0.0.0') throw openError(OpenSubcode.BAD_BGP_IDENTIFIER, 'BGP identifier 0.0.0.0');

  let paramsLen = r.u8();
  let extended = false;
  // RFC 9072 2: length 255 followed by type 255 means a 2-octet length, and 2-octet parameter lengths.
  if (paramsLen === 255 && r.remaining >= 1 && r.bytes[r.pos] === OptionalParameterType.EXTENDED_LENGTH) {
    r.skip(1);
    paramsLen = r.u16();
    extended = true;
  }
  if (paramsLen > r.remaining) {
    throw openError(OpenSubcode.UNSPECIFIC, `optional parameters length ${paramsLen} exceeds the message`);
  }
  const params = r.sub(paramsLen, PARAM_OVERRUN);
  if (!r.atEnd) throw openError(OpenSubcode.UNSPECIFIC, `${r.remaining} octets after the optional parameters`);

  const capabilities: Capability[] = [];
  while (!params.atEnd) {
    const type = params.u8();
    const len = extended ? params.u16() : params.u8();
    const value = params.sub(len, PARAM_OVERRUN);
    if (type !== OptionalParameterType.CAPABILITIES) {
      throw openError(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, `optional parameter type ${type}`);
    }
    decodeCapabilities(value, capabilities);
  }
  const open: OpenMessage = { type: 'open', version, myAs, holdTime, bgpId, capabilities };
  return extended ? { ...open, extendedParameters: true } : open;
}

export function encodeOpen(w: Writer, m: OpenMessage): void {
  const id = parseIPv4(m.bgpId);
  if (!id) throw new BgpEncodeError(`BGP identifier ${JSON.stringify(m.bgpId)} is not an IPv4 address`);
  w.u8(m.version).u16(m.myAs).u16(m.holdTime).bytes(id);
  const caps = new Writer();
  for (const c of m.capabilities) encodeCapability(caps, c);
  const body = caps.finish();
  const extended = m.extendedParameters === true || body.length + 2 > 255;
  if (!extended) {
    if (body.length === 0) {
      w.u8(0);
    } else {
      w.u8(body.length + 2).u8(OptionalParameterType.CAPABILITIES).u8(body.length).bytes(body);
    }
    return;
  }
  if (body.length + 3 > 0xffff) throw new BgpEncodeError('capabilities do not fit in an OPEN');
  w.u8(255).u8(OptionalParameterType.EXTENDED_LENGTH);
  if (body.length === 0) {
    w.u16(0);
  } else {
    w.u16(body.length + 3).u8(OptionalParameterType.CAPABILITIES).u16(body.length).bytes(body);
  }
}

/** RFC 6793 4.1: the peer's real AS number: the 4-octet AS capability's when present, else My AS. */
export function peerAsn(open: OpenMessage): number {
  for (const c of open.capabilities) if (c.type === 'four-octet-as') return c.asn;
  return open.myAs;
}

/** The 2-octet My AS field for a local AS number (RFC 6793 4.1). */
export function myAsField(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}

/**
 * RFC 4271 6.2 checks that need configuration: the peer's AS must be the one configured, else
 * OPEN Message Error / Bad Peer AS with the 2-octet My AS field as data.
 */
export function checkPeerAs(open: OpenMessage, expectedAsn: number): void {
  const asn = peerAsn(open);
  if (asn !== expectedAsn) {
    throw openError(OpenSubcode.BAD_PEER_AS, `peer AS ${asn}, configured ${expectedAsn}`, new Uint8Array([open.myAs >> 8, open.myAs & 0xff]));
  }
}
