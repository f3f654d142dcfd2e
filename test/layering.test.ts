// The house's layering, enforced: every import in src/ goes down the stack (or stays in its own
// folder), the codec imports nothing outside itself, generated code is reached only through the
// API layer, and no two files import each other, directly or round a loop. A new top-level folder
// fails here until it is given its place (and ARCHITECTURE.md says why).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * Lower imports nothing higher. Same rank, different part: no imports either way (siblings stay
 * apart). Names are src/'s folders and top-level files (without .ts).
 */
const RANK: Record<string, number> = {
  codec: 0, // the wire format: pure, imports nothing
  clock: 0, // the only place that touches time
  log: 0, // the root logger
  fsm: 1, // RFC 4271 state machine, pure
  platform: 1, // what Node does not expose (socket options, through the addon)
  loopback: 1, // which addresses are this host's own (config and API both ask)
  attributes: 1, // the path-attribute table above the codec: every layer's one description of an attribute
  session: 2, // one BGP peer: FSM + framer + timers over a transport
  bfd: 2, // one BFD session per peer link
  rib: 2, // the compact RIB
  store: 2, // the state file
  health: 2, // health checks of announced paths (probes, rise/fall)
  speaker: 3, // owns the RIB and the sessions
  config: 4, // the YAML config, validated
  metrics: 4, // Prometheus, reading the speaker
  gen: 4, // generated protobuf code (imported by api only)
  api: 5, // gRPC server over the speaker
  client: 6, // the typed client of the API
  cli: 7, // the announcer command
  daemon: 8, // wiring: config -> speaker, API, metrics, store, signals
  lab: 9, // network-namespace lab (tests, demo, benchmarks)
  demo: 10, // the demo, on the lab
};

/** The executable is the composition root: it may load the daemon, which sits above the CLI. */
const ENTRY_POINTS = new Set(['cli/main.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

interface Import {
  readonly from: string; // src-relative file
  readonly to: string; // src-relative file, or the package name for a bare import
  readonly relative: boolean;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const from = relative(SRC, file);
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = (m[1] ?? m[2])!;
    if (spec.startsWith('.')) {
      const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
      out.push({ from, to: relative(SRC, target), relative: true });
    } else {
      out.push({ from, to: spec, relative: false });
    }
  }
  return out;
}

/** The part of src/ a file belongs to: its top folder, or its own name for a top-level file. */
function partOf(srcRelative: string): string {
  const [head, ...rest] = srcRelative.split('/');
  return rest.length === 0 ? head!.replace(/\.ts$/, '') : head!;
}

const files = sourceFiles(SRC);
const imports = files.flatMap(importsOf);

describe('layering of src/', () => {
  it('finds the source and its imports (the test reads what it checks)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(imports.filter((i) => i.relative).length).toBeGreaterThan(200);
  });

  it('every part of src/ has a place in the stack', () => {
    const parts = [...new Set(files.map((f) => partOf(relative(SRC, f))))].sort();
    expect(parts.filter((p) => RANK[p] === undefined)).toEqual([]);
  });

  it('nothing imports upward or sideways', () => {
    const wrong = imports
      .filter((i) => i.relative && !ENTRY_POINTS.has(i.from))
      .filter((i) => {
        const a = partOf(i.from);
        const b = partOf(i.to);
        return a !== b && !(RANK[b]! < RANK[a]!);
      })
      .map((i) => `${i.from} -> ${i.to} (${partOf(i.from)} ${RANK[partOf(i.from)]} imports ${partOf(i.to)} ${RANK[partOf(i.to)]})`);
    expect(wrong).toEqual([]);
  });

  it('the codec imports nothing outside itself, not even a package', () => {
    const outside = imports.filter((i) => partOf(i.from) === 'codec' && (!i.relative || partOf(i.to) !== 'codec'));
    expect(outside.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('generated code is imported only by the API layer', () => {
    const users = imports.filter((i) => i.relative && partOf(i.to) === 'gen' && !['gen', 'api'].includes(partOf(i.from)));
    expect(users.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('no import cycles between files', () => {
    const graph = new Map<string, string[]>();
    for (const i of imports) if (i.relative) graph.set(i.from, [...(graph.get(i.from) ?? []), i.to]);
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), file, next].join(' -> '));
        else if (!state.has(next)) visit(next, [...path, file]);
      }
      state.set(file, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('protocol errors are built only by the factories in codec/errors.ts (each takes only its message\'s subcodes)', () => {
    const outside = sourceFiles(SRC)
      .filter((f) => relative(SRC, f) !== 'codec/errors.ts')
      .filter((f) => /\bnew BgpError\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(outside).toEqual([]);
  });
});
