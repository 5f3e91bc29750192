/**
 * The `soap` package's own client is one of the partners' stand-ins: what it serialises from the
 * FundsTransfer WSDL must read back exactly, amounts included. It posts to a real HTTP server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as soap from 'soap';
import { parseGuardedXml } from '../xml-guard';
import { childElement, type XmlElement } from '../xml-tree';
import { loadServiceContracts } from './load';
import type { MessageShape } from './types';

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const wsdlFile = path.join(__dirname, '../../../wsdl/funds-transfer/FundsTransfer.wsdl');

describe('the soap package client, read back by the contract', () => {
  let server: http.Server;
  let endpoint: string;
  let received: Buffer[] = [];
  let submit: MessageShape;
  let response: MessageShape;

  beforeAll(async () => {
    const [contract] = await loadServiceContracts(wsdlFile);
    const operation = contract!.ports[0]!.operations.find(
      (candidate) => candidate.name === 'SubmitTransfer',
    )!;
    submit = operation.input;
    response = operation.output!;
    const answer = response.write({
      TrackingId: 'trk-1',
      EndToEndId: 'E2E-9',
      Status: 'received',
      ReceivedAt: '2024-05-01T10:00:00Z',
    });
    server = http.createServer((request, reply) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(Buffer.concat(chunks));
        reply.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
        reply.end(
          `<soap:Envelope xmlns:soap="${SOAP11}"><soap:Body>${answer}</soap:Body></soap:Envelope>`,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/soap/funds-transfer`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function bodyChild(envelope: Buffer): XmlElement {
    const body = childElement(parseGuardedXml(envelope), SOAP11, 'Body');
    if (!body?.children[0]) throw new Error('no body element');
    return body.children[0];
  }

  it('reads a SubmitTransfer the soap client serialised, with the amount exact', async () => {
    received = [];
    const client = await soap.createClientAsync(wsdlFile, {}, endpoint);
    const [result] = await client.SubmitTransferAsync({
      EndToEndId: 'E2E-9',
      Debtor: {
        Name: 'ACME & Sons',
        Account: { IbanAccount: { Iban: 'DE89370400440532013000', Bic: 'COBADEFFXXX' } },
      },
      Creditor: {
        Name: 'Widgets <Ltd>',
        Account: {
          DomesticAccount: {
            AccountNumber: '000123456789',
            RoutingNumber: '021000021',
            AccountType: 'checking',
          },
        },
        Address: { Line: ['1 Main St', 'Suite 200'], City: 'Springfield' },
      },
      Amount: { attributes: { Currency: 'EUR' }, $value: '1234567890123456.78' },
      RequestedExecutionDate: '2024-06-03',
      RemittanceInformation: { Unstructured: ['Invoice 42', 'Order 7'] },
      ChargeBearer: 'SHAR',
    });
    expect(received).toHaveLength(1);
    expect(submit.read(bodyChild(received[0]!))).toEqual({
      ok: true,
      value: {
        EndToEndId: 'E2E-9',
        Debtor: {
          Name: 'ACME & Sons',
          Account: { IbanAccount: { Iban: 'DE89370400440532013000', Bic: 'COBADEFFXXX' } },
        },
        Creditor: {
          Name: 'Widgets <Ltd>',
          Account: {
            DomesticAccount: {
              AccountNumber: '000123456789',
              RoutingNumber: '021000021',
              AccountType: 'checking',
            },
          },
          Address: { Line: ['1 Main St', 'Suite 200'], City: 'Springfield' },
        },
        Amount: { value: '1234567890123456.78', Currency: 'EUR' },
        RequestedExecutionDate: '2024-06-03',
        RemittanceInformation: { Unstructured: ['Invoice 42', 'Order 7'] },
        ChargeBearer: 'SHAR',
      },
    });
    // And the response this contract wrote is what the soap client understands.
    expect(result).toMatchObject({ TrackingId: 'trk-1', Status: 'received' });
  });

  it('reports what the soap client lets through unchecked', async () => {
    received = [];
    const client = await soap.createClientAsync(wsdlFile, {}, endpoint);
    await client.GetTransferStatusAsync({ TrackingId: 'trk-1', EndToEndId: 'E2E-9' });
    const status = (await loadServiceContracts(wsdlFile))[0]!.ports[0]!.operations.find(
      (operation) => operation.name === 'GetTransferStatus',
    )!;
    const result = status.input.read(bodyChild(received[0]!));
    expect(result).toEqual({
      ok: false,
      issues: [{ path: 'GetTransferStatus/EndToEndId', message: 'unexpected element EndToEndId' }],
    });
  });
});
