// Installing: the README's step works as written (from the checkout: the npm name `announcer` is
// another project's), the systemd unit and the image say the same, and the README links only to
// what is in the repository.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe('README links', () => {
  it('point into the repository: existing files, or headings of the README itself', async () => {
    const readme = await read('README.md');
    const anchors = new Set(
      [...readme.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g), ...readme.matchAll(/^\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      expect(target, target).not.toMatch(/^[a-z][a-z0-9+.-]*:/i); // no scheme: nothing outside
      if (target.startsWith('#')) expect(anchors.has(target.slice(1)), target).toBe(true);
      else expect(existsSync(join(ROOT, target.split('#')[0]!)), target).toBe(true);
    }
    // Nor a bare address of somewhere else (documentation and loopback addresses are examples).
    for (const url of readme.match(/\bhttps?:\/\/[^\s)`'"<>]+/g) ?? []) {
      expect(url, url).toMatch(/^https?:\/\/(\[::1\]|localhost|127\.|192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|NODE\b|HOST\b|\{nextHop\}|\{address\}|\[2001:db8:)/);
    }
  });
});
