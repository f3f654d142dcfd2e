/**
 * Backend nodes for the central shape, many on one lab namespace: each backend is an extra address
 * on that namespace's link (so the router sees it directly connected, as BIRD needs of an eBGP next
 * hop) with a TCP listener on it, which is what a `tcp` health check of `{nextHop}:PORT` probes.
 * down(address) closes that address's listener (the check then gets "connection refused" at once),
 * up(address) opens it again. One small node process serves them all, driven over a unix socket in
 * the lab dir, so a hundred backends cost one process, not a hundred namespaces.
 */
import { createConnection } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, type Lab, type LabNode, type LabProcess } from './lab.js';

/**
 * The responder: argv is the control socket, the port, then the addresses. It answers `down A` and
 * `up A` lines on the control socket with `ok A` once the listener is closed or listening, and
 * prints `ready` once every address listens. Accepted connections are closed at once.
 */
const RESPONDER = `
const net = require('node:net');
const fs = require('node:fs');
const [ctl, port, ...addresses] = process.argv.slice(1);
const servers = new Map();
function listen(a) {
  return new Promise((resolve, reject) => {
    const s = net.createServer((c) => c.destroy());
    s.once('error', reject);
    s.listen({ port: Number(port), host: a }, () => { servers.set(a, s); resolve(); });
  });
}
function close(a) {
  const s = servers.get(a);
  servers.delete(a);
  return s === undefined ? Promise.resolve() : new Promise((resolve) => s.close(() => resolve()));
}
async function command(line) {
  const [verb, a] = line.trim().split(/\\s+/);
  if (!addresses.includes(a)) return 'error unknown address ' + a;
  if (verb === 'down') await close(a);
  else if (verb === 'up') { if (!servers.has(a)) await listen(a); }
  else return 'error unknown command ' + verb;
  return 'ok ' + a;
}
Promise.all(addresses.map(listen)).then(() => {
  try { fs.unlinkSync(ctl); } catch {}
  net.createServer((c) => {
    let buf = '';
    c.setEncoding('utf8');
    c.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        command(line).then((r) => c.write(r + '\\n'), (e) => c.write('error ' + e.message + '\\n'));
      }
    });
    c.on('error', () => {});
  }).listen(ctl, () => console.log('ready'));
}, (e) => { console.error(String(e)); process.exit(1); });
`;

export class Backends {
  private constructor(
    readonly addresses: readonly string[],
    readonly port: number,
    readonly process: LabProcess,
    private readonly control: string,
  ) {}

  /**
   * Adds `addresses` (on the lab's /24) to `node`'s link and starts the responder there. The
   * addresses must not be the router's or another node's.
   */
  static async start(lab: Lab, node: LabNode, addresses: readonly string[], port: number): Promise<Backends> {
    // One `ip -batch` for all of them: a hundred `ip netns exec` calls would take a second.
    const batch = join(lab.dir, `backends-${node.ns}.ip`);
    writeFileSync(batch, addresses.map((a) => `addr add ${a}/24 dev ${node.ifname}\n`).join(''));
    await lab.exec(node.ns, 'ip', ['-batch', batch]);
    const control = join(lab.dir, `backends-${node.ns}.sock`);
    const proc = lab.spawn(node.ns, process.execPath, ['-e', RESPONDER, control, String(port), ...addresses], { name: `backends@${node.ns}` });
    await waitFor(() => proc.output(), {
      what: `the backends' listeners in ${node.ns}`,
      until: (out) => {
        if (!proc.running) throw new Error(`the responder exited: ${out}`);
        return out.includes('ready');
      },
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    return new Backends(addresses, port, proc, control);
  }

  /** Closes the address's listener: a TCP check of it now fails with "connection refused". */
  down(address: string): Promise<void> {
    return this.#send(`down ${address}`);
  }

  /** Listens on the address again. */
  up(address: string): Promise<void> {
    return this.#send(`up ${address}`);
  }

  #send(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const c = createConnection(this.control);
      let reply = '';
      c.setEncoding('utf8');
      c.on('connect', () => c.write(`${line}\n`));
      c.on('data', (d: string) => {
        reply += d;
        if (!reply.includes('\n')) return;
        c.destroy();
        if (reply.startsWith('ok ')) resolve();
        else reject(new Error(`backends: ${line}: ${reply.trim()}`));
      });
      c.on('error', reject);
    });
  }
}
