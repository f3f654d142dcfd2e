import { describe, expect, it } from 'vitest';
import { cease, hardReset, headerError, notification, openError, routeRefreshError, updateError } from '../../src/codec/index.js';
import { eventForError, transition, negotiateHoldTime } from '../../src/fsm/fsm.js';
import {
  DEFAULT_FSM_CONFIG,
  EVENT_NAMES,
  STATE_NAMES,
  initialState,
  type EventName,
  type FsmAction,
  type FsmEvent,
  type FsmState,
  type StateName,
} from '../../src/fsm/types.js';

const config = DEFAULT_FSM_CONFIG;
const err = updateError(1, 'malformed attribute list', new Uint8Array([1, 2]));

/** The action that sends NOTIFICATION (code, subcode, data). */
function sent(code: number, subcode: number, data?: Uint8Array): FsmAction {
  return { type: 'send-notification', message: notification(code, subcode, data) };
}

function event(name: EventName): FsmEvent {
  switch (name) {
    case 'BgpOpen':
      return { type: 'BgpOpen', holdTime: 30 };
    case 'BgpHeaderErr':
    case 'BgpOpenMsgErr':
    case 'UpdateMsgErr':
      return { type: name, error: err };
    case 'AutomaticStop':
      return { type: 'AutomaticStop', subcode: 6 };
    case 'ManualStop':
      return { type: 'ManualStop', notification: cease(2) };
    default:
      return { type: name } as FsmEvent;
  }
}

function stateIn(name: StateName): FsmState {
  return { ...initialState(config), name, holdTime: name === 'OpenConfirm' || name === 'Established' ? 30 : 0, establishedAt: name === 'Established' ? 0 : null };
}

const I = 'Idle', C = 'Connect', A = 'Active', S = 'OpenSent', O = 'OpenConfirm', E = 'Established';
// Expected next state for every (state, event) pair, events in EVENT_NAMES order:
// ManualStart ManualStop AutoStart AutoStop ConnRetry Hold SendHold Keepalive IdleHold CrAcked ConnConfirmed
// TcpFails BgpOpen HeaderErr OpenMsgErr CollisionDump CollisionSwitch NotifVerErr Notif KeepAliveMsg UpdateMsg UpdateMsgErr
const NEXT: Record<StateName, StateName[]> = {
  Idle:        [C, I, C, I, I, I, I, I, C, I, I, I, I, I, I, I, I, I, I, I, I, I],
  Connect:     [C, I, C, I, C, I, C, I, C, S, S, A, I, I, I, I, I, I, I, I, I, I],
  Active:      [A, I, A, I, C, I, A, I, A, S, S, A, I, I, I, I, I, I, I, I, I, I],
  OpenSent:    [S, I, S, I, I, I, I, I, S, I, I, A, O, I, I, I, S, I, I, I, I, I],
  OpenConfirm: [O, I, O, I, I, I, I, O, O, I, I, I, I, I, I, I, S, I, I, E, I, I],
  Established: [E, I, E, I, I, I, I, E, E, I, I, I, I, I, I, I, I, I, I, E, E, I],
};

function types(actions: readonly FsmAction[]): string[] {
  return actions.map((a) => (a.type === 'start-timer' || a.type === 'stop-timer' ? `${a.type}:${a.timer}` : a.type));
}

describe('FSM: every state x event pair', () => {
  for (const s of STATE_NAMES) {
    EVENT_NAMES.forEach((ev, i) => {
      it(`${s} + ${ev} -> ${NEXT[s][i]}`, () => {
        const t = transition(stateIn(s), event(ev), config, 1000);
        expect(t.state.name).toBe(NEXT[s][i]);
        // Leaving Established always tells the speaker the session is down; nothing else does.
        const down = types(t.actions).includes('session-down');
        expect(down).toBe(s === 'Established' && t.state.name !== 'Established');
        // Every fall to Idle from a live state drops the connection.
        if (t.state.name === 'Idle' && s !== 'Idle') expect(types(t.actions)).toContain('drop-connection');
      });
    });
  }
});

