import { createKafka, ensureTopics } from '@vigil/messaging';
import { throwIfInterrupted } from '../shared/interruption';
import { machine } from '../shared/machine';
import { progress } from '../shared/progress';
import type { BenchContext, ScenarioResult } from '../shared/scenario';
import { ratePerSecond, ratio, round, summarize, type LatencySummary } from '../shared/stats';
import { formatNumber, formatTable } from '../shared/table';
import type { BenchMessage, KafkaClientUnderTest } from './kafka-client';
import { KafkajsClient } from './kafkajs.client';
import { relayMessages } from './relay-messages';

export interface KafkaClientsOptions {
  messages: number;
  batchSize: number;
  rounds: number;
  timeoutMs: number;
}

export const DefaultKafkaClientsOptions: KafkaClientsOptions = { messages: 100_000, batchSize: 1_000, rounds: 2, timeoutMs: 120_000 };

interface ClientFigures {
  name: string;
  producePerS: number[];
  batchLatency: number[];
  produceCpuMsPer1k: number[];
  consumePerS: number[];
  firstMessageMs: number[];
  consumeCpuMsPer1k: number[];
}

/** CPU this process used while `work` ran, in ms (both clients run in the bench's own process, one at a time). */
async function withCpu<T>(work: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const before = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(before);
  return { result, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * kafkajs (what Vigil uses) against @platformatic/kafka on the paths Vigil takes: the outbox
 * relay's idempotent batched produce and a consumer group reading from the start. Same broker,
 * same messages, the clients taking turns in this process, the best of `rounds`.
 */
export async function runKafkaClients(context: BenchContext, options: KafkaClientsOptions): Promise<ScenarioResult> {
  const brokers = context.kafkaBrokers.split(',');
  const messages = relayMessages(options.messages, `bench-${context.runId}`);
  const batches: BenchMessage[][] = [];
  for (let i = 0; i < messages.length; i += options.batchSize) batches.push(messages.slice(i, i + options.batchSize));
  const bytes = messages.reduce((sum, m) => sum + m.value.length, 0) / messages.length;

  // Loaded only when the scenario runs: the package is ESM-only, which Node 24 requires but jest's module system does not.
  const { PlatformaticClient } = await import('./platformatic.client');
  const clients: KafkaClientUnderTest[] = [new KafkajsClient(brokers), new PlatformaticClient(brokers)];
  const figures: ClientFigures[] = clients.map((c) => ({ name: c.name, producePerS: [], batchLatency: [], produceCpuMsPer1k: [], consumePerS: [], firstMessageMs: [], consumeCpuMsPer1k: [] }));
  const kafka = createKafka({ brokers, clientId: 'vigil-bench-admin' });
  let ok = true;
  try {
    for (let round = 1; round <= options.rounds; round++) {
      const topics = clients.map((_, i) => `vigil.bench.kafka-clients.${context.runId}.r${round}.c${i}`);
      await ensureTopics(kafka, topics, { partitions: 12, replicationFactor: 1 });
      for (const [i, client] of clients.entries()) {
        throwIfInterrupted();
        progress(`round ${round}: ${client.name} produces ${formatNumber(options.messages)} messages in batches of ${options.batchSize}`);
        const started = Date.now();
        const { result: latencies, cpuMs } = await withCpu(() => client.produce(topics[i], batches));
        figures[i].producePerS.push(ratePerSecond(options.messages, Date.now() - started));
        figures[i].batchLatency.push(...latencies);
        figures[i].produceCpuMsPer1k.push((cpuMs / options.messages) * 1000);
      }
      // Both consume the same topic (the one kafkajs wrote this round), each in a new group.
      for (const [i, client] of clients.entries()) {
        throwIfInterrupted();
        progress(`round ${round}: ${client.name} consumes them`);
        const { result, cpuMs } = await withCpu(() => client.consume(topics[0], `vigil-bench-${context.runId}-r${round}-c${i}`, options.messages, options.timeoutMs));
        if (result.messages < options.messages) ok = false;
        figures[i].consumePerS.push(ratePerSecond(result.messages, result.streamMs));
        figures[i].firstMessageMs.push(result.firstMessageMs);
        figures[i].consumeCpuMsPer1k.push((cpuMs / options.messages) * 1000);
      }
    }
  } catch (error) {
    ok = false;
    progress(`kafka clients: ${(error as Error).message}`);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
  return report(context, options, figures, bytes, ok);
}

const best = (values: number[]) => (values.length ? Math.max(...values) : Number.NaN);
const least = (values: number[]) => (values.length ? Math.min(...values) : Number.NaN);

function report(context: BenchContext, options: KafkaClientsOptions, figures: ClientFigures[], bytes: number, ok: boolean): ScenarioResult {
  const [kafkajs, platformatic] = figures;
  const latency = (f: ClientFigures): LatencySummary => summarize(f.batchLatency);
  const m = machine();
  const rows = figures.map((f) => {
    const l = latency(f);
    return [
      f.name, formatNumber(best(f.producePerS)), formatNumber(l.p50, 1), formatNumber(l.p99, 1), formatNumber(least(f.produceCpuMsPer1k), 1),
      formatNumber(best(f.consumePerS)), formatNumber(least(f.firstMessageMs)), formatNumber(least(f.consumeCpuMsPer1k), 1),
    ];
  });
  const produceRatio = ratio(best(platformatic.producePerS), best(kafkajs.producePerS));
  const consumeRatio = ratio(best(platformatic.consumePerS), best(kafkajs.consumePerS));
  const lines = [
    '',
    `Kafka clients — ${formatNumber(options.messages)} alarm-raised envelopes (${formatNumber(bytes)} bytes each, 3 headers, 48 keys, 12 partitions), best of ${options.rounds} rounds`,
    '',
    formatTable(['client', 'produce msg/s', 'batch p50 ms', 'batch p99 ms', 'produce CPU ms/1k', 'consume msg/s', 'join→first ms', 'consume CPU ms/1k'], rows),
    '',
    `  produce         the relay's path: batches of ${options.batchSize} sent one after another, idempotent producer, acks=-1, one request in flight`,
    '  consume         a new consumer group reading the topic from its start, one message at a time, parsing each envelope; rate from first to last message',
    '  CPU ms/1k       CPU of the bench process (the client) per 1,000 messages; the broker is not counted',
    '',
    `  @platformatic/kafka ÷ kafkajs: produce ${formatNumber(produceRatio, 2)}, consume ${formatNumber(consumeRatio, 2)}  (higher is better for @platformatic/kafka)`,
    '',
    `  machine: ${m.nproc} CPUs (${m.cpu}), ${m.memoryGiB} GiB; Node ${m.node}; Kafka ${context.kafkaVersion ?? '?'} at ${context.kafkaBrokers}`,
    '',
  ];
  return {
    report: lines.join('\n'),
    ok,
    figures: {
      scenario: 'kafka',
      kafkajs_produce_per_s: round(best(kafkajs.producePerS)),
      platformatic_produce_per_s: round(best(platformatic.producePerS)),
      kafkajs_batch_p99_ms: round(latency(kafkajs).p99, 1),
      platformatic_batch_p99_ms: round(latency(platformatic).p99, 1),
      kafkajs_consume_per_s: round(best(kafkajs.consumePerS)),
      platformatic_consume_per_s: round(best(platformatic.consumePerS)),
      kafkajs_produce_cpu_ms_per_1k: round(least(kafkajs.produceCpuMsPer1k), 2),
      platformatic_produce_cpu_ms_per_1k: round(least(platformatic.produceCpuMsPer1k), 2),
      kafkajs_consume_cpu_ms_per_1k: round(least(kafkajs.consumeCpuMsPer1k), 2),
      platformatic_consume_cpu_ms_per_1k: round(least(platformatic.consumeCpuMsPer1k), 2),
      ratio_produce_vs_kafkajs: round(produceRatio, 2),
      ratio_consume_vs_kafkajs: round(consumeRatio, 2),
      messages: options.messages,
      batch_size: options.batchSize,
      rounds: options.rounds,
      nproc: m.nproc,
      node: m.node,
    },
  };
}
