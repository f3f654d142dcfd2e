// RFC 5492 capabilities carried in the OPEN message's Capabilities optional parameter.

import { AddPathSendReceive, CapabilityCode, ErrorCode, GracefulRestartFlag, OpenSubcode } from './constants.js';
import { BgpEncodeError, BgpError, openError } from './errors.js';
import type { Reader } from './reader.js';
import type { AddPathDirection, Capability } from './types.js';
import type { Writer } from './writer.js';

function malformed(name: string, why: string): BgpError {
  return openError(OpenSubcode.UNSPECIFIC, `malformed ${name} capability: ${why}`);
}

function expectLength(name: string, r: Reader, len: number): void {
  if (r.remaining !== len) throw malformed(name, `length ${r.remaining}, expected ${len}`);
}

const DIRECTION_NAMES: Record<number, AddPathDirection> = {
  [AddPathSendReceive.RECEIVE]: 'receive',
  [AddPathSendReceive.SEND]: 'send',
  [AddPathSendReceive.BOTH]: 'both',
};
const DIRECTION_CODES: Record<AddPathDirection, number> = { receive: 1, send: 2, both: 3 };

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const utf8enc = new TextEncoder();

/** Decode one capability value (`r` spans exactly its declared length). */
function decodeCapability(code: number, r: Reader): Capability {
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL: {
      expectLength('multiprotocol', r, 4);
      const afi = r.u16();
      r.skip(1); // reserved
      return { type: 'multiprotocol', afi, safi: r.u8() };
    }
    case CapabilityCode.ROUTE_REFRESH:
      expectLength('route refresh', r, 0);
      return { type: 'route-refresh' };
    case CapabilityCode.ENHANCED_ROUTE_REFRESH:
      expectLength('enhanced route refresh', r, 0);
      return { type: 'enhanced-route-refresh' };
    case CapabilityCode.EXTENDED_MESSAGE:
      expectLength('extended message', r, 0);
      return { type: 'extended-message' };
    case CapabilityCode.FOUR_OCTET_AS:
      expectLength('4-octet AS', r, 4);
      return { type: 'four-octet-as', asn: r.u32() };
    case CapabilityCode.ADD_PATH: {
      if (r.remaining % 4 !== 0) throw malformed('ADD-PATH', `length ${r.remaining} is not a multiple of 4`);
      const families = [];
      while (!r.atEnd) {
        const afi = r.u16();
        const safi = r.u8();
        const mode = r.u8();
        const direction = DIRECTION_NAMES[mode];
        // RFC 7911 4 defines 1, 2 and 3. FRR sends 0 for a family whose ADD-PATH receive is turned
        // off (neither way); any value we do not know offers nothing for that family, so the entry
        // is ignored like any capability not understood (RFC 5492 3), not an OPEN error.
        if (direction) families.push({ afi, safi, direction });
      }
      return { type: 'add-path', families };
    }
    case CapabilityCode.GRACEFUL_RESTART: {
      if (r.remaining < 2 || (r.remaining - 2) % 4 !== 0) throw malformed('graceful restart', `length ${r.remaining}`);
      const head = r.u16();
      const flags = head >> 12;
      const families = [];
      while (!r.atEnd) {
        const afi = r.u16();
        const safi = r.u8();
        const f = r.u8();
        families.push({ afi, safi, forwardingPreserved: (f & GracefulRestartFlag.FORWARDING_STATE) !== 0 });
      }
      return {
        type: 'graceful-restart',
        restarting: (flags & GracefulRestartFlag.RESTART_STATE) !== 0,
        notification: (flags & GracefulRestartFlag.NOTIFICATION) !== 0,
        restartTime: head & 0xfff,
        families,
      };
    }
    case CapabilityCode.FQDN: {
      const hostLen = r.u8();
      const hostname = utf8.decode(r.bytesView(hostLen));
      const domainLen = r.u8();
      const domain = utf8.decode(r.bytesView(domainLen));
      if (!r.atEnd) throw malformed('FQDN', 'trailing octets');
      return { type: 'fqdn', hostname, domain };
    }
    default:
      return { type: 'unknown', code, data: new Uint8Array(r.rest()) }; // a copy: never alias the receive buffer
  }
}

/** Decode the capabilities of one Capabilities optional parameter (RFC 5492 4). */
export function decodeCapabilities(r: Reader, out: Capability[]): void {
  while (!r.atEnd) {
    const code = r.u8();
    const len = r.u8();
    const value = r.sub(len, {
      code: ErrorCode.OPEN_MESSAGE,
      subcode: OpenSubcode.UNSPECIFIC,
      reason: `capability ${code} value overruns its length`,
    });
    out.push(decodeCapability(code, value));
  }
}

function writeValue(w: Writer, code: number, body: (w: Writer) => void): void {
  w.u8(code);
  const at = w.placeholder(1);
  body(w);
  const len = w.since(at + 1);
  if (len > 255) throw new BgpEncodeError(`capability ${code} is ${len} octets, more than 255`);
  w.patch8(at, len);
}

export function encodeCapability(w: Writer, c: Capability): void {
  switch (c.type) {
    case 'multiprotocol':
      return writeValue(w, CapabilityCode.MULTIPROTOCOL, (w) => w.u16(c.afi).u8(0).u8(c.safi));
    case 'route-refresh':
      return writeValue(w, CapabilityCode.ROUTE_REFRESH, () => {});
    case 'enhanced-route-refresh':
      return writeValue(w, CapabilityCode.ENHANCED_ROUTE_REFRESH, () => {});
    case 'extended-message':
      return writeValue(w, CapabilityCode.EXTENDED_MESSAGE, () => {});
    case 'four-octet-as':
      return writeValue(w, CapabilityCode.FOUR_OCTET_AS, (w) => w.u32(c.asn));
    case 'add-path':
      return writeValue(w, CapabilityCode.ADD_PATH, (w) => {
        for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(DIRECTION_CODES[f.direction]);
      });
    case 'graceful-restart':
      return writeValue(w, CapabilityCode.GRACEFUL_RESTART, (w) => {
        const flags =
          (c.restarting ? GracefulRestartFlag.RESTART_STATE : 0) | (c.notification ? GracefulRestartFlag.NOTIFICATION : 0);
        if (!Number.isInteger(c.restartTime) || c.restartTime < 0 || c.restartTime > 0xfff) {
          throw new BgpEncodeError(`graceful restart time ${c.restartTime} is not 0..4095 seconds`);
        }
        w.u16((flags << 12) | c.restartTime);
        for (const f of c.families) {
          w.u16(f.afi).u8(f.safi).u8(f.forwardingPreserved ? GracefulRestartFlag.FORWARDING_STATE : 0);
        }
      });
    case 'fqdn':
      return writeValue(w, CapabilityCode.FQDN, (w) => {
        for (const s of [c.hostname, c.domain]) {
          const b = utf8enc.encode(s);
          if (b.length > 255) throw new BgpEncodeError('FQDN capability: name longer than 255 octets');
          w.u8(b.length).bytes(b);
        }
      });
    case 'unknown':
      return writeValue(w, c.code, (w) => w.bytes(c.data));
  }
}
