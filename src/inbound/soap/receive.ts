/**
 * The SOAP endpoints: for every port of every served service, `GET <path>?wsdl` (and the files it
 * imports) and `POST <path>`. A call goes through, in order:
 *
 *   body read under a byte limit (gzip/deflate inflated under the same limit)
 *   → XML hardening (no DTD or entities, depth, element and attribute limits) and parsing
 *   → envelope: its version must be the port's (else VersionMismatch), mustUnderstand headers
 *   → the caller, by WS-Security UsernameToken or HTTP Basic (one fault for every failure)
 *   → the operation, by the body's element (and SOAPAction / action, when sent, must agree)
 *   → the request read against the WSDL's schema (a Client fault names the element)
 *   → track / intake / reply as the service file binds the operation (operations.ts)
 *
 * Every failure is a fault in the port's own SOAP version, never a stack trace: Client/Sender
 * for what the caller can fix, Server/Receiver with a correlation id for what it cannot.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import type { Logger } from '../../log';
import type { MapCatalog } from '../../mapping';
import { IntakeUnavailableError } from '../../pipeline/intake';
import { recordRejectedRequest } from '../../pipeline/rejected-intake';
import type { ContractOperation, SoapVersion } from '../../soap/contract/types';
import {
  actionOfRequest,
  notUnderstoodHeaders,
  readEnvelope,
  soapVersionOfContentType,
} from '../../soap/envelope';
import {
  CROSSDOCK_SOAP_NS as CROSSDOCK_NS,
  SoapFault,
  writeEnvelope,
  writeFault,
} from '../../soap/faults';
import { WSSE_NS } from '../../soap/ws-security';
import { parseGuardedXml, readLimitedBody, XmlGuardError } from '../../soap/xml-guard';
import type { XmlElement } from '../../soap/xml-tree';
import { escapeXmlText } from '../../soap/xml-write';
import type { InboundContext } from '../adapter';
import type { SoapCallers } from './callers';
import {
  runMap,
  runOperation,
  SoapMappingError,
  SoapRefusal,
  type OperationDeps,
} from './operations';
import { servedDocument } from './served-documents';
import { qualifiedKey, type BoundPort, type SoapService } from './services';

export interface SoapEndpointDeps {
  services: SoapService[];
  callers: SoapCallers;
  maps: MapCatalog;
}

export function mountSoapEndpoints(
  router: Router,
  context: InboundContext,
  deps: SoapEndpointDeps,
): void {
  const operationDeps: OperationDeps = {
    intake: context.intake,
    store: context.store,
    maps: deps.maps,
    config: context.config,
  };
  for (const service of deps.services) {
    for (const port of service.ports) {
      router.get(port.path, (req: Request, res: Response) => {
        const served = servedDocument(service, req.query, baseUrlOf(req), port.path);
        if (!served) {
          const fault = new SoapFault(
            'Client',
            `${req.path} serves SOAP: POST a ${port.port.soapVersion} envelope, or GET ${port.path}?wsdl for its WSDL.`,
          );
          return send(res, port.port.soapVersion, fault);
        }
        res.status(200).type(served.contentType).send(served.body);
      });
      router.post(port.path, (req: Request, res: Response) => {
        void handleCall(req, res, service, port, deps, operationDeps, context).catch(
          (error: unknown) => {
            context.logger.error({ err: error, path: port.path }, 'soap: answering a call failed');
            if (!res.headersSent) res.status(500).end();
          },
        );
      });
    }
  }
}

async function handleCall(
  req: Request,
  res: Response,
  service: SoapService,
  bound: BoundPort,
  deps: SoapEndpointDeps,
  operationDeps: OperationDeps,
  context: InboundContext,
): Promise<void> {
  const version = bound.port.soapVersion;
  // Read once from node's own header object: express's req.get() searches it again per call.
  const headers = req.headers;
  const contentType = headers['content-type'] ?? null;
  const sentCorrelationId = headers['x-correlation-id'];
  const senderCorrelationId =
    (Array.isArray(sentCorrelationId) ? sentCorrelationId[0] : sentCorrelationId)?.trim() ||
    undefined;
  // The call's own correlation id and logger are only made when something is logged or a
  // fault is written: most calls do neither.
  let correlationId = senderCorrelationId;
  let callLog: Logger | undefined;
  const log = () =>
    (callLog ??= context.logger.child({
      service: service.name,
      port: bound.port.name,
      correlationId: (correlationId ??= randomUUID()),
    }));
  const receivedAt = new Date();
  let raw: Buffer | undefined;
  let partnerId: string | null = null;
  try {
    raw = await readLimitedBody(req, {
      maxBytes: service.limits.maxBytes,
      contentEncoding: headers['content-encoding'],
    });
    const root = parseGuardedXml(raw, service.limits);
    const envelope = readEnvelope(root);
    if (envelope.version !== version) {
      throw new SoapFault(
        'VersionMismatch',
        `This port speaks SOAP ${version}; the request is a SOAP ${envelope.version} envelope.`,
      );
    }
    const contentVersion = soapVersionOfContentType(contentType ?? '');
    if (contentVersion !== undefined && contentVersion !== version) {
      throw new SoapFault(
        'Client',
        `A SOAP ${version} request is sent as ${version === '1.1' ? 'text/xml' : 'application/soap+xml'}, not ${contentType}.`,
      );
    }
    const notUnderstood = notUnderstoodHeaders(
      envelope.header,
      [{ ns: WSSE_NS, name: 'Security' }],
      version,
    );
    if (notUnderstood.length > 0) {
      const names = notUnderstood.map((block) => `{${block.ns}}${block.name}`).join(', ');
      throw new SoapFault('MustUnderstand', `Header blocks not understood: ${names}.`, {
        notUnderstood: notUnderstood.map((block) => ({ ns: block.ns, name: block.name })),
      });
    }

    const caller = await deps.callers.identify(
      service.name,
      envelope.header,
      headers.authorization,
      receivedAt,
    );
    if (!caller.ok) {
      log().warn({ reason: caller.reason }, 'soap: caller not authenticated');
      throw new SoapFault('Client', 'The request could not be authenticated.', {
        subcode: { ns: WSSE_NS, name: 'FailedAuthentication' },
      });
    }
    partnerId = caller.partner.config.id;

    const requestElement = envelope.body.children[0];
    const operation = operationOf(bound, requestElement);
    const action = actionOfRequest(version, headers);
    if (action && operation.soapAction && action !== operation.soapAction) {
      throw new SoapFault(
        'Client',
        `The action "${action}" does not match the body, which calls ${operation.name} ("${operation.soapAction}").`,
      );
    }
    const binding = service.operations.get(operation.name);
    if (!binding)
      throw new SoapFault('Client', `Operation ${operation.name} is not offered by this gateway.`);

    const read = operation.input.read(requestElement!);
    if (!read.ok) {
      const listed = read.issues.map((issue) => `${issue.path}: ${issue.message}`);
      const messageId = await recordRejectedRequest(context.store, context.logger, {
        protocol: 'soap',
        partnerId,
        contentType,
        raw,
        reason: `the ${operation.name} request does not match the WSDL: ${listed.join('; ')}`,
      });
      throw new SoapFault(
        'Client',
        `The ${operation.name} request does not match the WSDL: ${listed[0]}`,
        {
          detail: issuesDetail(read.issues, messageId),
        },
      );
    }

    const reply = await runOperation(
      {
        service,
        operation: binding,
        partner: caller.partner,
        request: read.value,
        raw,
        contentType,
        receivedAt,
        correlationId: senderCorrelationId,
      },
      operationDeps,
    );
    if (!operation.output || reply === undefined) {
      res.status(202).end(); // a one-way operation: taken, nothing to say
      return;
    }
    const written = writeEnvelope(version, operation.output.write(reply));
    // Straight to node's response: express's send() would hash the body for an ETag and
    // re-derive the content type, neither of which a SOAP answer uses.
    res.writeHead(200, [
      'content-type',
      written.contentType,
      'content-length',
      String(Buffer.byteLength(written.body)),
    ]);
    res.end(written.body);
    if (context.logger.isLevelEnabled('info'))
      log().info({ partnerId, operation: operation.name }, 'soap: call answered');
  } catch (error) {
    const fault = await faultFor(error, {
      service,
      bound,
      deps,
      partnerId,
      correlationId: (correlationId ??= randomUUID()),
      log: log(),
      contentType,
      raw,
      context,
    });
    send(res, version, fault, { closeConnection: raw === undefined });
  }
}

function operationOf(bound: BoundPort, element: XmlElement | undefined): ContractOperation {
  if (!element)
    throw new SoapFault('Client', 'The SOAP Body is empty; it must hold the request element.');
  const operation = bound.byRequestElement.get(qualifiedKey(element.ns, element.name));
  if (!operation) {
    throw new SoapFault(
      'Client',
      `No operation of this port takes {${element.ns}}${element.name}.`,
    );
  }
  return operation;
}

interface FaultContext {
  service: SoapService;
  bound: BoundPort;
  deps: SoapEndpointDeps;
  partnerId: string | null;
  correlationId: string;
  log: Logger;
  contentType: string | null;
  raw: Buffer | undefined;
  context: InboundContext;
}

async function faultFor(error: unknown, at: FaultContext): Promise<SoapFault> {
  if (error instanceof SoapFault) return error;
  if (error instanceof XmlGuardError) {
    at.log.warn(
      { kind: error.kind, reason: error.message },
      'soap: request refused before parsing',
    );
    return new SoapFault('Client', error.message);
  }
  if (error instanceof SoapRefusal) {
    at.log.info(
      { partnerId: at.partnerId, code: error.code, reason: error.message },
      'soap: call refused',
    );
    let messageId = error.messageId;
    if (error.code === 'InvalidRequest' && at.raw) {
      messageId = await recordRejectedRequest(at.context.store, at.context.logger, {
        protocol: 'soap',
        partnerId: at.partnerId,
        contentType: at.contentType,
        raw: at.raw,
        reason: error.message,
      }).catch(() => undefined);
    }
    return new SoapFault(error.isSenderFault ? 'Client' : 'Server', error.message, {
      detail: refusalDetail(error, at, messageId),
    });
  }
  if (error instanceof IntakeUnavailableError) {
    at.log.error({ err: error }, 'soap: the call could not be stored');
    return new SoapFault(
      'Server',
      `The gateway could not store the request durably; nothing was taken, please retry. Correlation id ${at.correlationId}.`,
      { correlationId: at.correlationId },
    );
  }
  at.log.error(
    { err: error, partnerId: at.partnerId },
    error instanceof SoapMappingError ? 'soap: a reply map failed' : 'soap: internal error',
  );
  return new SoapFault(
    'Server',
    `The gateway failed to handle the request. Correlation id ${at.correlationId}.`,
    {
      correlationId: at.correlationId,
    },
  );
}

/** The service's declared fault detail for a refusal, or the gateway's own when it declares none. */
function refusalDetail(
  refusal: SoapRefusal,
  at: FaultContext,
  messageId: string | undefined,
): string {
  const refusals = at.service.refusals;
  const declared = refusals
    ? at.bound.port.operations
        .flatMap((operation) => operation.faults)
        .find((fault) => fault.name === refusals.fault && fault.detail)
    : undefined;
  const partner = at.partnerId ? at.context.partners.get(at.partnerId) : undefined;
  if (refusals && declared?.detail && partner) {
    try {
      const value = runMap(
        refusals.map,
        {
          code: refusal.code,
          message: refusal.message,
          trackingId: refusal.trackingId ?? messageId,
        },
        at.deps.maps,
        partner,
        'reply',
      ) as Record<string, unknown>;
      return declared.detail.write(value);
    } catch (error) {
      at.log.error(
        { err: error },
        'soap: the refusal detail map failed; the generic detail is sent',
      );
    }
  }
  return crossdockDetail([
    ['code', refusal.code],
    ['message', refusal.message],
    ['trackingId', refusal.trackingId ?? messageId],
  ]);
}

