// examples/kubernetes: every manifest parses, and the pieces fit together (the config the daemon
// reads is the ConfigMap's, with ${NODE_IP} from the pod's environment; the socket both containers use is on one shared emptyDir;
// the probes ask the gRPC health service over that socket; the BFD process runs in a DaemonSet of
// its own, on the same config, with its socket on a hostPath both DaemonSets mount).

import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseDesiredSet } from '../../examples/controller/desired-set.js';
import { loadConfig, parseConfig, type Config } from '../../src/config.js';

const DIR = fileURLToPath(new URL('../../examples/kubernetes/', import.meta.url));

/** Manifests are untyped documents. */
type Doc = Record<string, any>;

async function manifests(): Promise<Map<string, Doc[]>> {
  const out = new Map<string, Doc[]>();
  for (const name of (await readdir(DIR)).filter((f) => f.endsWith('.yaml')).sort()) {
    const docs = parseAllDocuments(await readFile(join(DIR, name), 'utf8'));
    out.set(
      name,
      docs.map((d) => {
        expect(d.errors, name).toEqual([]);
        return d.toJS() as Doc;
      }),
    );
  }
  return out;
}

async function all(): Promise<Doc[]> {
  return [...(await manifests()).values()].flat();
}

function find(docs: Doc[], kind: string, name: string): Doc {
  const d = docs.find((x) => x['kind'] === kind && x['metadata']?.name === name);
  if (!d) throw new Error(`no ${kind} ${name}`);
  return d;
}

