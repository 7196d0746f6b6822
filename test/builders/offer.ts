// offer().cpus(4).gpus(1).ports(31000, 31010).attr('arch', 'ppc64le').build()
import type {
  DomainOffer,
  PortRange,
  ReservationRef,
  ReservedResources,
} from '../../scheduler/core/index.js';

let offerSeq = 0;

export class OfferBuilder {
  private o: {
    id: string;
    agentId: string;
    hostname: string;
    attributes: Record<string, string>;
    allocationRole: string;
    cpus: number;
    mem: number;
    disk: number;
    gpus: number;
    ports: PortRange[];
    reserved: ReservedResources[];
  };

  constructor() {
    const n = ++offerSeq;
    this.o = {
      id: `O${n}`,
      agentId: `S${n}`,
      hostname: `agent-${n}`,
      attributes: {},
      allocationRole: '*',
      cpus: 8,
      mem: 16384,
      disk: 10240,
      gpus: 0,
      ports: [{ begin: 31000, end: 31099 }],
      reserved: [],
    };
  }

  id(id: string): this {
    this.o.id = id;
    return this;
  }
  /** Sets the agent id and, unless set separately, a hostname derived from it. */
  agent(agentId: string, hostname = `host-${agentId}`): this {
    this.o.agentId = agentId;
    this.o.hostname = hostname;
    return this;
  }
  hostname(h: string): this {
    this.o.hostname = h;
    return this;
  }
  attr(name: string, value: string): this {
    this.o.attributes[name] = value;
    return this;
  }
  role(allocationRole: string): this {
    this.o.allocationRole = allocationRole;
    return this;
  }
  cpus(v: number): this {
    this.o.cpus = v;
    return this;
  }
  mem(v: number): this {
    this.o.mem = v;
    return this;
  }
  disk(v: number): this {
    this.o.disk = v;
    return this;
  }
  gpus(v: number): this {
    this.o.gpus = v;
    return this;
  }
  /** Replaces the port ranges with [begin, end]; call with no arguments for none. */
  ports(begin?: number, end?: number): this {
    this.o.ports = begin === undefined ? [] : [{ begin, end: end ?? begin }];
    return this;
  }
  addPorts(begin: number, end: number): this {
    this.o.ports.push({ begin, end });
    return this;
  }
  /** Adds reserved resources (they count in the totals too). */
  reserved(
    reservation: ReservationRef,
    r: { cpus?: number; mem?: number; disk?: number; gpus?: number; ports?: [number, number] },
  ): this {
    const ports = r.ports ? [{ begin: r.ports[0], end: r.ports[1] }] : [];
    this.o.reserved.push({
      reservation,
      resources: { cpus: r.cpus ?? 0, mem: r.mem ?? 0, disk: r.disk ?? 0, gpus: r.gpus ?? 0, ports },
    });
    this.o.cpus += r.cpus ?? 0;
    this.o.mem += r.mem ?? 0;
    this.o.disk += r.disk ?? 0;
    this.o.gpus += r.gpus ?? 0;
    this.o.ports.push(...ports);
    return this;
  }

  build(): DomainOffer {
    const { id, agentId, hostname, attributes, allocationRole, cpus, mem, disk, gpus, ports, reserved } =
      this.o;
    return {
      id,
      agentId,
      hostname,
      attributes: { ...attributes },
      allocationRole,
      resources: { cpus, mem, disk, gpus, ports: [...ports] },
      reserved: [...reserved],
    };
  }
}

/** A fresh offer builder with a unique offer id and agent. */
export const offer = (): OfferBuilder => new OfferBuilder();

/** `n` offers from distinct agents, each customised by `f`. */
export const offers = (
  n: number,
  f: (b: OfferBuilder, i: number) => OfferBuilder = (b) => b,
): DomainOffer[] => Array.from({ length: n }, (_, i) => f(offer(), i).build());
