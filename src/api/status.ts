// Domain errors -> gRPC status. A refused request names its field in the message and in the
// trailing metadata; anything else is a bug of ours, reported as INTERNAL and logged.

import { Metadata, status, type ServerErrorResponse } from '@grpc/grpc-js';
import type { Logger } from '../log.js';
import { RequestError } from '../speaker/api.js';

/** Trailing metadata key carrying the name of the field a refused request got wrong. */
export const FIELD_METADATA_KEY = 'announcer-field';

const CODES: Record<RequestError['kind'], status> = {
  'invalid-argument': status.INVALID_ARGUMENT,
  'not-found': status.NOT_FOUND,
  unavailable: status.UNAVAILABLE,
  'resource-exhausted': status.RESOURCE_EXHAUSTED,
  'failed-precondition': status.FAILED_PRECONDITION,
};

export function requestErrorStatus(err: RequestError): ServerErrorResponse {
  const metadata = new Metadata();
  metadata.set(FIELD_METADATA_KEY, err.field);
  // The speaker's messages start with the field; make sure one from elsewhere does too.
  const details = err.message.includes(err.field) ? err.message : `${err.field}: ${err.message}`;
  return { name: 'RequestError', message: details, code: CODES[err.kind], details, metadata };
}

export function toStatus(err: unknown, log: Logger, method: string): ServerErrorResponse {
  if (err instanceof RequestError) return requestErrorStatus(err);
  log.error({ err, method }, 'api request failed');
  const reason = err instanceof Error ? err.message : String(err);
  const details = `internal error: ${reason}`;
  return { name: 'InternalError', message: details, code: status.INTERNAL, details };
}
