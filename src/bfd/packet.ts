// BFD control packets (RFC 5880 4.1), without authentication: 24 octets. Pure, like the BGP codec:
// decode returns the packet or the reason it must be discarded (RFC 5880 6.8.6), never throws.

export type BfdState = 'AdminDown' | 'Down' | 'Init' | 'Up';
const STATES: readonly BfdState[] = ['AdminDown', 'Down', 'Init', 'Up'];

/** RFC 5880 4.1 diagnostic codes we use. */
export const BfdDiag = {
  NONE: 0,
  CONTROL_DETECTION_TIME_EXPIRED: 1,
  NEIGHBOR_SIGNALED_DOWN: 3,
  ADMIN_DOWN: 7,
} as const;

export interface BfdPacket {
  readonly diag: number;
  readonly state: BfdState;
  readonly poll: boolean;
  readonly final: boolean;
  /**
   * C bit (RFC 5880 4.1): our BFD does not share fate with the BGP control plane. Routers read it
   * during graceful restart (RFC 5882 4.3): set, a BFD failure means forwarding failed; clear, it may
   * be only the restart. Omitted: clear.
   */
  readonly controlPlaneIndependent?: boolean;
  readonly detectMult: number;
  readonly myDiscr: number;
  readonly yourDiscr: number;
  /** Microseconds. */
  readonly desiredMinTx: number;
  readonly requiredMinRx: number;
  readonly requiredMinEchoRx: number;
}

export const BFD_PACKET_LENGTH = 24;
const VERSION = 1;

export function encodeBfd(p: BfdPacket): Uint8Array {
  const b = new Uint8Array(BFD_PACKET_LENGTH);
  const v = new DataView(b.buffer);
  b[0] = (VERSION << 5) | (p.diag & 0x1f);
  b[1] = (STATES.indexOf(p.state) << 6) | (p.poll ? 0x20 : 0) | (p.final ? 0x10 : 0) | (p.controlPlaneIndependent ? 0x08 : 0);
  b[2] = p.detectMult;
  b[3] = BFD_PACKET_LENGTH;
  v.setUint32(4, p.myDiscr);
  v.setUint32(8, p.yourDiscr);
  v.setUint32(12, p.desiredMinTx);
  v.setUint32(16, p.requiredMinRx);
  v.setUint32(20, p.requiredMinEchoRx);
  return b;
}

/** The packet, or why RFC 5880 6.8.6 says to discard it. */
export function decodeBfd(b: Uint8Array): BfdPacket | { readonly discard: string } {
  if (b.length < BFD_PACKET_LENGTH) return { discard: `${b.length} octets, shorter than a control packet` };
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b[0]! >> 5 !== VERSION) return { discard: `version ${b[0]! >> 5}` };
  const length = b[3]!;
  if (length < BFD_PACKET_LENGTH || length > b.length) return { discard: `length field ${length}` };
  const flags = b[1]!;
  if (flags & 0x04) return { discard: 'authentication present, none configured' };
  if (flags & 0x01) return { discard: 'multipoint bit set' };
  const detectMult = b[2]!;
  if (detectMult === 0) return { discard: 'detect multiplier 0' };
  const myDiscr = v.getUint32(4);
  if (myDiscr === 0) return { discard: 'my discriminator 0' };
  const state = STATES[flags >> 6]!;
  const yourDiscr = v.getUint32(8);
  if (yourDiscr === 0 && state !== 'Down' && state !== 'AdminDown') return { discard: `your discriminator 0 in state ${state}` };
  return {
    diag: b[0]! & 0x1f,
    state,
    poll: (flags & 0x20) !== 0,
    final: (flags & 0x10) !== 0,
    controlPlaneIndependent: (flags & 0x08) !== 0,
    detectMult,
    myDiscr,
    yourDiscr,
    desiredMinTx: v.getUint32(12),
    requiredMinRx: v.getUint32(16),
    requiredMinEchoRx: v.getUint32(20),
  };
}
