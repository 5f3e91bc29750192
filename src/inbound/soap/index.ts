import path from 'node:path';
import type { GatewayConfig } from '../../config';
import type { MapCatalog } from '../../mapping';
import { loadPayloadMaps } from '../../mapping/payload-maps';
import type { PartnerRegistry } from '../../partners/registry';
import { projectRoot } from '../../runtime/project-root';
import { RedisNonceRegistry } from '../../soap/nonce-registry';
import type { InboundAdapter } from '../adapter';
import { SoapCallers } from './callers';
import { createSoapInterpreter } from './interpret';
import { mountSoapEndpoints } from './receive';
import { loadSoapServices, SoapServiceConfigError, type SoapService } from './services';

interface Prepared {
  services: SoapService[];
  maps: MapCatalog;
}
const prepared = new WeakMap<GatewayConfig, Prepared>();

function preparedFor(config: GatewayConfig): Prepared {
  const ready = prepared.get(config);
  if (!ready) throw new Error('the SOAP adapter is used before prepare() loaded its services');
  return ready;
}

/**
 * SOAP services described by the WSDLs in wsdl/ and bound to the pipeline by their
 * `*.service.yaml` files (docs/soap.md), served to the partners whose files allow them.
 */
export const soapInbound: InboundAdapter = {
  protocol: 'soap',
  async prepare(config: GatewayConfig, partners: PartnerRegistry) {
    const builtIn = path.join(projectRoot(), 'wsdl');
    const folders = config.folders.wsdl === builtIn ? [builtIn] : [config.folders.wsdl, builtIn];
    const maps = loadPayloadMaps(config.folders.mappings);
    const services = await loadSoapServices(folders, maps);
    for (const partner of partners.all()) {
      for (const name of partner.config.inbound?.soap?.services ?? []) {
        if (!services.some((service) => service.name === name)) {
          throw new SoapServiceConfigError(
            `${partner.file} at /inbound/soap/services: no served SOAP service is named ${name}`,
          );
        }
      }
    }
    prepared.set(config, { services, maps });
  },
  mount(router, context) {
    const { services, maps } = preparedFor(context.config);
    const callers = new SoapCallers(context.partners, new RedisNonceRegistry(context.redis));
    mountSoapEndpoints(router, context, { services, callers, maps });
  },
  createInterpreter(config) {
    const { services, maps } = preparedFor(config);
    return createSoapInterpreter(services, maps);
  },
};
