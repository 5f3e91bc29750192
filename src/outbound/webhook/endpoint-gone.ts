import { DeliveryError } from '../adapter';

/**
 * The receiver answered 410 Gone: the endpoint is not coming back by itself, so the delivery is
 * a dead letter and the endpoint is disabled until an operator enables it again.
 */
export class EndpointGoneError extends DeliveryError {
  override name = 'EndpointGoneError';
  constructor() {
    super('receiver answered HTTP 410 Gone: endpoint disabled', false, 410);
  }
}
