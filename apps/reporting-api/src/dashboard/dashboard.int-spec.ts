import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventKey, Topics } from '@vigil/contracts';
import { uniqueTenant } from '@vigil/testing';
import {
  breached, cleared, configApplied, policyConfigured, raised, tenantConfigured, useReportingHarness, type AlarmSpec,
} from '../testing/reporting-test-kit';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const OUTPUT = path.resolve(__dirname, '../../../../tmp/test-output');
// `npm test` installs Debian's chromium when it is missing; only where it cannot does it ask to skip.
const describeInBrowser = process.env.VIGIL_SKIP_BROWSER_TESTS === '1' ? describe.skip : describe;

/** What the tests read of the page's chart (the spec has no DOM types: only what it touches). */
interface PageChart {
  data: { labels: string[]; datasets: Array<{ label: string; data: Array<number | null>; borderDash?: number[] }> };
  canvas: {
    width: number;
    clientWidth: number;
    getBoundingClientRect(): { left: number; top: number };
    getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Iterable<number> } };
  };
  getDatasetMeta(index: number): { data: Array<{ x: number; y: number }> };
}
/** The dashboard in a real browser (playwright-core driving Debian's chromium) against the app fed with real events. */
describeInBrowser('dashboard in chromium against real Kafka and PostgreSQL', () => {
  const running = useReportingHarness();
  let browser: Browser;
  const acme = uniqueTenant();
  const alarm = (alarmKey: string, serviceId: string, raisedAt: string): AlarmSpec => ({ tenantId: acme, alarmKey, serviceId, raisedAt });
  const dbDown = alarm('checkout-db-down', 'checkout-api', '2026-11-03T10:00:00+01:00');
  const paymentsSlow = alarm('payments-timeouts', 'payments-api', '2026-11-05T09:00:00+01:00');
  const view = (service?: string) => `#from=2026-11-01&to=2026-11-07${service ? `&service=${service}` : ''}`;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium), or set VIGIL_CHROMIUM`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    await running().produce(Topics.configEvents, `${acme}/config`,
      tenantConfigured(acme, 'Europe/Berlin'),
      policyConfigured(acme, 'checkout-availability', { type: 'availability', services: ['checkout-api'], objective: 99.9, creditSchedule: 'standard' }),
      configApplied(acme, 'CreditSchedule', 'standard', { tiers: [{ below: 99.9, credit: 10 }, { below: 99, credit: 25 }] }));
    await running().produce(Topics.alarmEvents, eventKey(acme, 'checkout-api'), raised(dbDown), cleared(dbDown, '2026-11-03T12:00:00+01:00'));
    await running().produce(Topics.alarmEvents, eventKey(acme, 'payments-api'), raised(paymentsSlow), cleared(paymentsSlow, '2026-11-05T09:30:00+01:00'));
    await running().produce(Topics.slaEvents, eventKey(acme, 'checkout-api'), breached(acme, 'checkout-api', 'checkout-availability', '2026-11-03T11:00:00+01:00'));
    await running().expectEventually('/api/v1/sla/reports/monthly', await running().tokenFor(acme), { month: '2026-11', service_id: 'checkout-api' },
      expect.objectContaining({ downtime_minutes: 120, breaches: 1 }));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function open(tenant: string, fragment: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${running().base}/dashboard#token=${await running().tokenFor(tenant)}&${fragment.slice(1)}`);
    return page;
  }

  it('draws daily compliance with the dashed target line and the breach, and the monthly credit, from real data', async () => {
    const page = await open(acme, view('checkout-api'));
    await page.waitForSelector('body[data-state="ready"][data-loaded]');
    const chart = await page.evaluate(() => {
      const c = (globalThis as unknown as { vigilDashboard: { chart: PageChart } }).vigilDashboard.chart;
      return { labels: c.data.labels, datasets: c.data.datasets.map((d) => ({ label: d.label, data: d.data, borderDash: d.borderDash ?? [] })) };
    });
    expect(chart.labels).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07']);
    // 120 minutes down on the 3rd: 91.67 %; the payments-api alarm is not checkout-api's.
    expect(chart.datasets).toEqual([
      { label: 'Compliance %', data: [100, 100, 91.67, 100, 100, 100, 100], borderDash: [] },
      { label: 'Target %', data: [99.9, 99.9, 99.9, 99.9, 99.9, 99.9, 99.9], borderDash: [6, 4] },
      { label: 'Breaches', data: [null, null, 91.67, null, null, null, null], borderDash: [] },
    ]);
    // The target line is really painted: the pixel under its point on the 1st is not the blank canvas.
    const painted = await page.evaluate(() => {
      const c = (globalThis as unknown as { vigilDashboard: { chart: PageChart } }).vigilDashboard.chart;
      const point = c.getDatasetMeta(1).data[3];
      const ratio = c.canvas.width / c.canvas.clientWidth;
      const [r, g, b, a] = c.canvas.getContext('2d').getImageData(Math.round(point.x * ratio), Math.round(point.y * ratio), 1, 1).data;
      return { r, g, b, a };
    });
    expect(painted.a).toBeGreaterThan(0);
    expect(painted.g).toBeGreaterThan(painted.r);
    // November to date: 120 of the month's minutes so far, below 99.9 %: the 10 % tier.
    await expect(page.textContent('#credit-percentage')).resolves.toBe('10 % (standard)');
    expect(await page.$$eval('#service option', (options) => options.map((o) => (o as unknown as { value: string }).value))).toEqual(['', 'checkout-api', 'payments-api']);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'reporting-dashboard.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('lists the incidents of a clicked day', async () => {
    const page = await open(acme, view());
    await page.waitForSelector('body[data-state="ready"][data-loaded]');
    const target = await page.evaluate(() => {
      const c = (globalThis as unknown as { vigilDashboard: { chart: PageChart } }).vigilDashboard.chart;
      const box = c.canvas.getBoundingClientRect();
      const point = c.getDatasetMeta(0).data[4];
      return { x: box.left + point.x, y: box.top + point.y };
    });
    await page.mouse.click(target.x, target.y);
    await page.waitForSelector('body[data-day="2026-11-05"] #incidents tbody tr');
    const rows = await page.$$eval('#incidents tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual([['payments-timeouts', 'payments-api', 'critical', '2026-11-05 09:00', '2026-11-05 09:30', '30', 'resolved']]);
    await page.close();
  }, 60_000);

  it('says that SLA analytics will appear once alarms arrive while a tenant has none', async () => {
    const page = await open(uniqueTenant(), view());
    await page.waitForSelector('body[data-state="empty"]');
    await expect(page.textContent('#empty')).resolves.toBe('SLA analytics will appear once alarms arrive');
    expect(await page.isVisible('#chart')).toBe(false);
    await page.close();
  }, 60_000);

  it('styles the page from its own stylesheet', async () => {
    const page = await open(uniqueTenant(), view());
    await page.waitForSelector('body[data-state="empty"]');
    const header = await page.$eval('header', (element) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(element).backgroundColor);
    expect(header).toBe('rgb(15, 23, 42)');
    const { status, headers } = await running().get('/dashboard/app.css', undefined);
    expect({ status, type: headers.get('content-type') }).toEqual({ status: 200, type: 'text/css; charset=utf-8' });
    await page.close();
  }, 60_000);

  it('serves Chart.js from the app itself', async () => {
    const { status, headers, text } = await running().get('/dashboard/vendor/chart.umd.min.js', undefined);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/javascript/);
    expect(text).toContain('Chart');
  });
});
