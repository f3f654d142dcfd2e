// announcer health [--service NAME]: the standard gRPC health check (grpc.health.v1), for exec
// probes (Kubernetes, systemd, scripts) that need no extra binary. Exit 0 only when SERVING.

import { InvalidArgumentError, type Command } from 'commander';
import { ApiError } from '../client.js';
import { withApi, type CommandContext } from './context.js';
import { EXIT } from './io.js';

function seconds(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n <= 3600)) throw new InvalidArgumentError('expected a number of seconds above 0 (at most 3600).');
  return n;
}

export function registerHealth(program: Command, ctx: CommandContext): void {
  program
    .command('health')
    .description('ask the daemon whether it is serving (the gRPC health check): exit 0 if so')
    .option('--service <name>', 'the service to ask about: "" is the whole daemon, announcer.v1.Announcer the API (ready to take paths)', '')
    .option('--timeout <seconds>', 'give up after this long (exit 3)', seconds, 2)
    .option('--json', 'print one JSON document: {"service", "status", "serving"}; errors as JSON on stderr')
    .addHelpText(
      'after',
      `
Prints one line: "serving", or why not. Exit status: 0 serving, 1 not serving (starting, or
shutting down), 3 no answer (daemon not running, socket missing, timeout). For Kubernetes:
  exec: { command: [announcer, health, --api, unix:/run/announcer/announcer.sock] }`,
    )
    .action(async (o: { service: string; timeout: number; json?: boolean }, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        let status;
        try {
          status = await client.checkHealth(o.service, { timeoutMs: o.timeout * 1000 });
        } catch (e) {
          if (!(e instanceof ApiError && e.codeName === 'NOT_FOUND')) throw e;
          status = 'SERVICE_UNKNOWN';
        }
        const serving = status === 'SERVING';
        if (o.json) {
          ctx.io.stdout.write(`${JSON.stringify({ service: o.service, status, serving })}\n`);
        } else if (serving) {
          ctx.io.stdout.write('serving\n');
        } else if (status === 'SERVICE_UNKNOWN') {
          ctx.io.stderr.write(`not serving: the daemon does not know the service ${JSON.stringify(o.service)}\n`);
        } else {
          const what = o.service === '' ? 'the daemon' : o.service;
          ctx.io.stderr.write(`not serving: ${what} reports ${status} (starting up or shutting down)\n`);
        }
        if (!serving) ctx.exit(EXIT.failed);
      });
    });
}
