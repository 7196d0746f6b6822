import { expect } from 'chai';
import { NodalError } from '../../../config/errors.js';
import {
  ipv4FromMasterInfoIp,
  leaderNodeName,
  masterUrlFromInfo,
} from '../../../scheduler/ha/master-info.js';

// The leader of the shared Mesos examples (REFERENCE §4.2): ip 83886090 is 10.0.0.5.
const EXAMPLE_INFO = {
  id: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37',
  ip: 83886090,
  port: 5050,
  pid: 'master@10.0.0.5:5050',
  hostname: 'mesos-master-1.example.internal',
  version: '1.11.0',
  address: { hostname: 'mesos-master-1.example.internal', ip: '10.0.0.5', port: 5050 },
};

describe('scheduler/ha/master-info', () => {
  it('the lowest json.info_ sequence leads, by number not by text; other nodes are ignored', () => {
    expect(leaderNodeName(['json.info_0000000012', 'json.info_0000000003', 'log_replicas'])).to.equal(
      'json.info_0000000003',
    );
    expect(leaderNodeName(['json.info_10', 'json.info_9'])).to.equal('json.info_9');
    expect(leaderNodeName(['info_0000000001', 'json.info_0000000002'])).to.equal('json.info_0000000002');
    expect(leaderNodeName(['log_replicas', 'info_0000000001'])).to.equal(undefined);
    expect(leaderNodeName([])).to.equal(undefined);
  });

  const ips: [number, string][] = [
    [83886090, '10.0.0.5'],
    [16777343, '127.0.0.1'],
    [0, '0.0.0.0'],
    [0xffffffff, '255.255.255.255'],
    [0x0b01a8c0, '192.168.1.11'],
  ];
  for (const [n, ip] of ips) {
    it(`reads MasterInfo.ip ${n} (network order in a little-endian uint32) as ${ip}`, () => {
      expect(ipv4FromMasterInfoIp(n)).to.equal(ip);
    });
  }

  it('rejects an ip that is not a uint32', () => {
    for (const n of [-1, 2 ** 32, 1.5]) {
      expect(() => ipv4FromMasterInfoIp(n))
        .to.throw(NodalError)
        .with.property('code', 'WIRE_DECODE');
    }
  });

  const infos: [string, unknown, string][] = [
    ['address.hostname first', EXAMPLE_INFO, 'http://mesos-master-1.example.internal:5050'],
    [
      'address.ip without hostname',
      { ...EXAMPLE_INFO, address: { ip: '10.0.0.5', port: 5051 } },
      'http://10.0.0.5:5051',
    ],
    [
      'legacy hostname and port',
      { id: 'm', hostname: 'old-master', ip: 83886090, port: 5050 },
      'http://old-master:5050',
    ],
    ['legacy ip only', { id: 'm', ip: 16777343, port: 35050 }, 'http://127.0.0.1:35050'],
    [
      'address port beats the legacy port',
      { id: 'm', ip: 16777343, port: 1, address: { ip: '127.0.0.1', port: 2 } },
      'http://127.0.0.1:2',
    ],
    ['IPv6 in brackets', { id: 'm', port: 5050, address: { ip: '::1', port: 5050 } }, 'http://[::1]:5050'],
  ];
  for (const [name, info, url] of infos) {
    it(`builds the master URL: ${name}`, () => {
      expect(masterUrlFromInfo(JSON.stringify(info))).to.equal(url);
    });
  }

  it('uses the requested scheme', () => {
    expect(masterUrlFromInfo(JSON.stringify(EXAMPLE_INFO), 'https')).to.equal(
      'https://mesos-master-1.example.internal:5050',
    );
  });

  const broken: [string, string, RegExp][] = [
    ['not JSON', 'master@10.0.0.5:5050', /not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['no host', JSON.stringify({ id: 'm', port: 5050 }), /no usable address/],
    ['no port', JSON.stringify({ id: 'm', hostname: 'h' }), /no usable address/],
    ['a port out of range', JSON.stringify({ id: 'm', hostname: 'h', port: 70000 }), /no usable address/],
  ];
  for (const [name, text, message] of broken) {
    it(`rejects master info with ${name}`, () => {
      expect(() => masterUrlFromInfo(text))
        .to.throw(NodalError, message)
        .with.property('code', 'WIRE_DECODE');
    });
  }
});
