import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './kustomize-render';

const PROMTOOL = process.env.VIGIL_PROMTOOL ?? '/usr/bin/promtool';
const prometheusDir = join(repoRoot, 'deploy', 'prometheus');
// `npm test` installs Debian's prometheus (promtool) when missing; only where it cannot does it ask to skip.
const skipPromtool = process.env.VIGIL_SKIP_PROMTOOL_TESTS === '1';
if (skipPromtool) console.warn('VIGIL_SKIP_PROMTOOL_TESTS=1: the alert rules are NOT checked by promtool in this run');
const describePromtool = skipPromtool ? describe.skip : describe;

const promtool = (...args: string[]) => spawnSync(PROMTOOL, args, { cwd: prometheusDir, encoding: 'utf8' });

describePromtool('Prometheus alert rules (promtool)', () => {
  it('pass promtool check rules, and the Prometheus config that loads them passes check config', () => {
    const rules = promtool('check', 'rules', 'vigil-alerts.rules.yml');
    expect(rules.stderr + rules.stdout).toContain('SUCCESS');
    expect(rules.status).toBe(0);
    const config = promtool('check', 'config', 'prometheus.yml');
    expect(config.status).toBe(0);
  });

  it('fire at the original thresholds, as the unit tests of vigil-alerts.test.yml expect', () => {
    const run = promtool('test', 'rules', 'vigil-alerts.test.yml');
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it('would catch a wrong threshold: the same tests fail against rules with the warning at 2 %', () => {
    const changed = readFileSync(join(prometheusDir, 'vigil-alerts.rules.yml'), 'utf8').replace('vigil:http_error_ratio:rate5m > 0.01', 'vigil:http_error_ratio:rate5m > 0.02');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
    copyFileSync(join(prometheusDir, 'vigil-alerts.test.yml'), join(dir, 'vigil-alerts.test.yml'));
    writeFileSync(join(dir, 'vigil-alerts.rules.yml'), changed);
    const run = spawnSync(PROMTOOL, ['test', 'rules', 'vigil-alerts.test.yml'], { cwd: dir, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('VigilHighErrorRate');
  });
});

/** Metric names Vigil defines (prom-client constructors in apps and libs) plus recording rules and the client's defaults. */
function knownMetrics(): Set<string> {
  const names = new Set<string>(['up']);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      if (f === 'node_modules' || f === 'dist') return [];
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') && !/spec\.ts$/.test(p) ? [p] : [];
    });
  for (const file of [...walk(join(repoRoot, 'apps')), ...walk(join(repoRoot, 'libs'))]) {
    for (const m of readFileSync(file, 'utf8').matchAll(/name: '(vigil_[a-z0-9_]+)'/g)) names.add(m[1]);
  }
  const rules = parse(readFileSync(join(prometheusDir, 'vigil-alerts.rules.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ record?: string }> }> };
  for (const g of rules.groups) for (const r of g.rules) if (r.record) names.add(r.record);
  for (const d of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds']) names.add(d);
  return names;
}

/** Metric names a PromQL expression reads (histogram series map back to the histogram). */
function metricsIn(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '').replace(/"[^"]*"/g, '');
  return [...withoutLabels.matchAll(/\b((?:vigil|process|nodejs)[a-z0-9_:]*|up)\b/g)].map((m) => m[1].replace(/_(bucket|count|sum)$/, ''));
}

describe('Grafana dashboard of Vigil\'s own health', () => {
  const dashboard = JSON.parse(readFileSync(join(repoRoot, 'deploy', 'grafana', 'dashboards', 'vigil-health.json'), 'utf8')) as {
    uid: string; panels: Array<{ title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }>;
  };

  it('is a dashboard JSON whose every panel queries the provisioned Prometheus', () => {
    expect(dashboard.uid).toBe('vigil-health');
    expect(dashboard.panels.length).toBeGreaterThan(10);
    const datasources = parse(readFileSync(join(repoRoot, 'deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as { datasources: Array<{ uid: string; type: string }> };
    const prometheusUid = datasources.datasources.find((d) => d.type === 'prometheus')?.uid;
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe(prometheusUid);
      expect(panel.targets.length).toBeGreaterThan(0);
    }
  });

  it('queries only metrics that Vigil exports or the rules record', () => {
    const known = knownMetrics();
    const unknown = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr).filter((m) => !known.has(m)).map((m) => `${p.title}: ${m}`)));
    expect(unknown).toEqual([]);
  });

  it('and the alert rules read only such metrics too', () => {
    const known = knownMetrics();
    const rules = parse(readFileSync(join(prometheusDir, 'vigil-alerts.rules.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }> };
    const unknown = rules.groups.flatMap((g) => g.rules.flatMap((r) => metricsIn(r.expr).filter((m) => !known.has(m)).map((m) => `${r.alert ?? r.record}: ${m}`)));
    expect(unknown).toEqual([]);
  });
});

describe('checks of the checks', () => {
  it('find a metric name that nothing exports', () => {
    expect(metricsIn('sum(rate(vigil_made_up_total{service="x"}[5m])) / vigil:http_requests:rate5m').filter((m) => !knownMetrics().has(m))).toEqual(['vigil_made_up_total']);
  });

  it('have the promtool they need, unless told to skip', () => {
    expect(skipPromtool || existsSync(PROMTOOL)).toBe(true);
  });
});
