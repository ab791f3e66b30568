// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// dsrlb's web interface: the VIP list with live rates, a form to create and
// edit a VIP, drain and delete, and a chart of packets per second per
// backend. Everything goes through the daemon's REST API (README,
// "Operating it"); nothing here keeps state the daemon does not have.
'use strict';

const API = '/api/v1';
const POLL_MS = 1000;
const HISTORY = 60; // seconds the chart shows

// Keys of a VIP and of a backend as the config file has them; the API's
// answers add live ones (counters, MAC, health), which a change leaves out.
const VIP_KEYS = ['name', 'address', 'port', 'protocol', 'scheduler', 'tcp_timeout', 'udp_timeout',
  'health_check', 'hold_down', 'all_down', 'backends'];
// Where an API error's "field" is shown in the form.
const FIELD_AT = {
  name: 'name', address: 'address', port: 'port', protocol: 'protocol', scheduler: 'scheduler',
  backends: 'backends', weight: 'backends', state: 'backends', health_check: 'health_check',
  interval: 'interval', timeout: 'timeout', rise: 'rise', fall: 'fall', path: 'path',
  expect_status: 'expect_status', payload: 'payload',
};

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

let vips = [];          // the last /api/v1/stats answer's VIPs
let editing = null;     // the VIP being edited (its name), or null for a new one
let chart = null;
let chartKeys = [];     // "vip → backend" of each series
const history = { t: [], series: new Map() }; // key -> array of pps

// ---- the API ----------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.field = body && body.field;
  }
}

