// The root logger: JSON lines for machines, pino-pretty's readable lines for a person.

import { describe, expect, it } from 'vitest';
import { createLogger, isPretty } from '../src/log.js';

function sink(isTTY?: boolean): { lines: string[]; write(s: string): void; isTTY?: boolean } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s), ...(isTTY === undefined ? {} : { isTTY }) };
}

describe('createLogger', () => {
  it('writes one JSON object a line by default (a file, a pipe, a log collector)', () => {
    const out = sink();
    createLogger('info', out).child({ peer: 'router1' }).info({ state: 'Established' }, 'session established');
    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: 30, name: 'announcer', peer: 'router1', state: 'Established', msg: 'session established' });
  });

  it('writes readable lines with pino-pretty when asked (logFormat: pretty), with every field', () => {
    const out = sink(false);
    createLogger('info', out, 'pretty').child({ peer: 'router1' }).warn({ state: 'Idle' }, 'session down');
    expect(out.lines).toHaveLength(1);
    const line = out.lines[0]!;
    expect(line).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] WARN \(announcer\): session down\n/);
    expect(line).toContain('peer: "router1"');
    expect(line).toContain('state: "Idle"');
    // Not colored: the destination is no terminal.
    expect(line).not.toContain('\u001b[');
  });

  it('auto: pretty (and colored) on a terminal, JSON elsewhere; json stays JSON on a terminal', () => {
    expect(isPretty('auto', sink(true))).toBe(true);
    expect(isPretty('auto', sink(false))).toBe(false);
    expect(isPretty('json', sink(true))).toBe(false);
    const tty = sink(true);
    createLogger('info', tty).info('hello');
    expect(tty.lines[0]).toContain('\u001b[');
    expect(tty.lines[0]).toContain('hello');
    const json = sink(true);
    createLogger('info', json, 'json').info('hello');
    expect(JSON.parse(json.lines[0]!)).toMatchObject({ msg: 'hello' });
  });
});
