// A command: pass when it exits with status 0. No shell unless the check asks for one, so a path's
// values are arguments, never shell syntax. The first line it prints (stderr first, where scripts
// say what went wrong) goes into the detail.
//
// The command runs in a process group of its own: a timeout or stop kills the whole group, so a
// shell's children die with it instead of holding the output pipes (and the probe) open.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Clock, TimerHandle } from '../clock.js';
import type { ExecProbeSpec } from './spec.js';
import { ABORTED, clip, type ProbeResult } from './prober.js';

/** What is kept of each of stdout and stderr (only their first line is shown). */
const OUTPUT_MAX = 4096;
/** After the command exits, how long its last output may take to arrive (a child may hold the pipes). */
const OUTPUT_GRACE_MS = 100;
/** After SIGKILL, how long to wait for the exit before letting go anyway (a process stuck in the kernel). */
const KILL_WAIT_MS = 1000;

export function probeExec(p: ExecProbeSpec, signal: AbortSignal, clock: Clock): Promise<ProbeResult> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  const [file, args] = p.shell ? ['/bin/sh', ['-c', p.command.join(' ')]] : [p.command[0] ?? '', p.command.slice(1)];
  return new Promise((resolve) => {
    let done = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let timer: TimerHandle | null = null;
    const output = { stdout: '', stderr: '' };
    let child: ChildProcess;

    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      timer?.cancel();
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(r);
    };
    const onAbort = (): void => {
      killGroup(child);
      // Settled when it is gone, so the monitor's bound on running probes counts real processes.
      if (exited) finish(ABORTED);
      else {
        timer?.cancel();
        timer = clock.after(KILL_WAIT_MS, () => finish(ABORTED));
      }
    };

    try {
      child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      resolve({ ok: false, detail: clip(`cannot run ${file}: ${e instanceof Error ? e.message : String(e)}`) });
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = child[name]!;
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        if (output[name].length < OUTPUT_MAX) output[name] += chunk.slice(0, OUTPUT_MAX - output[name].length);
      });
      stream.on('error', () => {});
    }
    const result = (): ProbeResult => {
      const { code, signal: sig } = exited!;
      const line = firstLine(output.stderr) ?? firstLine(output.stdout);
      const what = sig !== null ? `killed by ${sig}` : `exit status ${code ?? '?'}`;
      return { ok: code === 0, detail: clip(line === undefined ? what : `${what}: ${line}`) };
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
      finish({ ok: false, detail: clip(`cannot run ${file}: ${why}`) });
    });
    child.on('exit', (code, sig) => {
      exited = { code, signal: sig };
      if (signal.aborted) return finish(ABORTED);
      timer = clock.after(OUTPUT_GRACE_MS, () => finish(result()));
    });
    child.on('close', () => {
      if (exited && !signal.aborted) finish(result());
    });
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function firstLine(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return line === undefined ? undefined : line.trim();
}
