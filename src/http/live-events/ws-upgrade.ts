import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { Problem } from '../problem';

/**
 * Applies an express guard (the operator rule) to an upgrade request, which never passes
 * through express: the request is given express's request methods so the guard reads its
 * headers and peer address exactly as for the other feeds. A guard that does not decide at
 * once refuses, so a future asynchronous guard fails closed rather than open.
 */
export function upgradeRefusal(guard: RequestHandler, req: IncomingMessage): Problem | undefined {
  const asExpress = Object.create(express.request) as Request;
  Object.defineProperties(asExpress, {
    headers: { value: req.headers },
    socket: { value: req.socket },
    method: { value: req.method },
    url: { value: req.url },
  });
  let decision: Problem | 'allowed' | undefined;
  try {
    void guard(asExpress, undefined as unknown as Response, (error?: unknown) => {
      if (error === undefined) decision = 'allowed';
      else if (error instanceof Problem) decision = error;
      else throw error;
    });
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    decision = error;
  }
  if (decision === 'allowed') return undefined;
  return decision ?? new Problem(401, 'unauthorized', 'The event feed could not authenticate.');
}

/** Answers an upgrade request with a problem+json over the raw socket and closes it. */
export function refuseUpgrade(socket: Duplex, problem: Problem, instance?: string): void {
  const body = JSON.stringify(problem.toJSON(instance));
  const headers = [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}`,
    'content-type: application/problem+json',
    `content-length: ${Buffer.byteLength(body)}`,
    ...(problem.status === 401 ? ['www-authenticate: Bearer realm="crossdock"'] : []),
    ...(problem.status === 503 ? ['retry-after: 5'] : []),
    'connection: close',
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
