import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import * as soap from 'soap';
import { projectRoot } from '../src/runtime/project-root';
import type { Cleanup } from './cleanup';

/**
 * The yardstick of issue 5's SOAP goal: the `soap` package on its own, serving the built-in
 * FundsTransfer WSDL at the gateway's path and answering SubmitTransfer from memory (nothing
 * stored, nothing queued, no WS-Security check). It runs in a child process of its own, like
 * the gateway, so neither shares the load generator's event loop.
 */
export const BARE_SOAP_PATH = '/soap/funds-transfer';
const SERVER_FLAG = '--bare-soap-server';

export interface BareSoapServer {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

interface SubmitTransferArgs {
  EndToEndId?: string;
}

function serve(): void {
  const wsdlFile = path.join(projectRoot(), 'wsdl', 'funds-transfer', 'FundsTransfer.wsdl');
  let trackingCounter = 0;
  const services = {
    FundsTransferService: {
      FundsTransferSoap11Port: {
        SubmitTransfer: (args: SubmitTransferArgs) => ({
          TrackingId: `bare-${++trackingCounter}`,
          EndToEndId: args.EndToEndId,
          Status: 'received',
          ReceivedAt: new Date().toISOString(),
        }),
      },
    },
  };
  const server = http.createServer();
  // `uri` lets the package resolve the WSDL's wsdl:import and xsd:import/include files.
  soap.listen(server, {
    path: BARE_SOAP_PATH,
    services,
    xml: readFileSync(wsdlFile, 'utf8'),
    uri: wsdlFile,
    suppressStack: true,
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.send!({ url: `http://127.0.0.1:${port}` });
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

/** Forks the bare server and resolves once it listens. */
export function startBareSoapServer(cleanup: Cleanup): Promise<BareSoapServer> {
  const child = fork(__filename, [SERVER_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  cleanup.trackPid(child.pid);
  const stop = cleanup.add('stop the bare soap server', () => stopChild(child, cleanup));
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`the bare soap server exited with ${signal ?? `code ${code}`}`)),
    );
    child.once('message', (message) => {
      const { url } = message as { url: string };
      resolve({ pid: child.pid!, url, stop });
    });
  });
}

function stopChild(child: ChildProcess, cleanup: Cleanup): Promise<void> {
  cleanup.untrackPid(child.pid);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

if (process.argv.includes(SERVER_FLAG)) serve();
