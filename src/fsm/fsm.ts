// RFC 4271 section 8.2.2 as a pure function: (state, event) -> (state, actions). No I/O, no clock:
// `now` arrives as an argument and timers are actions the session carries out.
//
// Deliberate choices where the RFC leaves room (each is what BIRD and GoBGP do too):
// - A failed outgoing connect moves Connect to Active with ConnectRetry running, so the speaker
//   keeps retrying instead of sitting in Idle (the RFC's DelayOpen branch of Event 18).
// - Every drop to Idle after an error arms the IdleHold timer (Event 13 is the automatic restart),
//   whose wait doubles for a flapping peer (RFC 4271 8.1.1 DampPeerOscillations) and resets once a
//   session has stayed up for `stableTime`.
// - Connection collisions (6.8) are decided by the session, which owns both connections, and
//   reach the FSM as events: OpenCollisionDump when our connection loses and the session goes,
//   OpenCollisionSwitch when the peer's connection wins and the session carries on over it.

import { cease, notification, notificationOf, type BgpError, type NotificationMessage } from '../codec/index.js';
import { CeaseSubcode, ErrorCode, FsmSubcode } from '../codec/constants.js';
import { LARGE_HOLD_TIME, type FsmAction, type FsmConfig, type FsmEvent, type FsmState, type StateName, type Transition } from './types.js';

const ALL_TIMERS_STOPPED: readonly FsmAction[] = [
  { type: 'stop-timer', timer: 'ConnectRetry' },
  { type: 'stop-timer', timer: 'Hold' },
  { type: 'stop-timer', timer: 'Keepalive' },
];

function send(message: NotificationMessage): FsmAction {
  return { type: 'send-notification', message };
}

// The NOTIFICATIONs that never vary: built once, not on every transition (one per message received).
const HOLD_EXPIRED = send(notification(ErrorCode.HOLD_TIMER_EXPIRED, 0));
const SEND_HOLD_EXPIRED = send(notification(ErrorCode.SEND_HOLD_TIMER_EXPIRED, 0));
const COLLISION = send(cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION));

/**
 * The event a decode error is (RFC 4271 8.1.2): a bad header is event 21, a bad OPEN event 22,
 * anything else about a message's content (UPDATE, ROUTE-REFRESH) event 28.
 */
export function eventForError(error: BgpError): FsmEvent {
  switch (error.code) {
    case ErrorCode.MESSAGE_HEADER:
      return { type: 'BgpHeaderErr', error };
    case ErrorCode.OPEN_MESSAGE:
      return { type: 'BgpOpenMsgErr', error };
    default:
      return { type: 'UpdateMsgErr', error };
  }
}

/** RFC 4486 / RFC 8538 Cease subcodes a peer sends on purpose: shutdown, de-configured, reset, reconfigured, hard reset. */
const ADMINISTRATIVE_CEASE: ReadonlySet<number> = new Set([
  CeaseSubcode.ADMINISTRATIVE_SHUTDOWN,
  CeaseSubcode.PEER_DECONFIGURED,
  CeaseSubcode.ADMINISTRATIVE_RESET,
  CeaseSubcode.OTHER_CONFIGURATION_CHANGE,
  CeaseSubcode.HARD_RESET,
]);

const UNEXPECTED_IN: Partial<Record<StateName, number>> = {
  OpenSent: FsmSubcode.UNEXPECTED_IN_OPENSENT,
  OpenConfirm: FsmSubcode.UNEXPECTED_IN_OPENCONFIRM,
  Established: FsmSubcode.UNEXPECTED_IN_ESTABLISHED,
};

/** Negotiated hold time: the smaller of the two (RFC 4271 4.2); 0 if either is 0. */
export function negotiateHoldTime(ours: number, theirs: number): number {
  return Math.min(ours, theirs);
}

function keepaliveTime(holdTime: number): number {
  return Math.max(1, Math.floor(holdTime / 3));
}

/**
 * Compute the next state and the actions to carry out, in order.
 * `now` is the clock's milliseconds (used only for damping).
 */
