import { describe } from 'vitest';
import { bytes, fixtureTests, MARKER } from './fixture.js';

describe('OPEN', () => {
  fixtureTests({
    name: 'OPEN as BIRD 2 sends it (IPv4 + IPv6, 4-octet AS, ADD-PATH, route refresh)',
    bytes: bytes(
      MARKER,
      0x00, 0x3b, // length 59
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xe9, // My AS 65001
      0x00, 0xf0, // hold time 240
      0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
      0x1e, // optional parameters length 30
      0x02, 0x1c, // parameter type 2 (capabilities), length 28
      0x01, 0x04, 0x00, 0x01, 0x00, 0x01, // multiprotocol: AFI 1 (IPv4), reserved, SAFI 1 (unicast)
      0x01, 0x04, 0x00, 0x02, 0x00, 0x01, // multiprotocol: AFI 2 (IPv6), reserved, SAFI 1
      0x02, 0x00, // route refresh
      0x46, 0x00, // enhanced route refresh
      0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9, // 4-octet AS: 65001
      0x45, 0x04, 0x00, 0x01, 0x01, 0x01, // ADD-PATH: AFI 1, SAFI 1, receive
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65001,
      holdTime: 240,
      bgpId: '198.51.100.1',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'multiprotocol', afi: 2, safi: 1 },
        { type: 'route-refresh' },
        { type: 'enhanced-route-refresh' },
        { type: 'four-octet-as', asn: 65001 },
        { type: 'add-path', families: [{ afi: 1, safi: 1, direction: 'receive' }] },
      ],
    },
  });
});