describe('FSM: behaviour', () => {
  it('an active peer connects on start; a passive one only waits', () => {
    expect(types(transition(initialState(config), { type: 'ManualStart' }, config, 0).actions)).toEqual([
      'start-timer:ConnectRetry',
      'connect',
    ]);
    const passive = { ...config, passive: true };
    const t = transition(initialState(passive), { type: 'ManualStart' }, passive, 0);
    expect(t.state.name).toBe('Active');
    expect(types(t.actions)).not.toContain('connect');
    const retry = transition(t.state, { type: 'ConnectRetryTimerExpires' }, passive, 0);
    expect(retry.state.name).toBe('Active');
    expect(types(retry.actions)).not.toContain('connect');
  });

  it('a connection sends OPEN and arms the large hold timer (RFC 4271 8.2.2)', () => {
    const t = transition(stateIn('Connect'), { type: 'TcpCrAcked' }, config, 0);
    expect(t.actions).toEqual([
      { type: 'stop-timer', timer: 'ConnectRetry' },
      { type: 'send-open' },
      { type: 'start-timer', timer: 'Hold', seconds: 240 },
    ]);
  });

  it('OPEN negotiates the smaller hold time and keepalive at a third of it', () => {
    const t = transition(stateIn('OpenSent'), { type: 'BgpOpen', holdTime: 9 }, config, 0);
    expect(t.state.holdTime).toBe(9);
    expect(t.actions).toEqual([
      { type: 'send-keepalive' },
      { type: 'start-timer', timer: 'Keepalive', seconds: 3 },
      { type: 'start-timer', timer: 'Hold', seconds: 9 },
    ]);
    expect(negotiateHoldTime(90, 0)).toBe(0);
  });

  it('hold time 0 means no keepalives and no hold timer', () => {
    const t = transition(stateIn('OpenSent'), { type: 'BgpOpen', holdTime: 0 }, config, 0);
    expect(t.state.holdTime).toBe(0);
    expect(types(t.actions)).toEqual(['send-keepalive', 'stop-timer:Hold']);
    const up = transition(t.state, { type: 'KeepAliveMsg' }, config, 0);
    expect(up.actions).toEqual([{ type: 'session-up', holdTime: 0 }]);
  });

  it('KEEPALIVE in OpenConfirm establishes the session', () => {
    const t = transition(stateIn('OpenConfirm'), { type: 'KeepAliveMsg' }, config, 5000);
    expect(t.state).toMatchObject({ name: 'Established', establishedAt: 5000, connectRetryCounter: 0 });
    expect(t.actions).toEqual([
      { type: 'start-timer', timer: 'Hold', seconds: 30 },
      { type: 'session-up', holdTime: 30 },
    ]);
  });

  it('hold timer expiry sends Hold Timer Expired and goes down', () => {
    const t = transition(stateIn('Established'), { type: 'HoldTimerExpires' }, config, 0);
    expect(t.actions[0]).toEqual(sent(4, 0));
    expect(types(t.actions)).toContain('session-down');
  });

  it('a peer that takes nothing for the send hold time gets code 8 and the connection is dropped (RFC 9687)', () => {
    for (const from of ['OpenSent', 'OpenConfirm', 'Established'] as const) {
      const t = transition(stateIn(from), { type: 'SendHoldTimerExpires' }, config, 0);
      expect(t.state.name).toBe('Idle');
      expect(t.actions[0]).toEqual(sent(8, 0));
      expect(types(t.actions)).toContain('drop-connection');
      // Dropped like any error: the automatic restart follows, damped.
      expect(types(t.actions)).toContain('start-timer:IdleHold');
    }
  });

  it('errors are sent as the NOTIFICATION the codec named', () => {
    const t = transition(stateIn('Established'), { type: 'UpdateMsgErr', error: err }, config, 0);
    expect(t.actions[0]).toEqual(sent(3, 1, err.data));
  });

  it('a decode error becomes the event of its message kind (RFC 4271 8.1.2)', () => {
    expect(eventForError(headerError(2, 'length 5')).type).toBe('BgpHeaderErr');
    expect(eventForError(openError(2, 'bad peer AS')).type).toBe('BgpOpenMsgErr');
    expect(eventForError(updateError(11, 'bad AS_PATH')).type).toBe('UpdateMsgErr');
    expect(eventForError(routeRefreshError(1, 'BoRR of 25 octets')).type).toBe('UpdateMsgErr');
  });

  it("a collision won by the peer's connection carries on in OpenSent, waiting for its OPEN with the large hold time", () => {
    for (const from of ['OpenSent', 'OpenConfirm'] as const) {
      const t = transition(stateIn(from), { type: 'OpenCollisionSwitch' }, config, 0);
      expect(t.state).toMatchObject({ name: 'OpenSent', holdTime: 0 });
      expect(t.actions).toEqual([
        { type: 'stop-timer', timer: 'Keepalive' },
        { type: 'start-timer', timer: 'Hold', seconds: 240 },
      ]);
    }
  });

  it('unexpected messages are FSM errors with the RFC 6608 subcode of the state', () => {
    expect(transition(stateIn('OpenSent'), { type: 'UpdateMsg' }, config, 0).actions[0]).toEqual(sent(5, 1));
    expect(transition(stateIn('OpenConfirm'), { type: 'UpdateMsg' }, config, 0).actions[0]).toEqual(sent(5, 2));
    expect(transition(stateIn('Established'), { type: 'BgpOpen', holdTime: 90 }, config, 0).actions[0]).toEqual(sent(5, 3));
  });

  it('a manual stop sends Cease / Administrative Shutdown with the operator message, and does not restart', () => {
    const t = transition(stateIn('Established'), { type: 'ManualStop', notification: cease(2, 'maintenance') }, config, 0);
    expect(t.actions[0]).toEqual({ type: 'send-notification', message: cease(2, 'maintenance') });
    expect(types(t.actions)).toContain('stop-timer:IdleHold');
    expect(types(t.actions)).not.toContain('start-timer:IdleHold');
  });

  it('collision loser sends Cease / Connection Collision Resolution', () => {
    const t = transition(stateIn('OpenConfirm'), { type: 'OpenCollisionDump' }, config, 0);
    expect(t.actions[0]).toEqual(sent(6, 7));
  });

  it('a flapping peer waits longer each time, up to the maximum', () => {
    let s = stateIn('OpenSent');
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = transition({ ...s, name: 'OpenSent' }, { type: 'NotifMsg' }, config, 0);
      const idle = t.actions.find((a) => a.type === 'start-timer' && a.timer === 'IdleHold');
      waits.push(idle && idle.type === 'start-timer' ? idle.seconds : -1);
      s = t.state;
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 120, 120, 120]);
    expect(s.connectRetryCounter).toBe(10);
  });

  it('a session that stayed up resets the damping', () => {
    const s: FsmState = { ...stateIn('Established'), idleHoldTime: 64, establishedAt: 0 };
    const quick = transition(s, { type: 'NotifMsg' }, config, 10_000);
    const idleOf = (a: readonly FsmAction[]) => a.find((x) => x.type === 'start-timer' && x.timer === 'IdleHold');
    expect(idleOf(quick.actions)).toEqual({ type: 'start-timer', timer: 'IdleHold', seconds: 64 });
    const stable = transition(s, { type: 'NotifMsg' }, config, 61_000);
    expect(idleOf(stable.actions)).toEqual({ type: 'start-timer', timer: 'IdleHold', seconds: 1 });
  });

  it('a peer that closes the session on purpose (administrative Cease) is not damped: its restarts come back at once', () => {
    let s: FsmState = { ...stateIn('Established'), idleHoldTime: 1, establishedAt: 0 };
    const idleOf = (a: readonly FsmAction[]) => a.find((x) => x.type === 'start-timer' && x.timer === 'IdleHold');
    for (const subcode of [2, 4, 2, 9, 3, 6, 2, 2]) {
      const t = transition({ ...s, name: 'Established', establishedAt: 0 }, { type: 'NotifMsg', code: 6, subcode }, config, 5_000);
      expect(idleOf(t.actions), `Cease subcode ${subcode}`).toEqual({ type: 'start-timer', timer: 'IdleHold', seconds: 1 });
      s = t.state;
    }
    expect(s.idleHoldTime).toBe(1);
    // An error Cease (out of resources) or any other NOTIFICATION still counts.
    const t = transition({ ...s, name: 'Established', establishedAt: 0 }, { type: 'NotifMsg', code: 6, subcode: 8 }, config, 5_000);
    expect(t.state.idleHoldTime).toBe(2);
    const hold = transition({ ...t.state, name: 'Established', establishedAt: 0 }, { type: 'NotifMsg', code: 4, subcode: 0 }, config, 5_000);
    expect(idleOf(hold.actions)).toEqual({ type: 'start-timer', timer: 'IdleHold', seconds: 2 });
    expect(hold.state.idleHoldTime).toBe(4);
  });

  it('a stop sends Administrative Shutdown, the Cease it is given (Hard Reset), or nothing for a graceful restart', () => {
    const plain = transition(stateIn('Established'), { type: 'ManualStop', notification: cease(2, 'bye') }, config, 0);
    expect(plain.actions[0]).toEqual({ type: 'send-notification', message: { ...notification(6, 2, Uint8Array.of(3, 0x62, 0x79, 0x65)), shutdownMessage: 'bye' } });
    // RFC 8538 3: Hard Reset's data is the Cease it stands for: subcode 2, then that Cease's data.
    const hard = transition(stateIn('Established'), { type: 'ManualStop', notification: hardReset(2, 'bye') }, config, 0);
    expect(hard.actions[0]).toEqual(sent(6, 9, Uint8Array.of(2, 3, 0x62, 0x79, 0x65)));
    const silent = transition(stateIn('Established'), { type: 'ManualStop', notification: null }, config, 0);
    expect(types(silent.actions)).not.toContain('send-notification');
    for (const t of [plain, hard, silent]) {
      expect(t.state.name).toBe('Idle');
      expect(types(t.actions)).toEqual(expect.arrayContaining(['drop-connection', 'session-down']));
    }
  });

  it('IdleHold expiry restarts the session', () => {
    const t = transition(initialState(config), { type: 'IdleHoldTimerExpires' }, config, 0);
    expect(t.state.name).toBe('Connect');
    expect(types(t.actions)).toContain('connect');
  });

  it('a failed connect keeps retrying from Active', () => {
    const t = transition(stateIn('Connect'), { type: 'TcpConnectionFails' }, config, 0);
    expect(t.state.name).toBe('Active');
    const again = transition(t.state, { type: 'ConnectRetryTimerExpires' }, config, 0);
    expect(again.state.name).toBe('Connect');
    expect(types(again.actions)).toContain('connect');
  });
});