async function api(method, path, body) {
  const headers = {};
  const token = sessionStorage.getItem('dsrlb-token');
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(API + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch (e) { /* an empty or non-JSON body */ }
  if (res.status === 401) showTokenBox();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function showTokenBox(message) {
  $('#token-box').hidden = false;
  $('#token-error').textContent = message || '';
}

$('#token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem('dsrlb-token', $('#token').value.trim());
  $('#token-box').hidden = true;
  refresh();
});

// ---- formatting ----------------------------------------------------------------

function human(v) {
  const units = ['', 'K', 'M', 'G', 'T'];
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return (i ? v.toFixed(1) : v.toFixed(v < 10 && v % 1 ? 1 : 0)) + units[i];
}

function endpoint(v) {
  const a = v.address.includes(':') ? `[${v.address}]` : v.address;
  return v.port ? `${a}:${v.port}` : `${a} (every port)`;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function healthText(b) {
  if (!b.health) return 'no check';
  if (b.health.passing) return `passing (${b.health.type})`;
  return `failing: ${b.health.last_failure || 'no answer yet'}`;
}

function vipState(v) {
  const taking = v.backends.filter((b) => b.status === 'active').length;
  return {
    text: `${taking} of ${v.backends.length} active`,
    title: `${taking} of ${v.backends.length} backends take new flows`,
    ok: taking > 0,
  };
}

// ---- the VIP list ------------------------------------------------------------------

function backendItem(v, b) {
  const draining = b.state === 'drain';
  return el('li', { 'data-backend': b.address },
    el('span', { class: 'addr' }, b.address),
    el('span', { class: `pill ${b.status.replace(' ', '-')}`, 'data-role': 'status' }, b.status),
    el('span', { class: 'mac', title: 'resolved MAC' }, b.mac || 'MAC not resolved'),
    el('span', { class: 'num', 'data-role': 'pps' }, `${human(b.packets_per_second)} pps`),
    el('button', {
      type: 'button', class: 'small',
      onclick: () => setBackendState(v.name, b.address, draining ? 'up' : 'drain'),
    }, draining ? 'Undrain' : 'Drain'));
}

function vipRow(v) {
  const st = vipState(v);
  return el('tr', { 'data-vip': v.name },
    el('td', {}, el('b', {}, v.name)),
    el('td', {}, endpoint(v)),
    el('td', {}, v.protocol === 'both' ? 'TCP+UDP' : v.protocol.toUpperCase()),
    el('td', { class: 'nowrap' }, 'DSR · L2 (MAC)'),
    el('td', {}, v.scheduler),
    el('td', {}, el('span', { class: `pill ${st.ok ? 'active' : 'down'}`, title: st.title }, st.text)),
    el('td', {}, el('ul', { class: 'backends' }, ...v.backends.map((b) => backendItem(v, b)))),
    el('td', { class: 'num', 'data-role': 'pps' }, human(v.packets_per_second)),
    el('td', { class: 'num', 'data-role': 'bps' }, human(v.bits_per_second)),
    el('td', { class: 'num', 'data-role': 'icmp', title: icmpTitle(v) }, icmpText(v)),
    el('td', { class: 'row-actions' },
      el('button', { type: 'button', onclick: () => openForm(v.name) }, 'Edit'),
      el('button', { type: 'button', class: 'danger', onclick: () => confirmDelete(v.name) }, 'Delete')));
}

// ICMP errors about the VIP's flows (path MTU): sent on to their backends, and unmatched.
function icmpText(v) {
  return v.icmp_unmatched ? `${human(v.icmp_forwarded)} / ${human(v.icmp_unmatched)} unmatched`
    : human(v.icmp_forwarded);
}

function icmpTitle(v) {
  return `${v.icmp_forwarded} ICMP errors sent on to their flows' backends, ${v.icmp_unmatched} unmatched`;
}

// A row is rebuilt only when what it shows besides the rates changed: its
// buttons stay put while the numbers move.
function rowSignature(v) {
  return JSON.stringify([v.name, v.address, v.port, v.protocol, v.scheduler,
    v.backends.map((b) => [b.address, b.state, b.status, b.mac])]);
}

function renderVips() {
  const tbody = $('#vips tbody');
  const seen = new Set();
  let prev = null;
  for (const v of vips) {
    seen.add(v.name);
    let row = $$('tr', tbody).find((r) => r.dataset.vip === v.name);
    const sig = rowSignature(v);
    if (!row || row.dataset.sig !== sig) {
      const fresh = vipRow(v);
      fresh.dataset.sig = sig;
      if (row) row.replaceWith(fresh); else tbody.append(fresh);
      row = fresh;
    } else {
      row.querySelector(':scope > td[data-role=pps]').textContent = human(v.packets_per_second);
      row.querySelector(':scope > td[data-role=bps]').textContent = human(v.bits_per_second);
      const icmp = row.querySelector(':scope > td[data-role=icmp]');
      icmp.textContent = icmpText(v);
      icmp.title = icmpTitle(v);
      for (const b of v.backends) {
        const li = $$('li', row).find((x) => x.dataset.backend === b.address);
        if (li) $('[data-role=pps]', li).textContent = `${human(b.packets_per_second)} pps`;
      }
    }
    if (prev ? prev.nextElementSibling !== row : tbody.firstElementChild !== row) {
      if (prev) prev.after(row); else tbody.prepend(row);
    }
    prev = row;
  }
  for (const r of $$('tr', tbody)) if (!seen.has(r.dataset.vip)) r.remove();
  $('#no-vips').hidden = vips.length > 0;
}

// ---- the chart ------------------------------------------------------------------------

function updateChart() {
  const now = Math.round(Date.now() / 1000);
  const keys = [];
  history.t.push(now);
  for (const v of vips) {
    for (const b of v.backends) {
      const key = `${v.name} → ${b.address}`;
      keys.push(key);
      if (!history.series.has(key)) history.series.set(key, history.t.map(() => null));
      history.series.get(key).push(b.packets_per_second);
    }
  }
  for (const [key, arr] of history.series) {
    if (!keys.includes(key)) arr.push(null);
  }
  while (history.t.length > HISTORY) {
    history.t.shift();
    for (const arr of history.series.values()) arr.shift();
  }
  for (const [key, arr] of history.series) {
    if (arr.every((x) => x === null)) history.series.delete(key);
  }
  const shown = [...history.series.keys()];
  const data = [history.t, ...shown.map((k) => history.series.get(k))];
  const box = $('#chart');
  if (!chart || JSON.stringify(shown) !== JSON.stringify(chartKeys)) {
    if (chart) chart.destroy();
    chartKeys = shown;
    const palette = ['#2f6fde', '#e07b00', '#1a9e55', '#c2185b', '#7b3fbf', '#00838f', '#8d6e00'];
    chart = new uPlot({
      width: Math.max(box.clientWidth, 320),
      height: 180,
      scales: {
        x: { time: true, range: (u, min, max) => [max - HISTORY, max] },
        y: { range: (u, min, max) => [0, Math.max(max, 1)] },
      },
      axes: [{}, { label: 'packets/s', size: 60 }],
      series: [{}, ...shown.map((k, i) => ({
        label: k, stroke: palette[i % palette.length], width: 2, spanGaps: false,
      }))],
    }, data, box);
  } else {
    chart.setData(data);
  }
}

window.addEventListener('resize', () => {
  if (chart) chart.setSize({ width: Math.max($('#chart').clientWidth, 320), height: 180 });
});

// ---- polling ----------------------------------------------------------------------------

let refreshing = false;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const st = await api('GET', '/stats');
    vips = st.vips;
    $('#daemon').textContent = `${st.interface}, ${st.mode} mode`;
    $('#page-error').textContent = '';
    renderVips();
    updateChart();
    if (editing !== null) updateFormLive();
  } catch (e) {
    $('#page-error').textContent = e.status === 401 ?
      'The API needs a token (below).' : `Cannot read the daemon's state: ${e.message}`;
  } finally {
    refreshing = false;
  }
}

