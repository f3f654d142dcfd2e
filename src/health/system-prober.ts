// The real prober: HTTP(S), TCP and commands, each in its own file.

import { readFile } from 'node:fs/promises';
import { systemClock, type Clock } from '../clock.js';
import type { ExpandedProbe } from './expand.js';
import { probeExec } from './probe-exec.js';
import { probeHttp } from './probe-http.js';
import { probeTcp } from './probe-tcp.js';
import type { Prober, ProbeResult } from './prober.js';

export class SystemProber implements Prober {
  /** CA files, read once each (a failed read is tried again on the next probe). */
  private readonly cas = new Map<string, Promise<Buffer>>();

  /** `clock`: for the short waits on a command's last output and its death. */
  constructor(private readonly clock: Clock = systemClock) {}

  async probe(target: ExpandedProbe, signal: AbortSignal): Promise<ProbeResult> {
    switch (target.kind) {
      case 'http': {
        if (target.ca === undefined || !target.url.startsWith('https:')) return probeHttp(target, signal);
        let ca: Buffer;
        try {
          ca = await this.readCa(target.ca);
        } catch (e) {
          return { ok: false, detail: `CA file ${target.ca}: ${fileReason(e)}` };
        }
        return probeHttp(target, signal, ca);
      }
      case 'tcp':
        return probeTcp(target, signal);
      case 'exec':
        return probeExec(target, signal, this.clock);
    }
  }

  private readCa(path: string): Promise<Buffer> {
    let ca = this.cas.get(path);
    if (!ca) {
      ca = readFile(path);
      this.cas.set(path, ca);
      ca.catch(() => this.cas.delete(path));
    }
    return ca;
  }
}

function fileReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}
