import { expect } from 'chai';
import { domainOfferFrom, taskStatusInputFrom } from '../../../scheduler/launch/domain-offer.js';
import type { Offer, SchedulerEvent } from '../../../protos/mesos/v1/types.js';
import { decodeMessage } from '../../../protos/wire/codec.js';

// Events from the shared Mesos reference examples (mesos/examples/scheduler/05, 08 and 10), decoded with the
// real codec so the translation is tested against what the wire layer hands over.
const EXAMPLES: Record<string, unknown> = {
  '05-offers-event.json': {
    type: 'OFFERS',
    offers: {
      offers: [
        {
          id: { value: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-O12' },
          framework_id: { value: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-0000' },
          agent_id: { value: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-S0' },
          hostname: 'cpu-node-01.example.internal',
          url: {
            scheme: 'http',
            address: { hostname: 'cpu-node-01.example.internal', ip: '10.0.1.11', port: 5051 },
            path: '/slave(1)',
          },
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: 16 }, allocation_info: { role: 'training' } },
            { name: 'mem', type: 'SCALAR', scalar: { value: 63488 }, allocation_info: { role: 'training' } },
            {
              name: 'disk',
              type: 'SCALAR',
              scalar: { value: 409600 },
              allocation_info: { role: 'training' },
            },
            {
              name: 'ports',
              type: 'RANGES',
              ranges: { range: [{ begin: 31000, end: 32000 }] },
              allocation_info: { role: 'training' },
            },
          ],
          attributes: [
            { name: 'rack', type: 'TEXT', text: { value: 'r12' } },
            { name: 'node_class', type: 'TEXT', text: { value: 'cpu' } },
          ],
          allocation_info: { role: 'training' },
        },
        {
          id: { value: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-O13' },
          framework_id: { value: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-0000' },
          agent_id: { value: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-S1' },
          hostname: 'gpu-node-07.example.internal',
          url: {
            scheme: 'http',
            address: { hostname: 'gpu-node-07.example.internal', ip: '10.0.2.17', port: 5051 },
            path: '/slave(1)',
          },
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: 32 }, allocation_info: { role: 'training' } },
            { name: 'mem', type: 'SCALAR', scalar: { value: 245760 }, allocation_info: { role: 'training' } },
            {
              name: 'disk',
              type: 'SCALAR',
              scalar: { value: 819200 },
              allocation_info: { role: 'training' },
            },
            { name: 'gpus', type: 'SCALAR', scalar: { value: 8 }, allocation_info: { role: 'training' } },
            {
              name: 'ports',
              type: 'RANGES',
              ranges: { range: [{ begin: 31000, end: 32000 }] },
              allocation_info: { role: 'training' },
            },
          ],
          attributes: [
            { name: 'rack', type: 'TEXT', text: { value: 'r07' } },
            { name: 'node_class', type: 'TEXT', text: { value: 'gpu' } },
            { name: 'gpu_model', type: 'TEXT', text: { value: 'a100-80gb' } },
          ],
          allocation_info: { role: 'training' },
        },
      ],
    },
  },
  '08-update-event-running.json': {
    type: 'UPDATE',
    update: {
      status: {
        task_id: { value: 'job-42.worker-0.7c2d41' },
        state: 'TASK_RUNNING',
        source: 'SOURCE_EXECUTOR',
        executor_id: { value: 'trainer-executor.job-42.worker-0.7c2d41' },
        uuid: 'XSyKHkt/TjqcYQ+OLXs6lA==',
        timestamp: 1767225612.345678,
        message: 'training process started',
        agent_id: { value: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-S1' },
        container_status: {
          container_id: { value: '4a2e8f1c-9b7d-4c3e-8f5a-1d6b9e0c2a47' },
          executor_pid: 48213,
          network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: '10.0.2.17' }] }],
        },
      },
    },
  },
  '10-update-event-reconciliation.json': {
    type: 'UPDATE',
    update: {
      status: {
        task_id: { value: 'job-42.ps-0.1f3e9a' },
        state: 'TASK_RUNNING',
        source: 'SOURCE_MASTER',
        reason: 'REASON_RECONCILIATION',
        message: 'Reconciliation: Latest task state',
        agent_id: { value: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-S0' },
        timestamp: 1767229200.001234,
        healthy: true,
      },
    },
  },
};
const example = (name: string): SchedulerEvent =>
  decodeMessage<SchedulerEvent>(
    'mesos.v1.scheduler.Event',
    Buffer.from(JSON.stringify(EXAMPLES[name])),
    'json',
  );

