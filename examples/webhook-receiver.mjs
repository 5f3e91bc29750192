// A minimal receiver for Crossdock's signed webhooks, for trying the gateway out:
//   ACME_ERP_WEBHOOK_SECRET=whsec_... node examples/webhook-receiver.mjs
// It checks the Standard Webhooks signature and timestamp, prints each event, and answers 204.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

const secret = process.env.ACME_ERP_WEBHOOK_SECRET;
if (!secret) {
  console.error('Set ACME_ERP_WEBHOOK_SECRET to the same whsec_... value the gateway has.');
  process.exit(2);
}
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
const port = Number(process.env.PORT ?? 9090);
const TOLERANCE_SECONDS = 300;

function isAuthentic(headers, body) {
  const id = headers['webhook-id'];
  const timestamp = Number(headers['webhook-timestamp']);
  if (!id || !Number.isFinite(timestamp)) return false;
  if (Math.abs(Date.now() / 1000 - timestamp) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return String(headers['webhook-signature'] ?? '')
    .split(' ')
    .some((candidate) => {
      const [version, signature] = candidate.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return (
        version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected)
      );
    });
}

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (!isAuthentic(req.headers, body)) {
        console.log('rejected a request with a bad or stale signature');
        res.writeHead(401).end();
        return;
      }
      const event = JSON.parse(body);
      console.log(
        `${event.type} ${event.subject ?? ''} from ${event.partnerid} (event ${event.id})`,
      );
      res.writeHead(204).end();
    });
  })
  .listen(port, '127.0.0.1', () =>
    console.log(`listening on http://127.0.0.1:${port}/crossdock/events`),
  );
