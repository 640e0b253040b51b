/**
 * Fan-out of live updates (issue 15): N subscribers of one audience, each on a WebSocket of its own (graphql-ws, as
 * N dashboards would be), then renames of the audience, each a committed write whose event every subscriber
 * must receive. Measures the time from sending the mutation to each subscriber's event (p50, p99, max), how many
 * events a second the server fans out when renames come back to back, and the server's RSS per 1,000 subscribers
 * (process_resident_memory_bytes from /metrics, before and after subscribing).
 *
 * `measureFanOut` is what bench/run.ts calls; alone, against a running server:
 *   npx tsx bench/fanout.ts --url http://localhost:4000 --key <api key> [--audience <id>] [--subscribers 1000] [--events 20]
 * Subscribing takes one rate-limit token per subscription: at the default 100 a second, 1,000 take about 10 s.
 */
import { parseArgs } from 'node:util';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface FanOutOptions {
  url: string;
  key: string;
  /** The audience renamed; its name is put back afterwards. */
  audienceId: string;
  subscribers?: number;
  /** Renames one at a time, each awaited by every subscriber: the latency figures. */
  events?: number;
  /** Renames back to back: the throughput figure. */
  burst?: number;
  /** Each event must reach every subscriber within this, or the run fails. */
  timeoutMs?: number;
}

export interface FanOutResult {
  subscribers: number;
  events: number;
  /** From sending the mutation to a subscriber receiving its event, over every delivery. */
  latencyMs: { p50: number; p99: number; max: number };
  /** The slowest subscriber of each event: when the last of them had it. */
  allDeliveredMs: { p50: number; max: number };
  /** Events a second fanned out to every subscriber, renames sent back to back. */
  eventsPerSecond: number;
  deliveriesPerSecond: number;
  /** Server RSS growth per 1,000 open subscriptions, in MB. */
  rssPer1000Mb: number;
  markdown: string;
}

const SUBSCRIPTION = `subscription FanOut($id: ID!) { audienceChanged(id: $id) { kind audience { name updatedAt contacts { totalCount } } } }`;

