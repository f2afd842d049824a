import { benchmarksMarkdown, ratios } from './benchmarks-report';

const facts = {
  runId: 'r1', startedAt: new Date('2026-11-22T08:00:00Z'), command: 'npm run bench',
  machine: { nproc: 2, cpu: 'AMD EPYC', memoryGiB: 23.5, os: 'Linux 6.18 x64', node: 'v24.21.0' },
  versions: { Kafka: '3.9.2', PostgreSQL: '15.20' },
};

describe('docs/BENCHMARKS.md', () => {
  it('takes the side-by-side ratios of a scenario from its ratio_ keys', () => {
    expect(ratios({ scenario: 'ingest', ratio_vs_alertmanager: 0.3, p99_ms: 5, ratio_single_vs_alertmanager: null })).toEqual([['ratio_vs_alertmanager', 0.3]]);
  });

  it('gives the machine, a summary line per scenario and each scenario’s table and figures', () => {
    const text = benchmarksMarkdown([
      { name: 'ingest', description: 'alarms in', seconds: 61.2, result: { ok: true, report: '\ntable of ingest\n', figures: { scenario: 'ingest', ratio_vs_alertmanager: 0.3 } } },
      { name: 'report', description: 'reports out', seconds: 3, error: 'database vigil_bench is gone' },
    ], facts);
    expect(text).toContain('- 2 CPUs (AMD EPYC), 23.5 GiB, Linux 6.18 x64');
    expect(text).toContain('- Kafka: 3.9.2');
    expect(text).toContain('| ingest | ok | ratio_vs_alertmanager = 0.3 | 61 s |');
    expect(text).toContain('| report | failed: database vigil_bench is gone | – | 3 s |');
    expect(text).toContain('```\ntable of ingest\n```');
    expect(text).toContain('"ratio_vs_alertmanager": 0.3');
  });
});
