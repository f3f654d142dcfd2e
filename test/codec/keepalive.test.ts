import { describe } from 'vitest';
import { bytes, fixtureTests, MARKER } from './fixture.js';

describe('KEEPALIVE', () => {
  fixtureTests({
    name: 'keepalive',
    bytes: bytes(
      MARKER,
      0x00, 0x13, // length 19: a KEEPALIVE is the header alone
      0x04, // type 4 KEEPALIVE
    ),
    message: { type: 'keepalive' },
  });
});
