// The scheduler's own view of a Mesos offer. The wire layer translates each mesos.v1.Offer into
// one of these (scheduler/launch/domain-offer.ts does it for the JSON shape); placement reads nothing else.
import type { OfferResources } from './resources.js';

/** A reservation that resources carry (pre-RESERVATION_REFINEMENT form: one role). */
export interface ReservationRef {
  readonly role: string;
  readonly type: 'STATIC' | 'DYNAMIC';
  readonly principal?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A part of an offer's resources reserved for one role. */
export interface ReservedResources {
  readonly reservation: ReservationRef;
  readonly resources: OfferResources;
}

/** One offer: resources of one agent allocated to the framework under one role. */
export interface DomainOffer {
  readonly id: string;
  readonly agentId: string;
  readonly hostname: string;
  /** Agent attributes rendered as text (scalars as numbers' decimal form). */
  readonly attributes: Readonly<Record<string, string>>;
  /** The role the offer is allocated to (MULTI_ROLE); '*' when the master sent none. */
  readonly allocationRole: string;
  /** Everything offered, reserved or not. */
  readonly resources: OfferResources;
  /** The reserved parts of `resources`; the rest is unreserved. */
  readonly reserved: readonly ReservedResources[];
}
