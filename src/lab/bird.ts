/**
 * Talking to a BIRD that runs: birdc commands over its control socket, `show protocols` parsed,
 * waiting for BGP sessions to be Established, and `bird -p` to check a config before using it.
 * Starting and stopping BIRD inside the lab is Lab.startBird() (lab.ts); writing its config is
 * bird-config.ts and speaker-config.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabProcess } from './process.js';
import { run, waitFor } from './run.js';

/** A BIRD daemon the lab runs: `ip netns exec NS bird -f -c CONF -s SOCK -P PID`. */
export interface Bird {
  readonly name: string;
  readonly ns: string;
  readonly dir: string;
  readonly configPath: string;
  readonly socket: string;
  /** The current process; restartBird() replaces it. */
  process: LabProcess;
}

/** Runs one birdc command against a control socket and returns its output without the banner. */
export async function birdc(socket: string, command: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  const { stdout } = await run('birdc', ['-s', socket, ...command.split(/\s+/).filter((w) => w !== '')], {
    timeoutMs: opts.timeoutMs ?? 5_000,
  });
  return stdout.replace(/^BIRD [^\n]* ready\.\n/, '');
}

export interface BirdProtocol {
  readonly name: string;
  /** BGP, Kernel, Device, Static, ... */
  readonly proto: string;
  /** up, start, down, ... */
  readonly state: string;
  /** For BGP the session state first: "Established", "Active  Socket: Connection refused", ... */
  readonly info: string;
}

/** `show protocols`, parsed. */
export async function birdProtocols(socket: string): Promise<BirdProtocol[]> {
  const text = await birdc(socket, 'show protocols');
  return text
    .split('\n')
    .slice(1) // column headers
    .filter((line) => line.trim() !== '')
    .map((line) => {
      // Name Proto Table State Since Info; Since is one word in BIRD's default time format.
      const [name = '', proto = '', , state = '', , ...info] = line.trim().split(/\s+/);
      return { name, proto, state, info: info.join(' ') };
    });
}

/** Waits until every named BGP protocol of that BIRD is Established. */
export async function waitForEstablished(
  socket: string,
  names: readonly string[],
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  await waitFor(() => birdProtocols(socket), {
    what: `BGP sessions ${names.join(', ')} to be Established in ${socket}`,
    timeoutMs: opts.timeoutMs ?? 15_000,
    until: (protocols) =>
      names.every((n) => protocols.find((p) => p.name === n)?.info.startsWith('Established') === true),
  });
}

/** Parses a config with `bird -p` and throws BIRD's message when it does not. */
export async function checkBirdConfig(configText: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ann-birdcheck-'));
  try {
    const path = join(dir, 'bird.conf');
    writeFileSync(path, configText);
    await run('bird', ['-p', '-c', path]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
