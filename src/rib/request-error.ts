// The one error a request can end in, from validation in the RIB up to the speaker's API.

/**
 * A request refused, `field` naming what was wrong: thrown by the RIB's validation (validate.ts) and
 * by the speaker, which re-exports it as part of its API (src/speaker/api.ts).
 */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly kind: 'invalid-argument' | 'not-found' | 'unavailable' | 'resource-exhausted' | 'failed-precondition',
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