function container(pod: Doc, name: string): Doc {
  const c = [...(pod['initContainers'] ?? []), ...pod['containers']].find((x: Doc) => x['name'] === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
}

function mountOf(c: Doc, volume: string): Doc | undefined {
  return (c['volumeMounts'] as Doc[]).find((m) => m['name'] === volume);
}

function volume(pod: Doc, name: string): Doc {
  return (pod['volumes'] as Doc[]).find((v) => v['name'] === name)!;
}

describe('examples/kubernetes', () => {
  it('every file parses; kustomization lists every manifest; every object has a kind and a name', async () => {
    const files = await manifests();
    expect([...files.keys()]).toEqual(['bfd-daemonset.yaml', 'configmap.yaml', 'daemonset.yaml', 'kustomization.yaml', 'namespace.yaml', 'serviceaccount.yaml']);
    const kustomization = files.get('kustomization.yaml')![0]!;
    expect([...kustomization['resources']].sort()).toEqual([...files.keys()].filter((f) => f !== 'kustomization.yaml'));
    const kinds = (await all()).filter((d) => d['kind'] !== 'Kustomization').map((d) => `${d['kind']}/${d['metadata'].name}`);
    expect(kinds.sort()).toEqual([
      'ClusterRole/announcer-lb-controller',
      'ClusterRoleBinding/announcer-lb-controller',
      'ConfigMap/announcer-config',
      'ConfigMap/lb-desired',
      'DaemonSet/announcer',
      'DaemonSet/announcer-bfd',
      'Namespace/announcer',
      'ServiceAccount/announcer',
    ]);
    for (const d of await all()) if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'Kustomization'].includes(d['kind'])) expect(d['metadata'].namespace).toBe('announcer');
  });

  it('a DaemonSet on the host network with two containers, a ServiceAccount and resource requests', async () => {
    const docs = await all();
    const ds = find(docs, 'DaemonSet', 'announcer');
    const pod = ds['spec'].template.spec;
    expect(ds['spec'].selector.matchLabels).toEqual(ds['spec'].template.metadata.labels);
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.serviceAccountName).toBe(find(docs, 'ServiceAccount', 'announcer')['metadata'].name);
    expect(pod.containers.map((c: Doc) => c['name'])).toEqual(['announcer', 'controller']);
    for (const c of [...pod.containers, ...pod.initContainers]) {
      expect(c['resources'].requests, c['name']).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c['securityContext'].allowPrivilegeEscalation, c['name']).toBe(false);
      expect(c['securityContext'].capabilities.drop, c['name']).toEqual(['ALL']);
    }
    // No listener on 179 in the config, so no capability at all for the daemon.
    expect(container(pod, 'announcer')['securityContext'].capabilities.add).toBeUndefined();
    const binding = find(docs, 'ClusterRoleBinding', 'announcer-lb-controller');
    expect(binding['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'announcer', namespace: 'announcer' }]);
    // The LB controller's role reads; it never writes.
    for (const rule of find(docs, 'ClusterRole', 'announcer-lb-controller')['rules']) expect(rule.verbs).toEqual(['get', 'list', 'watch']);
  });

  it("the daemon reads the ConfigMap key as it is, with the node's address from its environment", async () => {
    const docs = await all();
    const pod = find(docs, 'DaemonSet', 'announcer')['spec'].template.spec;
    const daemon = container(pod, 'announcer');
    expect(daemon['command']).toEqual(['announcer', 'daemon', '--config', '/etc/announcer/announcer.yaml']);
    // ConfigMap key -> `config` volume -> /etc/announcer; no init container renders it.
    expect(volume(pod, 'config')['configMap']).toEqual({ name: 'announcer-config', items: [{ key: 'announcer.yaml', path: 'announcer.yaml' }] });
    expect(mountOf(daemon, 'config')).toEqual({ name: 'config', mountPath: '/etc/announcer', readOnly: true });
    for (const c of pod.initContainers) expect(c['volumeMounts'].map((m: Doc) => m['name']), c['name']).not.toContain('config');
    expect(daemon['env']).toEqual([{ name: 'NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }]);

    // The real config loader on the ConfigMap's text, with the environment the pod gives it.
    const text: string = find(docs, 'ConfigMap', 'announcer-config')['data']['announcer.yaml'];
    expect(text).toContain('routerId: ${NODE_IP}');
    const tmp = await mkdtemp(join(tmpdir(), 'announcer-k8s-'));
    try {
      const file = join(tmp, 'announcer.yaml');
      await writeFile(file, text);
      const config = await loadConfig(file, { NODE_IP: '198.51.100.11' });
      expect(config).toMatchObject({ routerId: '198.51.100.11', nextHop: 'self', stateFile: '/var/lib/announcer/state.json' });
      expect(config.api).toMatchObject({ kind: 'unix', socket: '/run/announcer/announcer.sock' });
      expect(config.listen).toBeUndefined();
      expect(config.peers).toEqual([expect.objectContaining({ address: '198.51.100.1', asn: 65001, addPath: 'off', passive: false })]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('the API socket is on one emptyDir both containers mount; the state file on a hostPath', async () => {
    const docs = await all();
    const pod = find(docs, 'DaemonSet', 'announcer')['spec'].template.spec;
    expect(volume(pod, 'api-socket')['emptyDir']).toBeDefined();
    for (const name of ['announcer', 'controller']) expect(mountOf(container(pod, name), 'api-socket')!['mountPath']).toBe('/run/announcer');
    expect(container(pod, 'controller')['command']).toContain('--api=unix:/run/announcer/announcer.sock');
    expect(volume(pod, 'state')['hostPath']).toEqual({ path: '/var/lib/announcer', type: 'DirectoryOrCreate' });
    expect(mountOf(container(pod, 'announcer'), 'state')!['mountPath']).toBe('/var/lib/announcer');
    // The controller's file is the lb-desired ConfigMap, mounted as a directory (updates arrive).
    const controller = container(pod, 'controller');
    // The image has no dev dependencies, so no tsx: the controller runs compiled (the image test below runs it).
    expect(controller['command'].slice(0, 2)).toEqual(['node', 'examples/controller/dist/main.js']);
    expect(controller['workingDir']).toBe('/opt/announcer');
    expect(controller['command']).toContain('--file=/etc/lb/desired.yaml');
    expect(mountOf(controller, 'desired')).toEqual({ name: 'desired', mountPath: '/etc/lb', readOnly: true });
    expect(volume(pod, 'desired')['configMap']).toEqual({ name: 'lb-desired' });
    const desired = parseDesiredSet(find(docs, 'ConfigMap', 'lb-desired')['data']['desired.yaml']);
    expect(desired.paths).toEqual([{ prefix: '203.0.113.10', communities: ['65000:100'] }, { prefix: '203.0.113.11' }]);
  });

  it('startup, liveness and readiness ask the gRPC health service over the socket with `announcer health`', async () => {
    const pod = find(await all(), 'DaemonSet', 'announcer')['spec'].template.spec;
    const daemon = container(pod, 'announcer');
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      const command: string[] = daemon[probe].exec.command;
      expect(command.slice(0, 4), probe).toEqual(['announcer', '--api', 'unix:/run/announcer/announcer.sock', 'health']);
      // The CLI's own deadline ends before the kubelet's.
      const timeout = Number(command[command.indexOf('--timeout') + 1]);
      expect(timeout, probe).toBeGreaterThan(0);
      expect(daemon[probe].timeoutSeconds, probe).toBeGreaterThan(timeout);
    }
    const readiness: string[] = daemon['readinessProbe'].exec.command;
    expect(readiness[readiness.indexOf('--service') + 1]).toBe('announcer.v1.Announcer');
    // The probe is the image's own `announcer` command: nothing else to download.
    const dockerfile = await readFile(join(DIR, 'Dockerfile'), 'utf8');
    expect(dockerfile).not.toContain('grpc_health_probe');
    expect(dockerfile).toMatch(/^RUN npm install -g \. /m);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
  });
});

/** The value the kubelet gives each of a container's environment variables (status.hostIP: this node). */
function envOf(c: Doc): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of (c['env'] ?? []) as Doc[]) {
    if (e['value'] !== undefined) env[e['name']] = e['value'];
    else if (e['valueFrom']?.fieldRef?.fieldPath === 'status.hostIP') env[e['name']] = '198.51.100.11';
    else throw new Error(`${c['name']}: no value for ${e['name']} in this test`);
  }
  return env;
}

/** The ConfigMap's config as `container` reads it: the file its --config names, with its environment. */
function configSeenBy(docs: Doc[], pod: Doc, c: Doc): Config {
  const file: string = c['command'][c['command'].indexOf('--config') + 1];
  const mount = (c['volumeMounts'] as Doc[]).find((m) => file.startsWith(`${m['mountPath']}/`));
  expect(mount, `${c['name']}: ${file} is on a mounted volume`).toBeDefined();
  const source = volume(pod, mount!['name'])['configMap'];
  const item = (source.items as Doc[]).find((i) => `${mount!['mountPath']}/${i['path']}` === file);
  expect(item, `${c['name']}: ${file} is a key of ConfigMap ${source.name}`).toBeDefined();
  return parseConfig(find(docs, 'ConfigMap', source.name)['data'][item!['key']], file, envOf(c));
}

describe('examples/kubernetes: the BFD process in a DaemonSet of its own', () => {
  async function pods(): Promise<{ docs: Doc[]; ds: Doc; bfdDs: Doc; pod: Doc; bfdPod: Doc; daemon: Doc; bfdd: Doc }> {
    const docs = await all();
    const ds = find(docs, 'DaemonSet', 'announcer');
    const bfdDs = find(docs, 'DaemonSet', 'announcer-bfd');
    const pod = ds['spec'].template.spec;
    const bfdPod = bfdDs['spec'].template.spec;
    return { docs, ds, bfdDs, pod, bfdPod, daemon: container(pod, 'announcer'), bfdd: container(bfdPod, 'bfdd') };
  }

  it("runs `announcer bfdd` from the announcer's image on the announcer's config, on the host network, as the same user", async () => {
    const { docs, pod, bfdPod, daemon, bfdd } = await pods();
    expect(bfdd['image']).toBe(daemon['image']);
    expect(bfdd['command']).toEqual(['announcer', 'bfdd', '--config', '/etc/announcer/announcer.yaml']);
    expect(bfdd['command'].at(-1)).toBe(daemon['command'].at(-1));
    expect(volume(bfdPod, 'config')['configMap']).toEqual(volume(pod, 'config')['configMap']);
    // Both read the same file the same way: the same config, the BFD process's socket included.
    expect(configSeenBy(docs, bfdPod, bfdd)).toEqual(configSeenBy(docs, pod, daemon));
    // BFD goes out from the node's address; the socket is 0660 for the user both run as.
    expect(bfdPod.hostNetwork).toBe(true);
    for (const p of [pod, bfdPod]) expect(p.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 });
    expect(bfdPod.automountServiceAccountToken).toBe(false);
    for (const c of [...bfdPod.containers, ...bfdPod.initContainers]) {
      expect(c['resources'].requests, c['name']).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c['securityContext'].allowPrivilegeEscalation, c['name']).toBe(false);
      expect(c['securityContext'].capabilities.drop, c['name']).toEqual(['ALL']);
    }
    expect(bfdd['securityContext'].capabilities.add).toBeUndefined();
    // A throttled BFD process sends late and the router declares the node dead.
    expect(bfdd['resources'].limits?.cpu).toBeUndefined();
  });

  it("the two DaemonSets never pick each other's pods", async () => {
    const { ds, bfdDs } = await pods();
    const matches = (selector: Doc, labels: Doc): boolean => Object.entries(selector['matchLabels']).every(([k, v]) => labels[k] === v);
    expect(matches(bfdDs['spec'].selector, bfdDs['spec'].template.metadata.labels)).toBe(true);
    expect(matches(ds['spec'].selector, bfdDs['spec'].template.metadata.labels)).toBe(false);
    expect(matches(bfdDs['spec'].selector, ds['spec'].template.metadata.labels)).toBe(false);
  });

  it('the socket the config names is on one hostPath both mount; the BFD pod owns it, the announcer only connects', async () => {
    const { docs, pod, bfdPod, daemon, bfdd } = await pods();
    const config = configSeenBy(docs, pod, daemon);
    const dir = config.bfd.socket.slice(0, config.bfd.socket.lastIndexOf('/'));
    const mounted = (p: Doc, c: Doc): { hostPath: Doc; readOnly: boolean } => {
      const m = (c['volumeMounts'] as Doc[]).find((x) => x['mountPath'] === dir);
      expect(m, `${c['name']} mounts ${dir}`).toBeDefined();
      return { hostPath: volume(p, m!['name'])['hostPath'], readOnly: m!['readOnly'] === true };
    };
    const atDaemon = mounted(pod, daemon);
    const atBfdd = mounted(bfdPod, bfdd);
    // The same directory of the node: an emptyDir would be one pod's alone.
    expect(atDaemon.hostPath).toEqual({ path: '/run/announcer-bfd', type: 'DirectoryOrCreate' });
    expect(atBfdd.hostPath).toEqual(atDaemon.hostPath);
    expect(atBfdd.readOnly).toBe(false);
    expect(atDaemon.readOnly).toBe(true);
    // fsGroup does not apply to a hostPath: an init container hands it to the BFD process's user.
    const chown = bfdPod.initContainers.find((c: Doc) => c['command'][0] === 'chown');
    expect(chown['command']).toEqual(['chown', `${bfdPod.securityContext.runAsUser}:${bfdPod.securityContext.runAsGroup}`, dir]);
    expect(mountOf(chown, (bfdd['volumeMounts'] as Doc[]).find((m) => m['mountPath'] === dir)!['name'])!['mountPath']).toBe(dir);
    // Ready once the BFD process listens on that socket.
    expect(bfdd['readinessProbe'].exec.command).toEqual(['test', '-S', config.bfd.socket]);
  });

  it('the config: the announcer waits for that BFD process, with BFD and graceful restart on the router peer', async () => {
    const { docs, pod, daemon } = await pods();
    const config = configSeenBy(docs, pod, daemon);
    // spawn: false, or the announcer would start a BFD process in its own pod, which dies with it.
    expect(config.bfd).toEqual({ socket: '/run/announcer-bfd/bfd.sock', spawn: false });
    // A rolling update (SIGTERM) keeps the node's paths at the router; BFD is held Up as long.
    expect(config.gracefulRestart.onSigterm).toBe('restart');
    const router = config.peers.find((p) => p.name === 'router')!;
    expect(router.bfd).toEqual({ minRx: 300, minTx: 300, multiplier: 3 });
    expect(router.gracefulRestart?.restartTime).toBeGreaterThanOrEqual(60);
    // The router keeps the paths for the restart time: longer than the new pod's startup probe
    // lets it take to come up.
    const startup = daemon['startupProbe'];
    expect(startup.periodSeconds * startup.failureThreshold).toBeLessThan(router.gracefulRestart!.restartTime);
  });

  it('updates go node by node: the announcer moves no traffic, the BFD process (a flap) waits for each node', async () => {
    const { ds, bfdDs, bfdd } = await pods();
    for (const d of [ds, bfdDs]) expect(d['spec'].updateStrategy, d['metadata'].name).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
    // After each node's flap, time for its BGP session to come back before the next node's.
    expect(bfdDs['spec'].minReadySeconds).toBeGreaterThanOrEqual(30);
    // Restarting the BFD process is a flap: no liveness probe that could do it.
    expect(bfdd['livenessProbe']).toBeUndefined();
  });
});

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A Dockerfile's instructions (continuations joined, comments dropped), one list per stage. */
function stages(dockerfile: string): { from: string; instructions: string[] }[] {
  const out: { from: string; instructions: string[] }[] = [];
  const text = dockerfile
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/\s+/g, ' ');
    if (line === '') continue;
    if (line.startsWith('FROM ')) out.push({ from: line.slice(5), instructions: [] });
    else out.at(-1)!.instructions.push(line);
  }
  return out;
}

