import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { buildUsernameTokenHeader } from '../src/soap/ws-security';
import type { Cleanup } from './cleanup';
import { percentile } from './load-generator';

/**
 * SOAP SubmitTransfer load for bench/soap.ts, from a child process of its own so that neither
 * server shares its event loop. Every request is a whole SOAP 1.1 envelope built for it: a
 * WS-Security UsernameToken with a fresh nonce (the gateway refuses a replayed one) and a
 * unique EndToEndId (the gateway answers a repeated one with the first tracking id). An answer
 * counts only when it is 200 and carries a TrackingId.
 */
const LOAD_FLAG = '--soap-load';
const FT = 'urn:crossdock:banking:funds-transfer:v1';
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SUBMIT_TRANSFER_ACTION = `"${FT}/SubmitTransfer"`;
const TRACKING_ID = /<(?:[\w.-]+:)?TrackingId>[^<]+<\//;

export interface Caller {
  username: string;
  password: string;
  passwordType: 'PasswordText' | 'PasswordDigest';
}

/** Closed loop: `concurrency` requests in flight until `count`. Open: `rate` per second. */
export type LoadShape =
  | { kind: 'closed'; count: number; concurrency: number }
  | { kind: 'open'; rate: number; seconds: number };
export type LoadPlan = LoadShape & { url: string; path: string; label: string; caller: Caller };

export interface LoadFigures {
  kind: LoadPlan['kind'];
  label: string;
  sent: number;
  /** Answers that were 200 with a TrackingId. */
  answered: number;
  /** Everything else, by HTTP status (or error code when no answer came). */
  failures: Record<string, number>;
  /** The first failed answer, for the reader: status and the start of its body. */
  firstFailure?: string;
  /** From the first request to the last answer. */
  seconds: number;
  answeredPerSecond: number;
  /** Open loop: the rate requests actually left at (the generator keeping up with its plan). */
  offeredPerSecond: number;
  /** Closed loop: request written to answer read. Open loop: from the request's planned time. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** This process's CPU over the run, % of one core. */
  cpuPercent: number;
}

export interface SoapLoadProcess {
  pid: number;
  run(plan: LoadPlan): Promise<LoadFigures>;
  stop(): Promise<void>;
}