// ---- drain, delete -------------------------------------------------------------------

async function setBackendState(vip, addr, state) {
  try {
    await api('PATCH', `/vips/${encodeURIComponent(vip)}/backends/${encodeURIComponent(addr)}`, { state });
    $('#page-error').textContent = '';
  } catch (e) {
    $('#page-error').textContent = e.message;
  }
  refresh();
}

function confirmDelete(name) {
  const d = $('#confirm-dialog');
  $('#confirm-text').textContent = `Delete VIP '${name}'? Its traffic stops being balanced at once.`;
  d.returnValue = '';
  d.onclose = async () => {
    if (d.returnValue !== 'yes') return;
    try {
      await api('DELETE', `/vips/${encodeURIComponent(name)}`);
    } catch (e) {
      $('#page-error').textContent = e.message;
    }
    refresh();
  };
  d.showModal();
}

// ---- the form ----------------------------------------------------------------------------

const form = $('#vip-form');
const field = (n) => form.elements.namedItem(n);

function addBackendRow(b = {}) {
  const row = $('#backend-row').content.firstElementChild.cloneNode(true);
  $('[name=b_address]', row).value = b.address || '';
  $('[name=b_weight]', row).value = b.weight ?? 1;
  $('[name=b_state]', row).value = b.state || 'up';
  // the one key the form does not show (a backend's own health_check) goes back as it was
  row.check = b.health_check;
  $('.remove-backend', row).addEventListener('click', () => row.remove());
  $('#backend-rows tbody').append(row);
  updateFormLive();
  return row;
}

// Each backend's resolved MAC and health, from the last poll.
function updateFormLive() {
  const v = vips.find((x) => x.name === editing);
  for (const row of $$('#backend-rows tbody tr')) {
    const addr = $('[name=b_address]', row).value.trim();
    const b = v && v.backends.find((x) => x.address === addr);
    $('.mac', row).textContent = b ? (b.mac || 'not resolved yet') : 'after save';
    $('.health', row).textContent = b ? healthText(b) : '';
  }
}

function showHealthFields() {
  const t = field('hc_type').value;
  for (const e of $$('.hc', form)) {
    e.hidden = t === 'none' ||
      (e.classList.contains('http') && t !== 'http') || (e.classList.contains('udp') && t !== 'udp');
  }
}
field('hc_type').addEventListener('change', showHealthFields);

function clearErrors() {
  for (const e of $$('[data-error-for]', form)) e.textContent = '';
  for (const e of $$('.invalid', form)) e.classList.remove('invalid');
}

function showError(err) {
  const where = FIELD_AT[err.field] || '';
  const box = $(`[data-error-for="${where}"]`, form) || $('[data-error-for=""]', form);
  box.textContent = err.message;
  // the health check's inputs are hc_*; its type is hc_type
  const input = field(where) || field(where === 'health_check' ? 'hc_type' : `hc_${where}`);
  if (input && input.classList) input.classList.add('invalid');
  if (where === 'backends') $('#backend-rows').classList.add('invalid');
  if (box.closest('.hc')) box.closest('.hc').hidden = false;
}