function exec(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000, ...opts }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('examples/kubernetes/Dockerfile: the image', () => {
  it('builds in one stage and runs from another that gets production dependencies only', async () => {
    const [build, final, ...more] = stages(await readFile(join(DIR, 'Dockerfile'), 'utf8'));
    expect(more).toEqual([]);
    expect(build!.from).toBe('node:20-bookworm AS build');
    expect(final!.from).toMatch(/^node:20-bookworm-slim$/);
    const at = (re: RegExp): number => build!.instructions.findIndex((i) => re.test(i));
    const lastInstall = Math.max(...build!.instructions.map((i, n) => (/^RUN .*\bnpm (ci|install)\b/.test(i) ? n : -1)));
    const prune = at(/^RUN .*\bnpm prune --omit=dev\b/);
    const assemble = at(/^RUN .*\bmkdir -p \/out\b/);
    // Installed with dev dependencies (the compiler, for the build), then pruned, then handed on.
    expect(lastInstall).toBeGreaterThanOrEqual(0);
    expect(prune, 'npm prune --omit=dev after the last install').toBeGreaterThan(lastInstall);
    expect(assemble, '/out assembled after the prune').toBeGreaterThan(prune);
    expect(build!.instructions[assemble]).toMatch(/\bnode_modules\b/);
    expect(at(/^ARG COMMIT=/)).toBeLessThan(assemble);
    // The final stage takes /out and nothing else from the build, and installs nothing: it only links the CLI.
    expect(final!.instructions.filter((i) => i.startsWith('COPY') || i.startsWith('ADD'))).toEqual(['COPY --from=build /out ./']);
    expect(final!.instructions.filter((i) => /\bnpm\b/.test(i))).toEqual([expect.stringMatching(/^RUN npm install -g \. --ignore-scripts( |$)/)]);
    // What the build must not copy from the machine it runs on (the addon and node_modules are built for the image).
    const ignored = (await readFile(join(DIR, 'Dockerfile.dockerignore'), 'utf8')).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'build', 'dist', 'examples/controller/dist', '.git']));
  });

  it('its final stage runs what the manifests run: the daemon with its API, `announcer health`, the BFD process and the controller', async () => {
    for (const built of ['dist/cli/main.js', 'build/Release/sockopt.node']) {
      if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run \`npm ci && npm run build\` first (npm test does)`);
    }
    const [build] = stages(await readFile(join(DIR, 'Dockerfile'), 'utf8'));
    const assemble = build!.instructions.find((i) => /^RUN .*\bmkdir -p \/out\b/.test(i))!.slice(4);
    const tmp = await mkdtemp(join(tmpdir(), 'announcer-image-'));
    let daemon: ReturnType<typeof spawn> | undefined;
    try {
      // The build stage, after `COPY . .` (minus what Dockerfile.dockerignore leaves out) and its RUNs:
      // node_modules and the addon from `npm ci`, dist/ from `npm run build`, the controller compiled.
      const work = join(tmp, 'build');
      const ignored = (await readFile(join(DIR, 'Dockerfile.dockerignore'), 'utf8')).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      cpSync(ROOT, work, {
        recursive: true,
        filter: (src) => {
          const rel = relative(ROOT, src);
          return !ignored.some((p) => (p.startsWith('*') ? basename(rel).endsWith(p.slice(1)) : rel === p || rel.startsWith(`${p}/`)));
        },
      });
      symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
      mkdirSync(join(work, 'build/Release'), { recursive: true });
      cpSync(join(ROOT, 'build/Release/sockopt.node'), join(work, 'build/Release/sockopt.node'));
      cpSync(join(ROOT, 'dist'), join(work, 'dist'), { recursive: true });
      const tsc = await exec(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'examples/controller/tsconfig.json'], { cwd: work });
      expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
      // The build stage's last step, as written, into a directory of our own instead of /out.
      const out = join(tmp, 'out');
      const commit = '0123456789abcdef0123456789abcdef01234567';
      const run = await exec('sh', ['-c', assemble.replace(/\/out\b/g, out)], { cwd: work, env: { ...process.env, COMMIT: commit } });
      expect(run.code, run.stderr).toBe(0);

      // The final stage: /out is /opt/announcer (the manifests' workingDir); the CLI is dist/cli/main.js.
      const cli = (args: string[]) => exec(process.execPath, [join(out, 'dist/cli/main.js'), ...args], { cwd: out });
      const version = await cli(['version']);
      expect(version.stdout, version.stderr).toContain(`commit ${commit}`);
      expect((await cli(['bfdd', '--help'])).code).toBe(0);
      const socket = join(tmp, 'announcer.sock');
      await writeFile(join(tmp, 'announcer.yaml'), `asn: 65000\nrouterId: 198.51.100.11\napi: { socket: ${socket} }\npeers: []\n`);
      daemon = spawn(process.execPath, [join(out, 'dist/cli/main.js'), 'daemon', '--config', join(tmp, 'announcer.yaml')], { cwd: out, stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      daemon.stdout!.on('data', (c: Buffer) => (log += c.toString()));
      daemon.stderr!.on('data', (c: Buffer) => (log += c.toString()));
      // Serving within 10 s (a daemon that cannot start may also hang rather than exit: bounded either way).
      let health = { code: -1, stdout: '', stderr: '' };
      const deadline = Date.now() + 10_000;
      while (health.code !== 0 && daemon.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        health = await cli(['--api', `unix:${socket}`, 'health', '--service', 'announcer.v1.Announcer', '--timeout', '1']);
      }
      expect(health.code, `the daemon from the image's files: ${log}`).toBe(0);
      expect(health.stdout).toContain('serving');
      // The controller container's command, from its workingDir.
      const pod = find(await all(), 'DaemonSet', 'announcer')['spec'].template.spec;
      const controller = container(pod, 'controller');
      const [bin, main] = controller['command'] as string[];
      expect(bin).toBe('node');
      const help = await exec(process.execPath, [main!, '--help'], { cwd: out });
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toContain('--owner NAME');
      expect((await cli(['--api', `unix:${socket}`, 'shutdown'])).code).toBe(0);
    } finally {
      if (daemon !== undefined && daemon.exitCode === null) daemon.kill('SIGKILL');
      await rm(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});