/** A SubmitTransfer envelope; the shape is the one test/soap-inbound.test.ts sends. */
export function submitTransferEnvelope(caller: Caller, endToEndId: string, amount: string): Buffer {
  const security = buildUsernameTokenHeader({
    username: caller.username,
    password: caller.password,
    passwordType: caller.passwordType,
    now: new Date(),
  });
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="${SOAP11}"><soapenv:Header>${security}</soapenv:Header><soapenv:Body><ft:SubmitTransfer xmlns:ft="${FT}">
  <ft:EndToEndId>${endToEndId}</ft:EndToEndId>
  <ft:Debtor><ft:Name>Harbor Freight Lines</ft:Name>
    <ft:Account><ft:IbanAccount><ft:Iban>DE89370400440532013000</ft:Iban><ft:Bic>COBADEFFXXX</ft:Bic></ft:IbanAccount></ft:Account>
  </ft:Debtor>
  <ft:Creditor><ft:Name>Acme Housewares Co.</ft:Name>
    <ft:Account><ft:DomesticAccount><ft:AccountNumber>7719302245</ft:AccountNumber><ft:RoutingNumber>121000248</ft:RoutingNumber></ft:DomesticAccount></ft:Account>
  </ft:Creditor>
  <ft:Amount Currency="EUR">${amount}</ft:Amount>
  <ft:RequestedExecutionDate>2026-12-01</ft:RequestedExecutionDate>
</ft:SubmitTransfer></soapenv:Body></soapenv:Envelope>`,
  );
}

interface Tally {
  sent: number;
  answered: number;
  failures: Record<string, number>;
  firstFailure?: string;
  latencies: number[];
  lastAnswerAt: number;
}

function submitOne(
  plan: LoadPlan,
  agent: http.Agent,
  index: number,
  tally: Tally,
  startedAt: number,
): Promise<void> {
  const target = new URL(plan.url);
  // Text35: the label keeps ids unique across the runs that share one gateway's store.
  const endToEndId = `E2E-${plan.label}-${index}`;
  const amount = `${1000 + (index % 9000)}.${String(index % 100).padStart(2, '0')}`;
  const body = submitTransferEnvelope(plan.caller, endToEndId, amount);
  const fail = (reason: string, detail?: string) => {
    tally.failures[reason] = (tally.failures[reason] ?? 0) + 1;
    tally.firstFailure ??= detail ? `${reason}: ${detail.slice(0, 600)}` : reason;
  };
  tally.sent++;
  return new Promise<void>((resolve) => {
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: plan.path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          soapaction: SUBMIT_TRANSFER_ACTION,
          'content-length': String(body.length),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const answeredAt = performance.now();
          tally.lastAnswerAt = answeredAt;
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode === 200 && TRACKING_ID.test(text)) {
            tally.answered++;
            tally.latencies.push(answeredAt - startedAt);
          } else if (response.statusCode === 200) {
            fail('200 without TrackingId', text);
          } else {
            fail(String(response.statusCode), text);
          }
          resolve();
        });
        response.on('error', (error) => {
          fail((error as NodeJS.ErrnoException).code ?? error.message);
          resolve();
        });
      },
    );
    request.on('error', (error) => {
      tally.lastAnswerAt = performance.now();
      fail((error as NodeJS.ErrnoException).code ?? error.message);
      resolve();
    });
    request.end(body);
  });
}

/** `concurrency` lanes, each sending its next request when the last one is answered. */
async function runClosedLoop(plan: Extract<LoadPlan, { kind: 'closed' }>, tally: Tally) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  let next = 0;
  const lane = async () => {
    while (next < plan.count) await submitOne(plan, agent, next++, tally, performance.now());
  };
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.count) }, lane));
  agent.destroy();
}

/**
 * Requests leave on a fixed schedule whatever the answers, as independent callers would; a
 * latency counts from the planned time, so a stalled server's queue is not hidden.
 */
async function runOpenLoop(plan: Extract<LoadPlan, { kind: 'open' }>, tally: Tally) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(plan.rate * plan.seconds);
  const interval = 1000 / plan.rate;
  const startedAt = performance.now();
  const inFlight: Promise<void>[] = [];
  let planned = 0;
  let lastSentAt = startedAt;
  await new Promise<void>((resolve) => {
    // A 1 ms timer sends whatever is due: a busy loop would steal the servers' CPU.
    const sendDue = () => {
      const due = Math.min(total, Math.floor((performance.now() - startedAt) / interval) + 1);
      for (; planned < due; planned++) {
        inFlight.push(submitOne(plan, agent, planned, tally, startedAt + planned * interval));
      }
      lastSentAt = performance.now();
      if (planned < total) setTimeout(sendDue, 1);
      else resolve();
    };
    sendDue();
  });
  await Promise.all(inFlight);
  agent.destroy();
  return { offeredSeconds: Math.max(1e-3, (lastSentAt - startedAt) / 1000) };
}

async function runPlan(plan: LoadPlan): Promise<LoadFigures> {
  const tally: Tally = { sent: 0, answered: 0, failures: {}, latencies: [], lastAnswerAt: 0 };
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const open = plan.kind === 'open' ? await runOpenLoop(plan, tally) : undefined;
  if (plan.kind === 'closed') await runClosedLoop(plan, tally);
  const seconds = (Math.max(tally.lastAnswerAt, startedAt + 1) - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const samples = Float64Array.from(tally.latencies);
  return {
    kind: plan.kind,
    label: plan.label,
    sent: tally.sent,
    answered: tally.answered,
    failures: tally.failures,
    firstFailure: tally.firstFailure,
    seconds,
    answeredPerSecond: tally.answered / seconds,
    offeredPerSecond: open ? tally.sent / open.offeredSeconds : tally.sent / seconds,
    latencyMs: {
      p50: percentile(samples, 50),
      p90: percentile(samples, 90),
      p99: percentile(samples, 99),
      max: percentile(samples, 100),
    },
    cpuPercent: (cpu.user + cpu.system) / 10 / (performance.now() - startedAt || 1),
  };
}

/** Forks the load process; each `run` is answered when its plan is done. */
export function startSoapLoadProcess(cleanup: Cleanup): SoapLoadProcess {
  const child: ChildProcess = fork(__filename, [LOAD_FLAG], { stdio: 'inherit' });
  cleanup.trackPid(child.pid);
  const stop = cleanup.add('stop the SOAP load process', async () => {
    cleanup.untrackPid(child.pid);
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`the SOAP load process exited with ${signal ?? `code ${code}`}`)),
    ),
  );
  exited.catch(() => undefined);
  return {
    pid: child.pid!,
    run: (plan) =>
      Promise.race([
        exited,
        new Promise<LoadFigures>((resolve) => {
          child.once('message', (figures) => resolve(figures as LoadFigures));
          child.send(plan);
        }),
      ]),
    stop,
  };
}

if (process.argv.includes(LOAD_FLAG)) {
  process.on('message', (plan: LoadPlan) => {
    void runPlan(plan).then((figures) => process.send!(figures));
  });
}
