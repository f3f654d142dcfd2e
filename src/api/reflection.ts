// gRPC server reflection (the @grpc/reflection package), so grpcurl and other generic clients can
// list and call the API without the .proto file. It describes announcer.v1 from the
// FileDescriptorSet that `npm run gen` writes with `buf build`, and grpc.health.v1 from the
// health package's own proto.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Server } from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer, loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as healthProtoPath } from 'grpc-health-check';

/** proto/announcer.binpb: two levels up from both src/api and dist/api. */
const DESCRIPTOR_SET = new URL('../../proto/announcer.binpb', import.meta.url);

let described: PackageDefinition | undefined;

/** Everything the server serves, as proto-loader package definitions (loaded once). */
export function describedServices(): PackageDefinition {
  described ??= {
    ...loadFileDescriptorSetFromBuffer(readDescriptorSet(DESCRIPTOR_SET)),
    ...loadSync(healthProtoPath),
  };
  return described;
}

/** The descriptor set's octets; an error names the file and what puts it back. */
export function readDescriptorSet(file: URL): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new Error(`${fileURLToPath(file)}: cannot read the API's descriptor set (${why}); it ships with the package (npm run gen writes it in a checkout)`);
  }
}

export function addReflectionService(server: Server): void {
  new ReflectionService(describedServices()).addToServer(server);
}
