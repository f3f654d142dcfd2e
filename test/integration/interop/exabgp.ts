/**
 * ExaBGP as an interop receiver: Debian's exabgp (4.2) in the router's namespace, in the
 * foreground, with a config and an environment of its own in the lab dir (nothing read from
 * /etc/exabgp or written to /run). ExaBGP keeps no RIB it can show, so its API process
 * (exabgp-recorder.py) records the JSON of every UPDATE and neighbor change it receives, and
 * paths() replays that record. The same process passes commands on to ExaBGP (route refresh).
 */
import { constants } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeExtendedCommunity, formatExtendedCommunity } from '../../../src/codec/ext-community.js';
import { hostPrefix, run, waitFor, type Lab, type LabProcess } from '../lab.js';
import type { HeldPath, Receiver, ReceiverSession, ReceiverSetup } from './receiver.js';

const EXABGP = '/usr/sbin/exabgp';
const RECORDER = fileURLToPath(new URL('./exabgp-recorder.py', import.meta.url));
const START_MARK = 'recorder-start';

const isIpv6 = (address: string): boolean => isIP(address) === 6;

/** The parts of ExaBGP 4.2's JSON (api.encoder json, not compact) that replay() reads. */
interface ExaNlri {
  nlri: string;
  'path-information'?: string;
}
interface ExaMessage {
  type?: string;
  neighbor?: {
    address?: { peer?: string };
    state?: string;
    message?: {
      update?: {
        attribute?: { 'as-path'?: number[]; 'extended-community'?: { value?: number; string?: string }[] };
        announce?: Record<string, Record<string, (ExaNlri | string)[]>>;
        withdraw?: Record<string, (ExaNlri | string)[]>;
      };
    };
  };
}

function exabgpConfig(lab: Lab, setup: ReceiverSetup, record: string, commands: string): string {
  const lines = ['process recorder {', `    run /usr/bin/python3 ${RECORDER} ${record} ${commands};`, '    encoder json;', '}', ''];
  for (const s of setup.sessions) {
    lines.push(
      `neighbor ${s.address} {`,
      `    description "${s.name}";`,
      `    router-id ${setup.routerId};`,
      `    local-address ${isIpv6(s.address) ? lab.router.ipv6 : lab.router.ipv4};`,
      `    local-as ${setup.asn};`,
      `    peer-as ${s.asn};`,
      '    hold-time 9;',
      '    family { ipv4 unicast; ipv6 unicast; }',
      '    capability {',
      ...(s.addPath === false ? [] : ['        add-path receive;']),
      '        route-refresh enable;',
      '        extended-message enable;',
      '    }',
      '    api {',
      '        processes [ recorder ];',
      '        neighbor-changes;',
      '        receive { parsed; update; }',
      '    }',
      '}',
      '',
    );
  }
  return lines.join('\n');
}

/**
 * The paths held for `prefix` after replaying the record: per neighbor and path id, the last
 * announce wins and a withdraw removes; a neighbor going down (or a new ExaBGP run) drops its paths.
 */
export function replay(record: string, prefix: string): HeldPath[] {
  const want = hostPrefix(prefix);
  const byNeighbor = new Map<string, Map<string, HeldPath>>();
  const table = (peer: string): Map<string, HeldPath> => {
    let t = byNeighbor.get(peer);
    if (t === undefined) byNeighbor.set(peer, (t = new Map()));
    return t;
  };
  const key = (family: string, n: ExaNlri | string): [string, string] => {
    const nlri = typeof n === 'string' ? n : n.nlri;
    const id = typeof n === 'string' ? '' : (n['path-information'] ?? '');
    return [nlri, `${family} ${nlri} ${id}`];
  };
  for (const line of record.split('\n')) {
    if (!line.startsWith('{')) continue;
    let msg: ExaMessage;
    try {
      msg = JSON.parse(line) as ExaMessage;
    } catch {
      continue; // the line still being written
    }
    if (msg.type === START_MARK) {
      byNeighbor.clear();
      continue;
    }
    const peer = msg.neighbor?.address?.peer;
    if (peer === undefined) continue;
    if (msg.type === 'state') {
      if (msg.neighbor?.state === 'down' || msg.neighbor?.state === 'up') byNeighbor.delete(peer);
      continue;
    }
    const update = msg.type === 'update' ? msg.neighbor?.message?.update : undefined;
    if (update === undefined) continue;
    const t = table(peer);
    for (const [family, nlris] of Object.entries(update.withdraw ?? {})) {
      for (const n of nlris) t.delete(key(family, n)[1]);
    }
    const asPath = update.attribute?.['as-path'] ?? [];
    // Its text shows an origin's local part as an address ("origin:65000:0.0.0.7"): read its octets,
    // `value` (8 octets as one number, exact below 2^53, as route targets and origins of a 2-octet AS are).
    const extended = (update.attribute?.['extended-community'] ?? []).map(exabgpExtended).sort();
    for (const [family, byHop] of Object.entries(update.announce ?? {})) {
      for (const [nextHop, nlris] of Object.entries(byHop)) {
        for (const n of nlris) {
          const [nlri, k] = key(family, n);
          if (nlri === want) t.set(k, { nextHop, asPath, extended });
        }
      }
    }
  }
  return [...byNeighbor.values()].flatMap((t) => [...t.values()]).sort((a, b) => (a.nextHop < b.nextHop ? -1 : a.nextHop > b.nextHop ? 1 : 0));
}

