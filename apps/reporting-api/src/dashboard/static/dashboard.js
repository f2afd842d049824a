/*
 * The dashboard's script, served as it is at /dashboard/app.js (no build step, no framework).
 * The token is taken from the URL fragment (`#token=…`, never sent to a server or a log) and kept
 * in the tab's sessionStorage; `from`, `to` and `service` in the fragment make a view linkable.
 * Chart.js is the global `Chart`, from the app's own node_modules (/dashboard/vendor/chart.umd.min.js).
 */
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has('token')) {
    sessionStorage.setItem('vigil-token', fragment.get('token'));
    fragment.delete('token');
    history.replaceState(null, '', location.pathname + location.search + '#' + fragment.toString());
  }
  const token = () => sessionStorage.getItem('vigil-token');
  const isoDay = (date) => date.toISOString().slice(0, 10);
  const today = new Date();
  const view = {
    service: fragment.get('service') || '',
    to: fragment.get('to') || isoDay(today),
    from: fragment.get('from') || isoDay(new Date(today.getTime() - 29 * 86400000)),
  };
  const dashboard = { chart: null, records: [], view };
  window.vigilDashboard = dashboard;

  async function api(path, query) {
    const params = new URLSearchParams(Object.entries(query || {}).filter(([, v]) => v));
    const response = await fetch(path + (params.toString() ? '?' + params : ''), { headers: { authorization: 'Bearer ' + token() } });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(path + ': HTTP ' + response.status + (body.message ? ' — ' + body.message : ''));
    }
    return response.json();
  }

  function show(state) {
    document.body.dataset.state = state;
    $('sign-in').hidden = state !== 'sign-in';
    $('empty').hidden = state !== 'empty';
    $('content').hidden = state !== 'ready';
    $('error').hidden = state !== 'error';
  }

  const cell = (text) => { const td = document.createElement('td'); td.textContent = text == null ? '—' : String(text); return td; };
  const local = (iso) => iso ? iso.replace('T', ' ').slice(0, 16) : null;

  async function showDay(record) {
    const day = record.date.slice(0, 10);
    $('day').hidden = false;
    $('day-title').textContent = 'Incidents on ' + day;
    const page = await api('/api/v1/sla/incidents', { from: day, to: day, service_id: view.service, limit: '500' });
    const body = $('incidents').querySelector('tbody');
    body.replaceChildren(...page.incidents.map((i) => {
      const tr = document.createElement('tr');
      tr.append(cell(i.alarm_key), cell(i.service_id), cell(i.severity), cell(local(i.started_at)), cell(local(i.ended_at)), cell(i.downtime_minutes), cell(i.resolution));
      return tr;
    }));
    $('no-incidents').hidden = page.incidents.length > 0;
    document.body.dataset.day = day;
  }

  function drawChart(records) {
    const labels = records.map((r) => r.date.slice(0, 10));
    const lowest = Math.min(...records.map((r) => Math.min(r.compliance_percentage, r.target_percentage)));
    const data = {
      labels,
      datasets: [
        { label: 'Compliance %', data: records.map((r) => r.compliance_percentage), borderColor: '#2563eb', backgroundColor: 'rgba(37, 99, 235, 0.15)', fill: true, tension: 0, pointRadius: 3 },
        { label: 'Target %', data: records.map((r) => r.target_percentage), borderColor: '#16a34a', borderDash: [6, 4], borderWidth: 2, pointRadius: 0, fill: false },
        { label: 'Breaches', data: records.map((r) => (r.sla_breaches > 0 ? r.compliance_percentage : null)), showLine: false, pointStyle: 'triangle', pointRadius: 9, borderColor: '#dc2626', backgroundColor: '#dc2626' },
      ],
    };
    const options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: { mode: 'index', intersect: false },
      scales: { y: { min: Math.max(0, Math.floor(lowest - 1)), max: 100, title: { display: true, text: '%' } } },
      plugins: { tooltip: { callbacks: { afterBody: (items) => { const r = records[items[0].dataIndex]; return 'down ' + r.downtime_minutes + ' min, breaches ' + r.sla_breaches; } } } },
      onClick: (event, elements, chart) => {
        const index = elements.length > 0 ? elements[0].index : chart.scales.x.getValueForPixel(event.x);
        if (records[index]) showDay(records[index]).catch(fail);
      },
    };
    if (dashboard.chart) dashboard.chart.destroy();
    dashboard.chart = new Chart($('chart'), { type: 'line', data, options });
  }

  async function showCredit() {
    const month = view.to.slice(0, 7);
    const report = await api('/api/v1/sla/reports/monthly', { month, service_id: view.service });
    $('credit-title').textContent = 'Monthly credit · ' + month + (report.period_complete ? '' : ' (to date)');
    $('availability').textContent = report.availability_percentage + ' %';
    $('target').textContent = report.target_percentage + ' %';
    $('budget').textContent = report.error_budget_used_percentage == null ? 'all' : report.error_budget_used_percentage + ' %';
    $('credit-percentage').textContent = report.credit_percentage + ' %' + (report.credit_schedule ? ' (' + report.credit_schedule + ')' : ' (no credit schedule)');
  }

  async function load() {
    if (!token()) return show('sign-in');
    $('from').value = view.from;
    $('to').value = view.to;
    const { services } = await api('/api/v1/sla/services');
    if (services.length === 0) return show('empty');
    const picker = $('service');
    picker.replaceChildren(picker.options[0], ...services.map((s) => new Option(s.service_id, s.service_id)));
    picker.value = view.service;
    const report = await api('/api/v1/faults/sla/compliance', { from_date: view.from, to_date: view.to, service_id: view.service });
    dashboard.records = report.records;
    show('ready');
    drawChart(report.records);
    await showCredit();
    document.body.dataset.loaded = view.service + '|' + view.from + '|' + view.to;
  }

  function fail(error) {
    $('error').textContent = error.message;
    show('error');
  }

  function reload() {
    const hash = new URLSearchParams({ from: view.from, to: view.to, ...(view.service ? { service: view.service } : {}) });
    history.replaceState(null, '', '#' + hash);
    $('day').hidden = true;
    load().catch(fail);
  }

  $('service').addEventListener('change', (e) => { view.service = e.target.value; reload(); });
  $('from').addEventListener('change', (e) => { if (e.target.value) { view.from = e.target.value; reload(); } });
  $('to').addEventListener('change', (e) => { if (e.target.value) { view.to = e.target.value; reload(); } });
  $('token-form').addEventListener('submit', (e) => { e.preventDefault(); sessionStorage.setItem('vigil-token', $('token').value.trim()); reload(); });
  load().catch(fail);
})();
