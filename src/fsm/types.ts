// The RFC 4271 section 8 finite state machine's vocabulary: states, events (with the RFC's names),
// and the actions a transition asks the session to carry out.

import type { BgpError, CeaseSubcodeValue, NotificationMessage } from '../codec/index.js';

export type StateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';
export const STATE_NAMES: readonly StateName[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

export type TimerName = 'ConnectRetry' | 'Hold' | 'Keepalive' | 'IdleHold';

/** RFC 4271 8.1 events (numbers in comments); DelayOpen (12, 20) is an optional attribute we do not use. */
export type FsmEvent =
  | { readonly type: 'ManualStart' } // 1 (4 when the peer is passive)
  /**
   * 2. Sends `notification` (a Cease the session chose: Administrative Shutdown with its RFC 8203
   * message, or Hard Reset, RFC 8538), or nothing when it is null (a graceful restart where the
   * peer would drop our paths on any NOTIFICATION).
   */
  | { readonly type: 'ManualStop'; readonly notification: NotificationMessage | null }
  | { readonly type: 'AutomaticStart' } // 3 (5 when passive)
  | { readonly type: 'AutomaticStop'; readonly subcode: CeaseSubcodeValue; readonly shutdownMessage?: string } // 8
  | { readonly type: 'ConnectRetryTimerExpires' } // 9
  | { readonly type: 'HoldTimerExpires' } // 10
  | { readonly type: 'SendHoldTimerExpires' } // RFC 9687 (29): the peer took nothing we sent for the send hold time
  | { readonly type: 'KeepaliveTimerExpires' } // 11
  | { readonly type: 'IdleHoldTimerExpires' } // 13
  | { readonly type: 'TcpCrAcked' } // 16: our connect() succeeded
  | { readonly type: 'TcpConnectionConfirmed' } // 17: we accepted the peer's connection
  | { readonly type: 'TcpConnectionFails' } // 18
  | { readonly type: 'BgpOpen'; readonly holdTime: number } // 19: a valid OPEN, with the peer's hold time
  | { readonly type: 'BgpHeaderErr'; readonly error: BgpError } // 21
  | { readonly type: 'BgpOpenMsgErr'; readonly error: BgpError } // 22
  | { readonly type: 'OpenCollisionDump' } // 23
  /**
   * RFC 4271 6.8 resolved for the peer's connection (it has the higher BGP identifier): the
   * session carries on over that connection, in OpenSent, since our OPEN went out on it already.
   * Not an RFC event: the RFC runs one FSM per connection, we run one per peer.
   */
  | { readonly type: 'OpenCollisionSwitch' }
  | { readonly type: 'NotifMsgVerErr' } // 24
  /** With the NOTIFICATION's code and subcode: a peer's administrative Cease is no error to damp. */
  | { readonly type: 'NotifMsg'; readonly code?: number; readonly subcode?: number } // 25
  | { readonly type: 'KeepAliveMsg' } // 26
  | { readonly type: 'UpdateMsg' } // 27 (ROUTE-REFRESH arrives as this too: any message keeps the session alive)
  | { readonly type: 'UpdateMsgErr'; readonly error: BgpError }; // 28

export type EventName = FsmEvent['type'];
export const EVENT_NAMES: readonly EventName[] = [
  'ManualStart',
  'ManualStop',
  'AutomaticStart',
  'AutomaticStop',
  'ConnectRetryTimerExpires',
  'HoldTimerExpires',
  'SendHoldTimerExpires',
  'KeepaliveTimerExpires',
  'IdleHoldTimerExpires',
  'TcpCrAcked',
  'TcpConnectionConfirmed',
  'TcpConnectionFails',
  'BgpOpen',
  'BgpHeaderErr',
  'BgpOpenMsgErr',
  'OpenCollisionDump',
  'OpenCollisionSwitch',
  'NotifMsgVerErr',
  'NotifMsg',
  'KeepAliveMsg',
  'UpdateMsg',
  'UpdateMsgErr',
];

export type FsmAction =
  | { readonly type: 'connect' } // initiate the outgoing TCP connection
  | { readonly type: 'drop-connection' }
  | { readonly type: 'send-open' }
  | { readonly type: 'send-keepalive' }
  | { readonly type: 'send-notification'; readonly message: NotificationMessage }
  | { readonly type: 'start-timer'; readonly timer: TimerName; readonly seconds: number }
  | { readonly type: 'stop-timer'; readonly timer: TimerName }
  /** Established: send the table, then End-of-RIB. */
  | { readonly type: 'session-up'; readonly holdTime: number }
  /** Left Established: forget what the peer sent, stop sending. */
  | { readonly type: 'session-down' };

export interface FsmConfig {
  /** Never initiate a connection; only accept the peer's (RFC 4271 8.1.1 PassiveTcpEstablishment). */
  readonly passive: boolean;
  /** Our proposed hold time, seconds (0 or >= 3). */
  readonly holdTime: number;
  readonly connectRetryTime: number;
  /** Damping of a flapping peer: the first wait in Idle after an error, doubled each time up to the max. */
  readonly idleHoldTime: number;
  readonly maxIdleHoldTime: number;
  /** A session Established at least this long resets the damping when it goes down. */
  readonly stableTime: number;
}

export const DEFAULT_FSM_CONFIG: FsmConfig = {
  passive: false,
  holdTime: 90,
  connectRetryTime: 5,
  idleHoldTime: 1,
  maxIdleHoldTime: 120,
  stableTime: 60,
};

/** RFC 4271 10: the hold time used in OpenSent before the peer's OPEN arrives. */
export const LARGE_HOLD_TIME = 240;

export interface FsmState {
  readonly name: StateName;
  readonly connectRetryCounter: number;
  /** The next wait in Idle after an error. */
  readonly idleHoldTime: number;
  /** Negotiated in OpenSent: min(ours, peer's); 0 means no keepalives and no hold timer. */
  readonly holdTime: number;
  /** Clock milliseconds when the session last became Established. */
  readonly establishedAt: number | null;
}

export function initialState(config: FsmConfig): FsmState {
  return { name: 'Idle', connectRetryCounter: 0, idleHoldTime: config.idleHoldTime, holdTime: 0, establishedAt: null };
}

export interface Transition {
  readonly state: FsmState;
  readonly actions: readonly FsmAction[];
}
