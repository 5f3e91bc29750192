import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Problem } from '../problem';

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
