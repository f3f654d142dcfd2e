// gRPC server reflection (the @grpc/reflection package), so grpcurl and other generic clients can
// list and call the API without the .proto file. It describes announcer.v1 from the
// FileDescriptorSet that `npm run gen` writes with `buf build`, and grpc.health.v1 from the
// health package's own proto.

import { readFileSync } from 'node:fs';
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
    ...loadFileDescriptorSetFromBuffer(readFileSync(DESCRIPTOR_SET)),
    ...loadSync(healthProtoPath),
  };
  return described;
}

export function addReflectionService(server: Server): void {
  new ReflectionService(describedServices()).addToServer(server);
}