describe('scheduler/launch/domain-offer', () => {
  it('translates the reference OFFERS example', () => {
    const [cpu, gpu] = example('05-offers-event.json').offers!.offers!.map(domainOfferFrom);
    expect(cpu).to.deep.equal({
      id: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-O12',
      agentId: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-S0',
      hostname: 'cpu-node-01.example.internal',
      attributes: { rack: 'r12', node_class: 'cpu' },
      allocationRole: 'training',
      resources: { cpus: 16, mem: 63488, disk: 409600, gpus: 0, ports: [{ begin: 31000, end: 32000 }] },
      reserved: [],
    });
    expect(gpu!.resources.gpus).to.equal(8);
  });

  it('reads reservations in both forms and renders attributes as text', () => {
    const offer: Offer = {
      id: { value: 'O1' },
      framework_id: { value: 'F' },
      agent_id: { value: 'S1' },
      hostname: 'h',
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
        {
          name: 'cpus',
          type: 'SCALAR',
          scalar: { value: 2 },
          role: 'training',
          reservation: { principal: 'ops' },
        },
        {
          name: 'mem',
          type: 'SCALAR',
          scalar: { value: 512 },
          reservations: [{ type: 'STATIC', role: 'training' }],
        },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }] }, role: 'training' },
        { name: 'cpus', type: 'SCALAR', scalar: { value: 9 }, revocable: {} },
      ],
      attributes: [
        { name: 'cores', type: 'SCALAR', scalar: { value: 8 } },
        { name: 'zones', type: 'SET', set: { item: ['a', 'b'] } },
        { name: 'slots', type: 'RANGES', ranges: { range: [{ begin: 1, end: 4 }] } },
      ],
    };
    const d = domainOfferFrom(offer);
    expect(d.resources).to.deep.equal({ cpus: 6, mem: 512, disk: 0, gpus: 0, ports: [{ begin: 1, end: 2 }] });
    expect(d.allocationRole).to.equal('*');
    expect(d.attributes).to.deep.equal({ cores: '8', zones: '{a,b}', slots: '[1-4]' });
    expect(
      d.reserved.map((r) => [r.reservation, r.resources.cpus, r.resources.mem, r.resources.ports.length]),
    ).to.deep.equal([
      [{ role: 'training', type: 'DYNAMIC', principal: 'ops' }, 2, 0, 0],
      [{ role: 'training', type: 'STATIC' }, 0, 512, 1],
    ]);
  });

  it('turns an executor update into an input whose uuid is acknowledged as base64', () => {
    const input = taskStatusInputFrom(example('08-update-event-running.json').update!.status);
    expect(input).to.deep.include({
      type: 'taskStatus',
      taskId: 'job-42.worker-0.7c2d41',
      state: 'TASK_RUNNING',
      source: 'SOURCE_EXECUTOR',
    });
    expect(input.uuid).to.equal('XSyKHkt/TjqcYQ+OLXs6lA==');
  });

  it('turns a reconciliation update into an input without uuid', () => {
    const input = taskStatusInputFrom(example('10-update-event-reconciliation.json').update!.status);
    expect(input).to.not.have.property('uuid');
    expect(input).to.deep.include({
      reason: 'REASON_RECONCILIATION',
      healthy: true,
      agentId: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-S0',
    });
  });
});
