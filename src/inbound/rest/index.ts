import type { InboundAdapter } from '../adapter';
import { interpretRestMessage } from './interpret';
import { mountRestIntake } from './receive';

/** Canonical documents posted as JSON by internal apps and API partners. */
export const restInbound: InboundAdapter = {
  protocol: 'rest',
  mount: mountRestIntake,
  createInterpreter: () => interpretRestMessage,
};