function issuesDetail(issues: { path: string; message: string }[], messageId: string): string {
  const items = issues
    .map(
      (issue) =>
        `<cd:issue><cd:element>${escapeXmlText(issue.path)}</cd:element><cd:reason>${escapeXmlText(issue.message)}</cd:reason></cd:issue>`,
    )
    .join('');
  return `<cd:invalidRequest xmlns:cd="${CROSSDOCK_NS}"><cd:messageId>${messageId}</cd:messageId>${items}</cd:invalidRequest>`;
}

function crossdockDetail(fields: [string, string | undefined][]): string {
  const inner = fields
    .filter((field): field is [string, string] => field[1] !== undefined)
    .map(([name, value]) => `<cd:${name}>${escapeXmlText(value)}</cd:${name}>`)
    .join('');
  return `<cd:refusal xmlns:cd="${CROSSDOCK_NS}">${inner}</cd:refusal>`;
}

function send(
  res: Response,
  version: SoapVersion,
  fault: SoapFault,
  options: { closeConnection?: boolean } = {},
): void {
  // SOAP 1.2 Appendix A: a version mismatch is answered as SOAP 1.1, which every sender reads;
  // a 1.2 port adds the Upgrade header naming the version it speaks.
  const written =
    fault.code === 'VersionMismatch'
      ? writeFault('1.1', fault, { upgradeHeader: version === '1.2', supportedVersions: [version] })
      : writeFault(version, fault);
  // A body refused before it was read to its end leaves bytes on the socket: do not reuse it.
  if (options.closeConnection) res.set('connection', 'close');
  res.status(written.status).set(written.headers).type(written.contentType).send(written.body);
}

function baseUrlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