function openForm(name) {
  const v = name === null ? null : vips.find((x) => x.name === name);
  editing = v ? v.name : null;
  form.reset();
  clearErrors();
  $('#vip-form-title').textContent = v ? `Edit VIP ${v.name}` : 'Add VIP';
  $('#backend-rows tbody').replaceChildren();
  form.original = v ? Object.fromEntries(Object.entries(v).filter(([k]) => VIP_KEYS.includes(k))) : {};
  if (v) {
    field('name').value = v.name;
    field('address').value = v.address;
    field('port').value = v.port || '';
    field('protocol').value = v.protocol;
    field('scheduler').value = v.scheduler;
    const hc = v.health_check || {};
    field('hc_type').value = hc.type || 'none';
    for (const k of ['port', 'path', 'expect_status', 'payload', 'expect', 'interval', 'timeout', 'rise', 'fall']) {
      if (hc[k] !== undefined && hc[k] !== 0 && hc[k] !== '') field(`hc_${k}`).value = hc[k];
    }
    for (const b of v.backends) addBackendRow(b);
  } else {
    addBackendRow();
  }
  showHealthFields();
  $('#vip-dialog').showModal();
}

const num = (s) => (s.trim() === '' ? undefined : Number(s));

// The VIP as the form says it: what the form does not show stays as it was.
function formVip() {
  const o = { ...form.original };
  o.name = field('name').value.trim();
  o.address = field('address').value.trim();
  o.port = num(field('port').value) ?? 0;
  o.protocol = field('protocol').value;
  o.scheduler = field('scheduler').value;
  const type = field('hc_type').value;
  if (type === 'none') {
    delete o.health_check;
  } else {
    const hc = { type };
    // the one key the form does not show (where probes go) stays as it was
    const was = form.original.health_check;
    if (was && was.target && was.type === type) hc.target = was.target;
    const keep = (k, v) => { if (v !== undefined && v !== '') hc[k] = v; };
    keep('port', num(field('hc_port').value));
    keep('interval', num(field('hc_interval').value));
    keep('timeout', num(field('hc_timeout').value));
    keep('rise', num(field('hc_rise').value));
    keep('fall', num(field('hc_fall').value));
    if (type === 'http') {
      keep('path', field('hc_path').value.trim());
      keep('expect_status', num(field('hc_expect_status').value));
    }
    if (type === 'udp') {
      keep('payload', field('hc_payload').value);
      keep('expect', field('hc_expect').value);
    }
    o.health_check = hc;
  }
  o.backends = $$('#backend-rows tbody tr').map((row) => ({
    ...(row.check ? { health_check: row.check } : {}),
    address: $('[name=b_address]', row).value.trim(),
    weight: num($('[name=b_weight]', row).value) ?? 1,
    state: $('[name=b_state]', row).value,
  }));
  return o;
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors();
  const body = formVip();
  if (!body.name) return showError({ field: 'name', message: 'a VIP needs a name' });
  if (!body.backends.length) return showError({ field: 'backends', message: 'a VIP needs at least one backend' });
  const save = $('#vip-save');
  save.disabled = true;
  try {
    if (editing === null) await api('POST', '/vips', body);
    else await api('PUT', `/vips/${encodeURIComponent(editing)}`, body);
    editing = null;
    $('#vip-dialog').close();
    refresh();
  } catch (e) {
    showError(e);
  } finally {
    save.disabled = false;
  }
});

$('#vip-dialog').addEventListener('close', () => { editing = null; });
$('#vip-cancel').addEventListener('click', () => $('#vip-dialog').close());
$('#add-backend').addEventListener('click', () => $('[name=b_address]', addBackendRow()).focus());
$('#add-vip').addEventListener('click', () => openForm(null));
$('#backend-rows').addEventListener('input', () => $('#backend-rows').classList.remove('invalid'));

refresh();
setInterval(refresh, POLL_MS);