export function transition(s: FsmState, e: FsmEvent, config: FsmConfig, now: number): Transition {
  const wasEstablished = s.name === 'Established';

  /** Back to Idle after an error: drop everything and arm the damped automatic restart. */
  const fail = (pre: readonly FsmAction[]): Transition => {
    // The peer closed the session on purpose (its operator, a restart): no error, so no damping.
    const deliberate = e.type === 'NotifMsg' && e.code === ErrorCode.CEASE && e.subcode !== undefined && ADMINISTRATIVE_CEASE.has(e.subcode);
    let wait = s.idleHoldTime;
    if (deliberate || (s.establishedAt !== null && now - s.establishedAt >= config.stableTime * 1000)) wait = config.idleHoldTime;
    const actions: FsmAction[] = [
      ...pre,
      ...ALL_TIMERS_STOPPED,
      { type: 'drop-connection' },
      ...(wasEstablished ? [{ type: 'session-down' } as const] : []),
      { type: 'start-timer', timer: 'IdleHold', seconds: wait },
    ];
    return {
      state: {
        ...s,
        name: 'Idle',
        connectRetryCounter: s.connectRetryCounter + 1,
        idleHoldTime: deliberate ? s.idleHoldTime : Math.min(wait * 2, config.maxIdleHoldTime),
        holdTime: 0,
        establishedAt: null,
      },
      actions,
    };
  };

  /** Stopped by the operator: no automatic restart, counters reset. */
  const stop = (pre: readonly FsmAction[]): Transition => ({
    state: { ...s, name: 'Idle', connectRetryCounter: 0, holdTime: 0, establishedAt: null, idleHoldTime: config.idleHoldTime },
    actions: [
      ...pre,
      ...ALL_TIMERS_STOPPED,
      { type: 'stop-timer', timer: 'IdleHold' },
      { type: 'drop-connection' },
      ...(wasEstablished ? [{ type: 'session-down' } as const] : []),
    ],
  });

  /** An event that makes no sense in this state (RFC 6608 subcodes say which state). */
  const fsmError = (): Transition => {
    const subcode = UNEXPECTED_IN[s.name];
    return fail(subcode === undefined ? [] : [send(notification(ErrorCode.FSM, subcode))]);
  };

  const stay = (actions: readonly FsmAction[] = []): Transition => ({ state: s, actions });
  const to = (name: StateName, actions: readonly FsmAction[], extra: Partial<FsmState> = {}): Transition => ({
    state: { ...s, ...extra, name },
    actions,
  });

  const start = (): Transition =>
    config.passive
      ? to('Active', [{ type: 'start-timer', timer: 'ConnectRetry', seconds: config.connectRetryTime }])
      : to('Connect', [{ type: 'start-timer', timer: 'ConnectRetry', seconds: config.connectRetryTime }, { type: 'connect' }]);

  const openSent = (): Transition =>
    to('OpenSent', [
      { type: 'stop-timer', timer: 'ConnectRetry' },
      { type: 'send-open' },
      { type: 'start-timer', timer: 'Hold', seconds: LARGE_HOLD_TIME },
    ]);

  /** What ManualStop sends: the NOTIFICATION the session chose, or nothing. */
  const manualStopNotification = (m: Extract<FsmEvent, { type: 'ManualStop' }>): FsmAction[] => (m.notification === null ? [] : [send(m.notification)]);

  /** The peer's connection won the collision: carry on over it, waiting for its OPEN. */
  const switchConnection = (): Transition =>
    to('OpenSent', [{ type: 'stop-timer', timer: 'Keepalive' }, { type: 'start-timer', timer: 'Hold', seconds: LARGE_HOLD_TIME }], { holdTime: 0 });

  switch (s.name) {
    case 'Idle':
      switch (e.type) {
        case 'ManualStart':
        case 'AutomaticStart':
        case 'IdleHoldTimerExpires':
          return start();
        case 'TcpConnectionConfirmed':
        case 'TcpCrAcked':
          // RFC 4271 8.2.2 Idle: connections are refused until the FSM starts.
          return stay([{ type: 'drop-connection' }]);
        case 'ManualStop':
        case 'AutomaticStop':
        case 'ConnectRetryTimerExpires':
        case 'HoldTimerExpires':
        case 'SendHoldTimerExpires':
        case 'KeepaliveTimerExpires':
        case 'TcpConnectionFails':
        case 'BgpOpen':
        case 'BgpHeaderErr':
        case 'BgpOpenMsgErr':
        case 'OpenCollisionDump':
        case 'OpenCollisionSwitch':
        case 'NotifMsgVerErr':
        case 'NotifMsg':
        case 'KeepAliveMsg':
        case 'UpdateMsg':
        case 'UpdateMsgErr':
          return stay();
        default:
          return unreachable(e);
      }

    case 'Connect':
    case 'Active':
      switch (e.type) {
        case 'ManualStart':
        case 'AutomaticStart':
        case 'IdleHoldTimerExpires':
        // RFC 9687: no session, nothing being sent; a late expiry of the last one's timer.
        case 'SendHoldTimerExpires':
          return stay();
        case 'ManualStop':
          return stop([]);
        case 'AutomaticStop':
          return fail([]);
        case 'ConnectRetryTimerExpires':
          if (config.passive) return stay([{ type: 'start-timer', timer: 'ConnectRetry', seconds: config.connectRetryTime }]);
          return to('Connect', [
            { type: 'drop-connection' },
            { type: 'start-timer', timer: 'ConnectRetry', seconds: config.connectRetryTime },
            { type: 'connect' },
          ]);
        case 'TcpCrAcked':
        case 'TcpConnectionConfirmed':
          return openSent();
        case 'TcpConnectionFails':
          return to('Active', [{ type: 'start-timer', timer: 'ConnectRetry', seconds: config.connectRetryTime }]);
        case 'HoldTimerExpires':
        case 'KeepaliveTimerExpires':
        case 'BgpOpen':
        case 'BgpHeaderErr':
        case 'BgpOpenMsgErr':
        case 'OpenCollisionDump':
        case 'OpenCollisionSwitch':
        case 'NotifMsgVerErr':
        case 'NotifMsg':
        case 'KeepAliveMsg':
        case 'UpdateMsg':
        case 'UpdateMsgErr':
          // RFC 4271 8.2.2 Connect/Active "any other event": release and go to Idle.
          return fail([]);
        default:
          return unreachable(e);
      }

    case 'OpenSent':
      switch (e.type) {
        case 'ManualStart':
        case 'AutomaticStart':
        case 'IdleHoldTimerExpires':
          return stay();
        case 'ManualStop':
          return stop(manualStopNotification(e));
        case 'AutomaticStop':
          return fail([send(cease(e.subcode, e.shutdownMessage))]);
        case 'HoldTimerExpires':
          return fail([HOLD_EXPIRED]);
        case 'SendHoldTimerExpires':
          // RFC 9687 4: the NOTIFICATION may never get out; the connection is dropped all the same.
          return fail([SEND_HOLD_EXPIRED]);
        case 'TcpConnectionFails':
          // RFC 4271 8.2.2 OpenSent Event 18: close, restart ConnectRetry, listen (Active).
          return to('Active', [
            { type: 'stop-timer', timer: 'Hold' },
            { type: 'drop-connection' },
            { type: 'start-timer', timer: 'ConnectRetry', seconds: config.connectRetryTime },
          ]);
        case 'BgpOpen': {
          const holdTime = negotiateHoldTime(config.holdTime, e.holdTime);
          const actions: FsmAction[] = [{ type: 'send-keepalive' }];
          if (holdTime > 0) {
            actions.push(
              { type: 'start-timer', timer: 'Keepalive', seconds: keepaliveTime(holdTime) },
              { type: 'start-timer', timer: 'Hold', seconds: holdTime },
            );
          } else {
            actions.push({ type: 'stop-timer', timer: 'Hold' });
          }
          return to('OpenConfirm', actions, { holdTime });
        }
        case 'BgpHeaderErr':
        case 'BgpOpenMsgErr':
          return fail([send(notificationOf(e.error))]);
        case 'OpenCollisionDump':
          return fail([COLLISION]);
        case 'OpenCollisionSwitch':
          return switchConnection();
        case 'NotifMsgVerErr':
        case 'NotifMsg':
          return fail([]);
        case 'ConnectRetryTimerExpires':
        case 'KeepaliveTimerExpires':
        case 'TcpCrAcked':
        case 'TcpConnectionConfirmed':
        case 'KeepAliveMsg':
        case 'UpdateMsg':
        case 'UpdateMsgErr':
          return fsmError();
        default:
          return unreachable(e);
      }

    case 'OpenConfirm':
      switch (e.type) {
        case 'ManualStart':
        case 'AutomaticStart':
        case 'IdleHoldTimerExpires':
          return stay();
        case 'ManualStop':
          return stop(manualStopNotification(e));
        case 'AutomaticStop':
          return fail([send(cease(e.subcode, e.shutdownMessage))]);
        case 'HoldTimerExpires':
          return fail([HOLD_EXPIRED]);
        case 'SendHoldTimerExpires':
          // RFC 9687 4: the NOTIFICATION may never get out; the connection is dropped all the same.
          return fail([SEND_HOLD_EXPIRED]);
        case 'KeepaliveTimerExpires':
          return stay([{ type: 'send-keepalive' }, { type: 'start-timer', timer: 'Keepalive', seconds: keepaliveTime(s.holdTime) }]);
        case 'TcpConnectionFails':
        case 'NotifMsgVerErr':
        case 'NotifMsg':
          return fail([]);
        case 'BgpHeaderErr':
        case 'BgpOpenMsgErr':
          return fail([send(notificationOf(e.error))]);
        case 'OpenCollisionDump':
          return fail([COLLISION]);
        case 'OpenCollisionSwitch':
          return switchConnection();
        case 'KeepAliveMsg': {
          const actions: FsmAction[] = [];
          if (s.holdTime > 0) actions.push({ type: 'start-timer', timer: 'Hold', seconds: s.holdTime });
          actions.push({ type: 'session-up', holdTime: s.holdTime });
          return to('Established', actions, { establishedAt: now, connectRetryCounter: 0 });
        }
        case 'ConnectRetryTimerExpires':
        case 'TcpCrAcked':
        case 'TcpConnectionConfirmed':
        case 'BgpOpen':
        case 'UpdateMsg':
        case 'UpdateMsgErr':
          return fsmError();
        default:
          return unreachable(e);
      }

    case 'Established':
      switch (e.type) {
        case 'ManualStart':
        case 'AutomaticStart':
        case 'IdleHoldTimerExpires':
          return stay();
        case 'ManualStop':
          return stop(manualStopNotification(e));
        case 'AutomaticStop':
          return fail([send(cease(e.subcode, e.shutdownMessage))]);
        case 'HoldTimerExpires':
          return fail([HOLD_EXPIRED]);
        case 'SendHoldTimerExpires':
          // RFC 9687 4: the NOTIFICATION may never get out; the connection is dropped all the same.
          return fail([SEND_HOLD_EXPIRED]);
        case 'KeepaliveTimerExpires':
          return stay([{ type: 'send-keepalive' }, { type: 'start-timer', timer: 'Keepalive', seconds: keepaliveTime(s.holdTime) }]);
        case 'KeepAliveMsg':
        case 'UpdateMsg':
          return stay(s.holdTime > 0 ? [{ type: 'start-timer', timer: 'Hold', seconds: s.holdTime }] : []);
        case 'TcpConnectionFails':
        case 'NotifMsgVerErr':
        case 'NotifMsg':
          return fail([]);
        case 'BgpHeaderErr':
        case 'BgpOpenMsgErr':
        case 'UpdateMsgErr':
          return fail([send(notificationOf(e.error))]);
        case 'OpenCollisionDump':
          return fail([COLLISION]);
        case 'ConnectRetryTimerExpires':
        case 'TcpCrAcked':
        case 'TcpConnectionConfirmed':
        case 'BgpOpen':
        // RFC 4271 6.8: an Established session wins every collision; the session never asks.
        case 'OpenCollisionSwitch':
          return fsmError();
        default:
          return unreachable(e);
      }

    default:
      return unreachable(s.name);
  }
}

function unreachable(x: never): never {
  throw new Error(`unhandled FSM case ${JSON.stringify(x)}`);
}