/** One of ExaBGP's extended communities in our text, from its octets where its number holds them exactly. */
function exabgpExtended(c: { value?: number; string?: string }): string {
  if (c.value === undefined || !Number.isSafeInteger(c.value)) return c.string ?? JSON.stringify(c);
  const octets = new Uint8Array(8);
  new DataView(octets.buffer).setBigUint64(0, BigInt(c.value));
  return formatExtendedCommunity(decodeExtendedCommunity(octets));
}

/** The environment ExaBGP reads its settings from (`exabgp --fe` lists them), instead of /etc/exabgp/exabgp.env. */
function exabgpEnv(lab: Lab): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    'exabgp.daemon.user': 'root',
    'exabgp.daemon.daemonize': 'false',
    'exabgp.daemon.pid': '',
    'exabgp.log.destination': 'stdout',
    'exabgp.log.level': 'INFO',
    // No ack line after each command we pass on, and no CLI named pipes (they live in /run).
    'exabgp.api.ack': 'false',
    'exabgp.api.cli': 'false',
    // A process it reports to is never respawned behind our back: a dead recorder is an error.
    'exabgp.api.respawn': 'false',
    'exabgp.tcp.bind': `${lab.router.ipv4} ${lab.router.ipv6}`,
    'exabgp.tcp.port': '179',
  };
}

export const exabgpReceiver: Receiver = {
  id: 'exabgp',
  name: 'ExaBGP',
  kernel: false,
  extendedMessage: true,
  ipv6OverIpv4: true,
  routeRefresh: true,
  // ExaBGP 4.2 cannot parse an RFC 8203 shutdown communication (a TypeError in its NOTIFICATION
  // parser): it answers a Cease that carries one with a NOTIFICATION (1,0) of its own.
  daemonPeerOptions: { shutdownMessage: false },
  async version() {
    const { stdout } = await run(EXABGP, ['--version']);
    return /ExaBGP\s*:\s*(\S+)/.exec(stdout)?.[1] ?? stdout.trim().split('\n')[0]!;
  },
  async start(lab, setup) {
    const dir = lab.dir;
    const config = join(dir, 'exabgp.conf');
    const envFile = join(dir, 'exabgp.env'); // empty: every setting comes from exabgpEnv()
    const record = join(dir, 'exabgp-received.jsonl');
    const commands = join(dir, 'exabgp-commands');
    await writeFile(config, exabgpConfig(lab, setup, record, commands));
    await writeFile(envFile, '');
    await writeFile(record, '');
    await run('mkfifo', ['-m', '600', commands]);
    let proc: LabProcess | undefined;
    const outputs: LabProcess[] = [];
    const readRecord = (): Promise<string> => readFile(record, 'utf8');
    const launch = async (): Promise<void> => {
      const runs = (await readRecord()).split(`"type": "${START_MARK}"`).length;
      const p = lab.spawn(lab.router.ns, EXABGP, ['--env', envFile, config], { name: 'exabgp', env: exabgpEnv(lab) });
      proc = p;
      outputs.push(p);
      const died = new AbortController();
      void p.exited.then((s) => died.abort(new Error(`exabgp exited (code ${s.code}, signal ${s.signal})`)));
      // ExaBGP listens, then starts its processes: a new start mark means it is up.
      try {
        await waitFor(readRecord, {
          what: 'exabgp to start its recorder',
          until: (text) => text.split(`"type": "${START_MARK}"`).length > runs,
          timeoutMs: 15_000,
          intervalMs: 50,
          signal: died.signal,
        });
      } catch (e) {
        await p.stop({ graceMs: 1_000 });
        throw new Error(`${e instanceof Error ? e.message : String(e)}; its output:\n${p.tail()}`);
      }
    };
    await launch();
    return {
      async paths(prefix) {
        return replay(await readRecord(), prefix);
      },
      async restart() {
        await proc?.stop({ graceMs: 5_000 });
        await launch();
      },
      async refreshIn(session: ReceiverSession) {
        const family = isIpv6(session.address) ? 'ipv6' : 'ipv4';
        // Non-blocking: with no reader (the recorder gone) this fails instead of hanging.
        const fifo = await open(commands, constants.O_WRONLY | constants.O_NONBLOCK);
        try {
          await fifo.write(`neighbor ${session.address} announce route-refresh ${family} unicast\n`);
        } finally {
          await fifo.close();
        }
      },
      async dump() {
        const lines = (await readRecord()).trimEnd().split('\n');
        const said = outputs.map((p, i) => `exabgp run ${i + 1}:\n${p.tail(40)}`).join('\n');
        return `last of what it reported:\n${lines.slice(-30).join('\n')}\n${said}`;
      },
    };
  },
};
