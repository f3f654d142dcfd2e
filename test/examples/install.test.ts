// Installing: the README's step works as written (from the checkout: the npm name `announcer` is
// another project's), the systemd unit and the image say the same, and the README and the other
// documents link only to what is in the repository. The README stays short, and its pointers true.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): Promise<string> => readFile(join(ROOT, path), 'utf8');

function run(cmd: string, args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** The indented code lines of a README section. */
function codeOf(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((l) => l.startsWith('    '))
    .map((l) => l.trim());
}

describe('installation', () => {
  it('the README, the systemd unit and the image all install from the checkout, never the npm name', async () => {
    const readme = await read('README.md');
    const steps = codeOf(readme, '## Run it');
    expect(steps[0]).toBe('npm ci && npm run build');
    expect(steps[1]).toMatch(/^npm install -g \.(\s|$)/);
    expect(steps[2]).toMatch(/^announcer daemon --config /);
    for (const file of ['README.md', 'examples/systemd/announcer.service', 'examples/systemd/announcer-bfd.service', 'examples/kubernetes/Dockerfile', 'examples/README.md']) {
      expect(await read(file), file).not.toMatch(/npm (install|i) (-g )?announcer\b(?!\/)/);
    }
    expect(await read('examples/systemd/announcer.service')).toContain('npm ci && npm run build && npm install -g .');
    expect(await read('examples/kubernetes/Dockerfile')).toMatch(/^RUN npm install -g \. /m);
  });

  it("the systemd units run the executable their install step makes, and the README's steps are the unit's", async () => {
    const steps = (await read('examples/systemd/announcer.service'))
      .split('\n')
      .filter((l) => l.startsWith('#   '))
      .map((l) => l.slice(1).trim());
    // `npm install -g . --prefix P` links P/bin/announcer (the scratch-prefix test below runs it).
    const install = steps.find((l) => /npm install -g \. --prefix \S+$/.test(l));
    expect(install, 'an install step with an explicit --prefix').toBeDefined();
    const bin = `${install!.split(/\s+/).at(-1)}/bin/announcer`;
    for (const unit of ['announcer.service', 'announcer-bfd.service']) {
      const execStart = (await read(`examples/systemd/${unit}`)).split('\n').find((l) => l.startsWith('ExecStart='));
      expect(execStart, unit).toMatch(new RegExp(`^ExecStart=${bin} (daemon|bfdd) `));
    }
    // The README's systemd commands (its Deployment section) are the unit's own steps.
    const readme = codeOf(await read('README.md'), '## Deployment');
    const commands = readme.filter((l) => /^(npm|install|systemctl) /.test(l)).map((l) => l.split(/\s{2,}/)[0]!);
    expect(commands.length).toBeGreaterThanOrEqual(5);
    const unitCommands = steps.map((l) => l.split(/\s{2,}/)[0]!);
    for (const c of commands) expect(unitCommands, c).toContain(c);
    expect(commands).toContain(install);
  });

  it("announcer.service's install steps install, and start, the BFD process's unit too", async () => {
    const steps = (await read('examples/systemd/announcer.service')).split('\n').filter((l) => l.startsWith('#   '));
    const copy = steps.find((l) => /install .*\/etc\/systemd\/system\//.test(l));
    expect(copy).toBeDefined();
    for (const unit of ['announcer.service', 'announcer-bfd.service']) {
      expect(existsSync(join(ROOT, 'examples/systemd', unit)), unit).toBe(true);
      expect(copy!.split(/\s+/), unit).toContain(unit);
    }
    // Enabled at boot, both; the BFD process first, as the daemon orders after it.
    expect(steps.map((l) => l.slice(1).trim())).toContain('systemctl enable --now announcer-bfd announcer');
    // The config that goes with them is this directory's, installed where both units read it.
    expect(steps.some((l) => /install .*announcer\.yaml \/etc\/announcer\/announcer\.yaml/.test(l))).toBe(true);
    expect(existsSync(join(ROOT, 'examples/systemd/announcer.yaml'))).toBe(true);
  });

  it('`npm install -g .` puts a working `announcer` on the PATH (into a scratch prefix, offline)', async () => {
    if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/cli/main.js is missing: run `npm run build` first (npm test does)');
    const prefix = await mkdtemp(join(tmpdir(), 'announcer-prefix-'));
    try {
      // --prefix: not the machine's own global directory; --ignore-scripts: the addon is built already.
      const install = await run('npm', ['install', '-g', '.', '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund']);
      expect(install.code, install.stderr).toBe(0);
      const bin = join(prefix, 'bin', 'announcer');
      const version = await run(bin, ['version']);
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout).toMatch(/^announcer 0\.1\.0\nnode v\d+/);
      const help = await run(bin, ['--help']);
      expect(help.stdout).toContain('add-eip');
      // What announcer-bfd.service and the BFD DaemonSet run.
      const bfdd = await run(bin, ['bfdd', '--help']);
      expect(bfdd.code, bfdd.stderr).toBe(0);
      expect(bfdd.stdout).toContain('--config <file>');
    } finally {
      await rm(prefix, { recursive: true, force: true });
    }
  });
});

/** The repository's documents: the README, ARCHITECTURE.md, docs/, and the READMEs beside configs and examples. */
function documents(): string[] {
  const inDir = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? (['node_modules', 'dist'].includes(e.name) ? [] : inDir(join(dir, e.name))) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
    );
  return ['README.md', 'ARCHITECTURE.md', ...inDir('docs'), ...inDir('bird-configs'), ...inDir('examples')];
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

async function anchorsOf(path: string): Promise<Set<string>> {
  return new Set([...(await read(path)).matchAll(/^#+ (.+)$/gm)].map((m) => anchorOf(m[1]!)));
}

describe('document links', () => {
  it('point into the repository: existing files (relative to the document), or headings of the document they name', async () => {
    const docs = documents();
    expect(docs).toEqual(expect.arrayContaining(['README.md', 'docs/config.md', 'docs/troubleshooting.md', 'bird-configs/README.md', 'examples/kubernetes/README.md']));
    let links = 0;
    for (const doc of docs) {
      // Code is not prose: a `](x)` inside a fenced block or a code span is no link.
      const text = (await read(doc)).replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
      const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g), ...text.matchAll(/^\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!);
      links += targets.length;
      for (const target of targets) {
        const where = `${doc}: ${target}`;
        expect(target, where).not.toMatch(/^[a-z][a-z0-9+.-]*:/i); // no scheme: nothing outside
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const path = file === '' ? doc : normalize(join(dirname(doc), file));
        expect(path, where).not.toMatch(/^\.\.(\/|$)/); // inside the repository
        expect(existsSync(join(ROOT, path)), where).toBe(true);
        if (anchor !== undefined) {
          expect(path.endsWith('.md'), `${where}: an anchor names a heading of a document`).toBe(true);
          expect([...(await anchorsOf(path))], where).toContain(anchor);
        }
      }
      // Nor a bare address of somewhere else (documentation and loopback addresses are examples).
      for (const url of (await read(doc)).match(/\bhttps?:\/\/[^\s)`'"<>]+/g) ?? []) {
        expect(url, `${doc}: ${url}`).toMatch(/^https?:\/\/(\[::1\]|localhost|127\.|192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|NODE\b|HOST\b|\{nextHop\}|\{address\}|\[2001:db8:)/);
      }
    }
    expect(links).toBeGreaterThan(0);
  });
});

describe('the README', () => {
  it('is short: what, the two commands, the two shapes, the traps up front, then deployment, status, the headline figures and pointers', async () => {
    const readme = await read('README.md');
    expect(Buffer.byteLength(readme), 'README.md under 12 KB: the long reference lives in docs/').toBeLessThan(12 * 1024);
    const sections = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(sections).toEqual(['Traps', 'Weighted ECMP', 'Run it', 'Deployment', 'Status', 'Performance', 'Documentation']);
    const top = readme.slice(0, readme.indexOf('\n## '));
    expect(top).toContain('    npm ci && npm run demo ');
    expect(top).toContain('    npm ci && npm test\n');
    expect(top).toMatch(/per-node/);
    expect(top).toMatch(/central/);
  });

  it('points at every document in docs/', async () => {
    const readme = await read('README.md');
    for (const doc of documents().filter((d) => d.startsWith('docs/'))) expect(readme, doc).toContain(`](${doc})`);
  });

  it("its Status names every receiver of docs/interop.md's table", async () => {
    const interop = await read('docs/interop.md');
    const start = interop.indexOf('<!-- interop:start -->');
    const end = interop.indexOf('<!-- interop:end -->');
    // The markers `npm run interop:table` writes between (test/integration/interop/table.ts).
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const table = interop.slice(start, end);
    const receivers = [...table.matchAll(/^\| ([^|]+?) \| (\d[\d.]*) \| \d+ of \d+/gm)].map((m) => m[1]!);
    expect(receivers.length).toBeGreaterThanOrEqual(5);
    const status = codeOrProse(await read('README.md'), '## Status');
    for (const r of receivers) expect(status, r).toContain(r);
  });
});

/** The text of a README section, up to the next `## `. */
function codeOrProse(readme: string, heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}