async function gql(url: string, key: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dexatel-key': key },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  if (body.errors?.length) throw new Error(`${query.slice(0, 40)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = new RegExp(`^${name} ([0-9.e+]+)`, 'm').exec(text)?.[1];
  if (value === undefined) throw new Error(`${url}/metrics has no ${name}`);
  return Number(value);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (value: number) => Math.round(value * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureFanOut(options: FanOutOptions): Promise<FanOutResult> {
  const { url, key, audienceId, subscribers = 1_000, events = 20, burst = 20, timeoutMs = 30_000 } = options;
  const original = (await gql(url, key, `query ($id: ID!) { audience(id: $id) { name } }`, { id: audienceId })).audience?.name as string | undefined;
  if (!original) throw new Error(`no audience ${audienceId} for this key`);
  const openBefore = await metric(url, 'gateway_live_subscriptions');
  const rssBefore = await metric(url, 'process_resident_memory_bytes');

  // name -> when its rename was sent; each subscriber's receive times by name.
  const sentAt = new Map<string, number>();
  const received = new Map<string, number[]>();
  const clients: Client[] = [];
  const wsUrl = url.replace(/^http/, 'ws') + '/graphql';
  try {
    let failure: Error | null = null;
    // Events each subscriber has received, whatever they show.
    const counts = new Array<number>(subscribers).fill(0);
    const subscribe = (client: Client, index: number, attempt = 1): void => {
      client.subscribe<{ audienceChanged: { audience: { name: string } | null } }>(
        { query: SUBSCRIPTION, variables: { id: audienceId } },
        {
          next(result) {
            counts[index]!++;
            const name = result.data?.audienceChanged.audience?.name;
            if (name) (received.get(name) ?? received.set(name, []).get(name)!).push(performance.now());
          },
          error(error) {
            const code = Array.isArray(error) ? error[0]?.extensions?.code : undefined;
            // Each subscribe spends a rate-limit token: refused, it waits for the bucket and asks again.
            if (code === 'RATE_LIMITED') void sleep(1_000).then(() => subscribe(client, index, attempt));
            // A socket closed while 1,000 connect at once (a handshake or connection_init past its timeout on a
            // busy machine): connect again, a few times.
            else if (!Array.isArray(error) && attempt < 3) void sleep(500).then(() => subscribe(client, index, attempt + 1));
            else {
              const close = error as { code?: number; reason?: string; message?: string };
              failure ??= new Error(`a subscription failed: ${Array.isArray(error) ? JSON.stringify(error) : `${close.code ?? ''} ${close.reason ?? close.message ?? String(error)}`}`);
            }
          },
          complete() {},
        },
      );
    };
    for (let i = 0; i < subscribers; i++) {
      clients.push(createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { 'X-Dexatel-Key': key }, retryAttempts: 0, lazy: true }));
    }
    // In slices, so the server is not flooded with handshakes; graphql-ws does not say when the server has
    // subscribed, the server's count does.
    for (let i = 0; i < clients.length; i += 100) {
      clients.slice(i, i + 100).forEach((client, offset) => subscribe(client, i + offset));
      await sleep(100);
    }
    for (let waited = 0; (await metric(url, 'gateway_live_subscriptions')) < openBefore + subscribers; waited += 100) {
      if (failure) throw failure;
      if (waited > timeoutMs) throw new Error(`the server holds ${await metric(url, 'gateway_live_subscriptions')} subscriptions, expected ${openBefore + subscribers}`);
      await sleep(100);
    }
    await sleep(500);
    const rssAfter = await metric(url, 'process_resident_memory_bytes');

    const rename = async (name: string) => {
      sentAt.set(name, performance.now());
      await gql(url, key, `mutation ($input: UpdateAudienceInput!) { updateAudience(input: $input) { audience { id } } }`, { input: { id: audienceId, name } });
    };
    const allArrived = async (names: string[]) => {
      const started = performance.now();
      while (names.some((name) => (received.get(name)?.length ?? 0) < subscribers)) {
        if (performance.now() - started > timeoutMs) {
          const short = names.map((name) => `${name}: ${received.get(name)?.length ?? 0}`).join(', ');
          throw new Error(`events did not reach every subscriber within ${timeoutMs} ms (${short})`);
        }
        await sleep(2);
      }
    };

    const run = Date.now().toString(36);
    const latencies: number[] = [];
    const lastDelivery: number[] = [];
    for (let i = 0; i < events; i++) {
      const name = `${original.slice(0, 80)} (fan-out ${run}.${i})`;
      await rename(name);
      await allArrived([name]);
      const times = received.get(name)!.map((at) => at - sentAt.get(name)!);
      latencies.push(...times);
      lastDelivery.push(Math.max(...times));
      await sleep(50);
    }

    // Back to back, an event may be read after the next rename has committed: it then shows the later name (the
    // audience as it is now), so the burst is counted in events a subscriber received, not by name.
    const before = [...counts];
    const burstStarted = performance.now();
    for (let i = 0; i < burst; i++) await rename(`${original.slice(0, 80)} (burst ${run}.${i})`);
    while (counts.some((count, index) => count < before[index]! + burst)) {
      if (performance.now() - burstStarted > timeoutMs) throw new Error(`the burst of ${burst} did not reach every subscriber within ${timeoutMs} ms`);
      await sleep(2);
    }
    const burstSeconds = (performance.now() - burstStarted) / 1000;

    latencies.sort((a, b) => a - b);
    lastDelivery.sort((a, b) => a - b);
    const result = {
      subscribers,
      events,
      latencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1)!) },
      allDeliveredMs: { p50: round(percentile(lastDelivery, 50)), max: round(lastDelivery.at(-1)!) },
      eventsPerSecond: round(burst / burstSeconds),
      deliveriesPerSecond: Math.round((burst * subscribers) / burstSeconds),
      rssPer1000Mb: round(((rssAfter - rssBefore) / 1024 / 1024) * (1000 / subscribers)),
    };
    return { ...result, markdown: fanOutTable(result) };
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
    await gql(url, key, `mutation ($input: UpdateAudienceInput!) { updateAudience(input: $input) { audience { id } } }`, { input: { id: audienceId, name: original } }).catch(() => {});
  }
}

export function fanOutTable(result: Omit<FanOutResult, 'markdown'>): string {
  return [
    '| subscribers | events | latency p50 | p99 | max | all delivered (p50 / max) | events/s (back to back) | deliveries/s | RSS per 1,000 subscribers |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${result.subscribers.toLocaleString('en-US')} | ${result.events} | ${result.latencyMs.p50} ms | ${result.latencyMs.p99} ms | ${result.latencyMs.max} ms | ${result.allDeliveredMs.p50} / ${result.allDeliveredMs.max} ms | ${result.eventsPerSecond} | ${result.deliveriesPerSecond.toLocaleString('en-US')} | ${result.rssPer1000Mb} MB |`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://localhost:4000' },
      key: { type: 'string', default: process.env.CONTACT_GATEWAY_KEY },
      audience: { type: 'string' },
      subscribers: { type: 'string', default: '1000' },
      events: { type: 'string', default: '20' },
    },
  });
  if (!values.key) throw new Error('--key <api key> (or CONTACT_GATEWAY_KEY) is required');
  let audienceId = values.audience;
  if (!audienceId) {
    const created = await gql(values.url!, values.key, `mutation ($input: CreateAudienceInput!) { createAudience(input: $input) { audience { id } } }`, {
      input: { name: `Fan-out ${Date.now()}`, channel: 'SMS' },
    });
    audienceId = created.createAudience.audience.id as string;
  }
  const result = await measureFanOut({ url: values.url!, key: values.key, audienceId: audienceId!, subscribers: Number(values.subscribers), events: Number(values.events) });
  console.log(result.markdown);
}
