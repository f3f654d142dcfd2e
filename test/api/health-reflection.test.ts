// The standard services, checked the way off-the-shelf tools see them: a health client made from
// the grpc-health-check package's own service definition, and a reflection client loaded from the
// reflection proto that ships with @grpc/reflection. Neither uses the project's generated code.

import { createRequire } from 'node:module';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import {
  credentials,
  loadPackageDefinition,
  makeGenericClientConstructor,
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { eventually, startFixture, type ApiFixture } from './fixture.js';
import { readDescriptorSet } from '../../src/api/reflection.js';

let f: ApiFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

type HealthClient = Client & {
  Check(req: { service: string }, cb: (err: ServiceError | null, res?: { status: string }) => void): void;
  Watch(req: { service: string }): ClientReadableStream<{ status: string }>;
};

const HealthClientCtor = makeGenericClientConstructor(healthService as unknown as ServiceDefinition, 'grpc.health.v1.Health');

function healthClient(address: string): HealthClient {
  return new HealthClientCtor(address, credentials.createInsecure()) as unknown as HealthClient;
}

function check(c: HealthClient, service: string): Promise<string> {
  return new Promise((done, fail) => c.Check({ service }, (err, res) => (err ? fail(err) : done(res!.status))));
}

describe('grpc.health.v1.Health', () => {
  it('is SERVING for "" and announcer.v1.Announcer while the speaker runs, NOT_SERVING after setServing(false)', async () => {
    f = await startFixture({ server: { healthPollMs: 20 } });
    const c = healthClient(f.server.address);
    expect(await check(c, '')).toBe('SERVING');
    expect(await check(c, 'announcer.v1.Announcer')).toBe('SERVING');
    await expect(check(c, 'no.such.Service')).rejects.toMatchObject({ code: 5 });

    f.server.setServing(false);
    expect(await check(c, '')).toBe('NOT_SERVING');
    expect(await check(c, 'announcer.v1.Announcer')).toBe('NOT_SERVING');
    // The API itself still answers while draining.
    expect(await f.client.listPaths()).toEqual([]);
    f.server.setServing(true);
    expect(await check(c, '')).toBe('SERVING');
    c.close();
  });

  it('tells Watch streams of each change, and ends them at close without holding shutdown up', async () => {
    // The server's clock stands still: no health poll, and its 5 s shutdown grace timer (which would
    // cut a stream left open) never fires, so close() resolving shows the Watch stream ended on its own.
    f = await startFixture({ server: { clock: new ManualClock() } });
    const c = healthClient(f.server.address);
    const seen: string[] = [];
    const stream = c.Watch({ service: 'announcer.v1.Announcer' });
    stream.on('data', (r: { status: string }) => seen.push(r.status));
    const ended = new Promise<unknown>((done) => {
      stream.on('end', () => done('end'));
      stream.on('error', done);
    });
    await eventually(() => seen.length === 1);
    f.server.setServing(false);
    await eventually(() => seen.length === 2);
    f.server.setServing(true);
    await eventually(() => seen.length === 3);
    await f.server.close();
    expect(await ended).toBe('end');
    expect(seen).toEqual(['SERVING', 'NOT_SERVING', 'SERVING', 'NOT_SERVING']);
    c.close();
  });

  it('follows the speaker: NOT_SERVING before start and after stop', async () => {
    // The health service reads speaker.ready on its poll timer: the test moves the clock one poll on.
    const clock = new ManualClock();
    f = await startFixture({ unstarted: true, server: { clock, healthPollMs: 20 } });
    const c = healthClient(f.server.address);
    expect(await check(c, '')).toBe('NOT_SERVING');
    await f.speaker.start();
    clock.advance(20);
    expect(await check(c, '')).toBe('SERVING');
    await f.speaker.stop();
    clock.advance(20);
    expect(await check(c, 'announcer.v1.Announcer')).toBe('NOT_SERVING');
    c.close();
  });
});

// ---- reflection ----

const require = createRequire(import.meta.url);
const REFLECTION_PROTO = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}
type ReflectionStream = ClientDuplexStream<object, ReflectionResponse>;

function reflectionClient(address: string): Client & { ServerReflectionInfo(): ReflectionStream } {
  const def = loadPackageDefinition(loadSync(REFLECTION_PROTO, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true })) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Client & { ServerReflectionInfo(): ReflectionStream } } } };
  };
  return new def.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
}

/** One request, one response, on a fresh stream (what grpcurl does per question). */
function ask(c: ReturnType<typeof reflectionClient>, request: object): Promise<ReflectionResponse> {
  return new Promise((done, fail) => {
    const s = c.ServerReflectionInfo();
    s.once('data', (r: ReflectionResponse) => {
      done(r);
      s.end();
    });
    s.once('error', fail);
    s.write(request);
  });
}

describe('server reflection', () => {
  it('lists the services and describes announcer.v1 from the generated descriptor set', async () => {
    f = await startFixture();
    const c = reflectionClient(f.server.address);

    const list = await ask(c, { listServices: '' });
    const names = list.listServicesResponse?.service.map((s) => s.name) ?? [];
    expect(names).toContain('announcer.v1.Announcer');
    expect(names).toContain('grpc.health.v1.Health');

    const file = await ask(c, { fileContainingSymbol: 'announcer.v1.Announcer' });
    const files = (file.fileDescriptorResponse?.fileDescriptorProto ?? []).map((b) => fromBinary(FileDescriptorProtoSchema, b));
    const announcer = files.find((d) => d.package === 'announcer.v1');
    expect(announcer).toBeDefined();
    const svc = announcer!.service.find((s) => s.name === 'Announcer');
    expect(svc?.method.map((m) => m.name)).toEqual(['AddPath', 'DeletePath', 'ListPaths', 'ListPeers', 'ReplacePaths', 'WatchEvents', 'Shutdown', 'ListHealthChecks', 'Drain']);
    expect(svc?.method.find((m) => m.name === 'WatchEvents')?.serverStreaming).toBe(true);
    // Its import comes along, so a client can resolve google.protobuf.Timestamp.
    expect(files.map((d) => d.name)).toContain('google/protobuf/timestamp.proto');

    const event = await ask(c, { fileContainingSymbol: 'announcer.v1.Event' });
    expect(event.fileDescriptorResponse?.fileDescriptorProto.length).toBeGreaterThan(0);
    const missing = await ask(c, { fileContainingSymbol: 'announcer.v1.Nope' });
    expect(missing.errorResponse?.errorCode).toBe(5);
    c.close();
  });
});

describe('the descriptor set reflection serves', () => {
  it('when missing, is named with what puts it back', () => {
    const missing = new URL('file:///nonexistent/announcer.binpb');
    expect(() => readDescriptorSet(missing)).toThrow("/nonexistent/announcer.binpb: cannot read the API's descriptor set (ENOENT); it ships with the package (npm run gen writes it in a checkout)");
  });
});
