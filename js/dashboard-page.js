// The dashboard page metricsDashboard serves: one HTML document with inline
// CSS and JS, no data in it and nothing fetched but its own JSON, so it
// works offline and a hostile metric name is only ever text. Its CSP allows
// exactly these two inline blocks (by hash) and same-origin fetches.
'use strict'

const { createHash } = require('node:crypto')

const STYLE = `
:root{color-scheme:light dark;--bg:#f7f7f5;--card:#fff;--fg:#1b1b1b;--muted:#5c5c5c;--grid:#e2e2de;--edge:#d0d0cb;
--c1:#0072B2;--c2:#E69F00;--c3:#D55E00;--c4:#009E73;--c5:#CC79A7;--ok:#007a5a;--warn:#a86a00;--alert:#c23f00;--idle:#6b6b6b;
font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
@media (prefers-color-scheme:dark){:root{--bg:#121212;--card:#1d1d1f;--fg:#ececec;--muted:#a6a6a6;--grid:#333;--edge:#3d3d40;
--c1:#56B4E9;--c2:#E69F00;--c3:#E8743B;--c4:#2FC59A;--c5:#E08CC0;--ok:#2FC59A;--warn:#F0B429;--alert:#FF7A45;--idle:#9a9a9a}}
[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--fg)}
header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.8rem 1.2rem;border-bottom:1px solid var(--edge);background:var(--card)}
h1{font-size:1.15rem;margin:0}h2{font-size:1rem;margin:1.2rem 0 .6rem}h3{font-size:.95rem;margin:0;word-break:break-all;font-family:ui-monospace,Menlo,Consolas,monospace}
main{padding:0 1.2rem 2rem}.muted{color:var(--muted)}
.controls{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin-left:auto}
button,input,select{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--edge);border-radius:6px;padding:.25rem .6rem}
button{cursor:pointer}button[aria-pressed=true]{background:var(--fg);color:var(--bg)}
:focus-visible{outline:3px solid var(--c1);outline-offset:2px}
#status.error{color:var(--alert);font-weight:600}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr));gap:1rem}
.card{background:var(--card);border:1px solid var(--edge);border-radius:10px;padding:.8rem 1rem}
.card.alert{border-color:var(--alert);box-shadow:inset 4px 0 var(--alert)}.card.warn{border-color:var(--warn);box-shadow:inset 4px 0 var(--warn)}
.head{display:flex;justify-content:space-between;gap:.6rem;align-items:baseline}
dl{display:grid;grid-template-columns:repeat(auto-fill,minmax(82px,1fr));gap:.3rem .8rem;margin:.6rem 0}
dt{font-size:.75rem;color:var(--muted)}dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:.8rem}@media (max-width:560px){.charts{grid-template-columns:1fr}}
figure{margin:0}figcaption{font-size:.75rem;color:var(--muted)}
svg.chart{display:block;width:100%;height:auto;overflow:visible}
.axis{fill:var(--muted);font-size:11px}.gridline{stroke:var(--grid);stroke-width:1}
.line{fill:none;stroke-width:2;stroke-linejoin:round}.s1{stroke:var(--c1);fill:var(--c1)}.s2{stroke:var(--c2);fill:var(--c2)}
.s3{stroke:var(--c3);fill:var(--c3)}.s4{stroke:var(--c4);fill:var(--c4)}.s5{stroke:var(--c5);fill:var(--c5)}
.line.s1,.line.s2,.line.s3,.line.s4,.line.s5{fill:none}.d2{stroke-dasharray:6 3}.d3{stroke-dasharray:2 3}
.limit{stroke-width:1;stroke-dasharray:3 3;fill:none}.limit.warn{stroke:var(--warn)}.limit.alert{stroke:var(--alert)}
.cursor{stroke:var(--muted);stroke-width:1}
.legend{display:flex;flex-wrap:wrap;gap:.2rem .8rem;font-size:.75rem;color:var(--muted);margin:.1rem 0 0;padding:0;list-style:none}
.legend svg{vertical-align:middle;margin-right:.25rem}
.readout{min-height:1.2em;font-size:.75rem;margin:.1rem 0 0;font-variant-numeric:tabular-nums}
.badges{display:flex;flex-wrap:wrap;gap:.4rem;padding:0;margin:0;list-style:none}
.badge{display:inline-flex;gap:.35rem;align-items:center;border:1px solid currentColor;border-radius:999px;padding:.1rem .6rem;font-size:.8rem}
.badge.ok{color:var(--ok)}.badge.warn{color:var(--warn)}.badge.alert{color:var(--alert);font-weight:600}.badge.idle{color:var(--idle)}
.badge span{color:var(--fg);font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
details{margin-top:.6rem}summary{cursor:pointer;color:var(--muted);font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.8rem;margin-top:.3rem}th,td{text-align:left;padding:.2rem .4rem;border-bottom:1px solid var(--grid);vertical-align:top}
td code{word-break:break-all;white-space:pre-wrap}.num{text-align:right;font-variant-numeric:tabular-nums}
.empty{color:var(--muted);font-style:italic}
.scroll{overflow-x:auto}tr[aria-current] th{font-weight:700}tfoot th,tfoot td{font-weight:600;border-top:2px solid var(--edge)}
`

// The page's code, run once: fetch the JSON, (re)build the DOM from it with
// textContent and setAttribute only, draw the charts as SVG, repeat.
const SCRIPT = `(() => {
'use strict'
const SVGNS = 'http://www.w3.org/2000/svg'
const W = 320, H = 130, L = 40, R = 6, T = 8, B = 18
const $ = (id) => document.getElementById(id)
function el(tag, attrs, ...children) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVGNS, tag.slice(4)) : document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, String(v))
  for (const c of children) e.append(c)
  return e
}
// Three significant figures or so: 1,234 / 123.4 / 12.34 / 0.05.
const num = (v, digits) => (v === null || v === undefined || Number.isNaN(v) ? '\\u2014'
  : Number(v).toLocaleString(undefined, { maximumFractionDigits: digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2) }))
const ms = (v) => (v === null || v === undefined ? '\\u2014' : num(v) + ' ms')
const clock = (t) => new Date(t).toLocaleTimeString()

// ?token= is moved out of the address bar (and out of history and screenshots) into a header.
const params = new URLSearchParams(location.search)
const token = params.get('token')
if (token !== null) {
  params.delete('token')
  const query = params.toString()
  history.replaceState(null, '', location.pathname + (query ? '?' + query : '') + location.hash)
}
const headers = { accept: 'application/json' }
if (token) headers.authorization = 'Bearer ' + token

let refreshMs = 5000 // until the first JSON says
let paused = false, timer = null, data = null
const cards = { metrics: new Map(), caches: new Map(), limiters: new Map(), fleet: new Map() }

/** Y axis top: the smallest 1/2/5 x 10^k at or above the largest value. */
function niceMax(v) {
  if (!(v > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v)
}

const MARKERS = {
  circle: (x, y) => el('svg:circle', { cx: x, cy: y, r: 3.2 }),
  square: (x, y) => el('svg:rect', { x: x - 3, y: y - 3, width: 6, height: 6 }),
  triangle: (x, y) => el('svg:path', { d: 'M' + x + ' ' + (y - 4) + 'L' + (x + 4) + ' ' + (y + 3) + 'L' + (x - 4) + ' ' + (y + 3) + 'Z' }),
}

/**
 * A chart: a figure with an SVG (focusable; arrow keys or the pointer move a
 * cursor whose values the readout below spells out) and a legend.
 * series: [{ key, label, cls: 's1 d2', marker }]; opts: { unit, max, limits }.
 */
function chart(title, series, opts) {
  const svg = el('svg:svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', tabindex: 0, 'data-chart': title })
  const readout = el('p', { class: 'readout', 'aria-live': 'polite' })
  const legend = el('ul', { class: 'legend' })
  for (const s of series) {
    const swatch = el('svg:svg', { width: 26, height: 10, 'aria-hidden': 'true' },
      el('svg:line', { x1: 1, y1: 5, x2: 25, y2: 5, class: 'line ' + s.cls }))
    const m = MARKERS[s.marker](13, 5)
    m.setAttribute('class', s.cls.split(' ')[0])
    swatch.append(m)
    legend.append(el('li', {}, swatch, s.label))
  }
  const fig = el('figure', {}, el('figcaption', {}, title), svg, legend, readout)
  let state = null, cursor = -1
  function draw() {
    if (!state) return
    const { times, values } = state
    const n = times.length
    const lo = n > 1 ? times[0] : (times[0] ?? Date.now()) - 1, hi = n ? times[n - 1] : lo + 1
    const all = series.flatMap((s) => values[s.key] || []).filter((v) => v !== null)
    const top = opts.max ?? niceMax(Math.max(0, ...all))
    const x = (t) => L + ((t - lo) / (hi - lo || 1)) * (W - L - R)
    const y = (v) => T + (1 - Math.min(v, top) / top) * (H - T - B)
    svg.replaceChildren()
    svg.append(el('svg:title', {}, title + ': ' + series.map((s) => s.label + ' ' + fmt(last(values[s.key]))).join(', ')))
    for (const f of [0, 0.5, 1]) {
      svg.append(el('svg:line', { class: 'gridline', x1: L, x2: W - R, y1: y(top * f), y2: y(top * f) }))
      svg.append(el('svg:text', { class: 'axis', x: L - 4, y: y(top * f) + 3, 'text-anchor': 'end' }, num(top * f, top < 1 ? 3 : undefined)))
    }
    const span = (hi - lo) / 60000
    svg.append(el('svg:text', { class: 'axis', x: L, y: H - 4 }, n > 1 ? '\\u2212' + (span >= 1 ? num(span, 1) + ' min' : Math.round(span * 60) + ' s') : ''))
    svg.append(el('svg:text', { class: 'axis', x: W - R, y: H - 4, 'text-anchor': 'end' }, 'now'))
    for (const l of opts.limits || []) {
      if (l.value <= top) svg.append(el('svg:line', { class: 'limit ' + l.level, x1: L, x2: W - R, y1: y(l.value), y2: y(l.value), 'data-limit': l.value }))
    }
    for (const s of series) {
      const vs = values[s.key] || []
      let d = '', pen = 'M'
      vs.forEach((v, i) => {
        if (v === null) { pen = 'M'; return }
        d += pen + x(times[i]).toFixed(1) + ' ' + y(v).toFixed(1)
        pen = 'L'
      })
      svg.append(el('svg:path', { class: 'line ' + s.cls, d, 'data-series': s.key }))
      // Markers on every point while they are few, else on the newest: shapes tell series apart without colour.
      const cls = s.cls.split(' ')[0]
      vs.forEach((v, i) => {
        if (v === null || (n > 24 && i !== n - 1)) return
        const m = MARKERS[s.marker](x(times[i]), y(v))
        m.setAttribute('class', cls)
        svg.append(m)
      })
    }
    if (cursor >= 0 && cursor < n) {
      svg.append(el('svg:line', { class: 'cursor', x1: x(times[cursor]), x2: x(times[cursor]), y1: T, y2: H - B }))
      readout.textContent = clock(times[cursor]) + ': ' + series.map((s) => s.label + ' ' + fmt((values[s.key] || [])[cursor])).join(' \\u00b7 ')
    } else readout.textContent = ''
  }
  const fmt = (v) => (v === null || v === undefined ? '\\u2014' : num(v) + (opts.unit ? ' ' + opts.unit : ''))
  const last = (vs) => (vs && vs.length ? vs[vs.length - 1] : null)
  function move(i) {
    const n = state ? state.times.length : 0
    cursor = n ? Math.max(0, Math.min(n - 1, i)) : -1
    draw()
  }
  svg.addEventListener('keydown', (e) => {
    const n = state ? state.times.length : 0
    const to = { ArrowLeft: cursor - 1, ArrowRight: cursor + 1, Home: 0, End: n - 1 }[e.key]
    if (to === undefined) return
    e.preventDefault()
    move(cursor < 0 ? n - 1 : to)
  })
  svg.addEventListener('focus', () => move(cursor < 0 ? Infinity : cursor))
  svg.addEventListener('blur', () => move(-1))
  svg.addEventListener('pointermove', (e) => {
    if (!state || !state.times.length) return
    const box = svg.getBoundingClientRect()
    const t = state.times[0] + (((e.clientX - box.left) / box.width) * W - L) / (W - L - R) * (state.times[state.times.length - 1] - state.times[0])
    let best = 0
    state.times.forEach((ti, i) => { if (Math.abs(ti - t) < Math.abs(state.times[best] - t)) best = i })
    move(best)
  })
  svg.addEventListener('pointerleave', () => { if (document.activeElement !== svg) move(-1) })
  return { fig, update(times, values) { state = { times, values }; if (cursor >= times.length) cursor = times.length - 1; draw() } }
}

/** A "term: value" list whose values update in place; \`fields\` is [[key, label]]. */
function numbers(fields) {
  const dl = el('dl')
  const dds = {}
  for (const [key, label] of fields) {
    dds[key] = el('dd', { 'data-field': key })
    dl.append(el('div', {}, el('dt', {}, label), dds[key]))
  }
  return { dl, set(values) { for (const [k, v] of Object.entries(values)) dds[k].textContent = v } }
}

function card(kind, name) {
  const badge = el('span', { class: 'badge idle', hidden: '' })
  const section = el('section', { class: 'card', ['data-' + kind]: name, 'aria-label': kind.replace('-', ' ') + ' ' + name }, el('div', { class: 'head' }, el('h3', {}, name), badge))
  return { section, badge }
}

function metricCard(name) {
  const c = card('metric', name)
  c.nums = numbers([['count', 'requests'], ['rate', 'req/s'], ['p50', 'p50 (window)'], ['p95', 'p95 (window)'], ['p99', 'p99 (window)'], ['errors', 'errors']])
  c.latency = chart('Latency, ms (rolling window)', [
    { key: 'p50', label: 'p50', cls: 's1', marker: 'circle' },
    { key: 'p95', label: 'p95', cls: 's2 d2', marker: 'square' },
    { key: 'p99', label: 'p99', cls: 's3 d3', marker: 'triangle' },
  ], { unit: 'ms' })
  c.rate = chart('Requests per second', [
    { key: 'ratePerS', label: 'requests/s', cls: 's4', marker: 'circle' },
    { key: 'errorsPerS', label: 'errors/s', cls: 's3 d2', marker: 'triangle' },
  ], { unit: '/s' })
  c.exemplarCount = el('span')
  c.exemplars = el('tbody')
  c.section.append(c.nums.dl, el('div', { class: 'charts' }, c.latency.fig, c.rate.fig),
    el('details', {}, el('summary', {}, 'Slowest requests (', c.exemplarCount, ')'),
      el('table', {}, el('thead', {}, el('tr', {}, el('th', { class: 'num' }, 'ms'), el('th', {}, 'when'), el('th', {}, 'error'), el('th', {}, 'metadata'))), c.exemplars)))
  return c
}

function updateMetric(c, m, d) {
  const s = m.stats, w = s.window
  const rate = m.history.ratePerS[m.history.ratePerS.length - 1]
  c.nums.set({ count: num(s.count, 0), rate: num(rate), p50: ms(w && w.p50), p95: ms(w && w.p95), p99: ms(w && w.p99), errors: num(s.errors, 0) + (s.errors ? ' (' + num(s.errorRate) + '%)' : '') })
  c.latency.update(d.times, m.history)
  c.rate.update(d.times, m.history)
  c.exemplarCount.textContent = m.exemplars.length
  c.exemplars.replaceChildren(...m.exemplars.map((e) => el('tr', {},
    el('td', { class: 'num' }, num(e.durationMs)), el('td', {}, clock(e.timestamp)), el('td', {}, e.error ? 'yes' : 'no'), el('td', {}, el('code', {}, e.metadata)))))
}

function cacheCard(name) {
  const c = card('cache', name)
  c.nums = numbers([['hitRate', 'hit rate'], ['size', 'entries'], ['validEntries', 'valid'], ['hits', 'hits'], ['misses', 'misses'], ['evictions', 'evictions']])
  c.hit = chart('Hit rate per interval, %', [{ key: 'hitRate', label: 'hit rate', cls: 's1', marker: 'circle' }],
    { unit: '%', max: 100, limits: [{ value: 50, level: 'warn' }, { value: 20, level: 'alert' }] })
  c.size = chart('Entries', [
    { key: 'size', label: 'size', cls: 's4', marker: 'square' },
    { key: 'evictions', label: 'evicted per interval', cls: 's3 d2', marker: 'triangle' },
  ], {})
  c.section.append(c.nums.dl, el('div', { class: 'charts' }, c.hit.fig, c.size.fig))
  return c
}

function updateCache(c, k, d) {
  const s = k.stats
  c.nums.set({ hitRate: num(s.hitRate) + '%', size: num(s.size, 0), validEntries: num(s.validEntries, 0), hits: num(s.hits, 0), misses: num(s.misses, 0), evictions: num(s.evictions, 0) })
  c.hit.update(d.times, k.history)
  c.size.update(d.times, k.history)
}

function limiterCard(name) {
  const c = card('limiter', name)
  c.nums = numbers([['tracked', 'identifiers'], ['maxIdentifiers', 'cap'], ['refused', 'refused'], ['forgotten', 'forgotten at cap']])
  c.tracked = chart('Identifiers tracked', [{ key: 'tracked', label: 'tracked', cls: 's5', marker: 'square' }], {})
  c.refused = chart('Refusals per second', [{ key: 'refusedPerS', label: 'refused/s', cls: 's3', marker: 'triangle' }], { unit: '/s' })
  c.section.append(c.nums.dl, el('div', { class: 'charts' }, c.tracked.fig, c.refused.fig))
  return c
}

function updateLimiter(c, l, d) {
  const s = l.stats
  c.nums.set({ tracked: num(s.tracked, 0), maxIdentifiers: num(s.maxIdentifiers, 0), refused: num(s.refused, 0), forgotten: num(s.forgotten, 0) })
  c.tracked.update(d.times, l.history)
  c.refused.update(d.times, l.history)
}

const FLEET_COLUMNS = [['count', 'requests'], ['p50', 'p50 (window)'], ['p95', 'p95 (window)'], ['p99', 'p99 (window)'], ['errors', 'errors']]

/** One fleet metric: the merged numbers, and a table of each instance's own with the merged row last. */
function fleetCard(name) {
  const c = card('fleet-metric', name)
  c.nums = numbers([['instances', 'instances'], ...FLEET_COLUMNS])
  c.rows = el('tbody')
  c.merged = el('tfoot')
  const head = el('tr', {}, el('th', { scope: 'col' }, 'instance'), ...FLEET_COLUMNS.map(([, label]) => el('th', { scope: 'col', class: 'num' }, label)))
  c.section.append(c.nums.dl, el('div', { class: 'scroll', role: 'region', tabindex: 0, 'aria-label': 'Per instance: ' + name },
    el('table', {}, el('caption', { class: 'muted' }, 'Per instance; the merged row is the union of their histograms, not an average of these'), el('thead', {}, head), c.rows, c.merged)))
  return c
}

/** The numbers of one stats object for FLEET_COLUMNS: count and errors all-time, percentiles of the window. */
function fleetCells(s) {
  const w = s.window
  return { count: num(s.count, 0), p50: ms(w && w.p50), p95: ms(w && w.p95), p99: ms(w && w.p99), errors: num(s.errors, 0) }
}

function fleetRow(attrs, label, s) {
  const cells = fleetCells(s)
  return el('tr', attrs, el('th', { scope: 'row' }, ...label), ...FLEET_COLUMNS.map(([key]) => el('td', { class: 'num', 'data-field': key }, cells[key])))
}

function updateFleet(c, m) {
  c.nums.set({ instances: num(m.stats.instances, 0), ...fleetCells(m.stats) })
  c.rows.replaceChildren(...m.rows.map((r) =>
    fleetRow({ 'data-instance': r.instance, 'aria-current': r.self ? 'true' : undefined }, [el('code', {}, r.instance), r.self ? ' (this instance)' : ''], r.stats)))
  c.merged.replaceChildren(fleetRow({ 'data-merged': '' }, ['merged'], m.stats))
}

/** The fleet view as one item per metric name: merged stats and the instances that reported it, by id. */
function fleetItems(fleet, filter) {
  const ids = Object.keys(fleet.perInstance)
  return Object.keys(fleet.summary).filter((name) => name.toLowerCase().includes(filter)).sort().map((name) => ({
    name,
    stats: fleet.summary[name],
    rows: ids.filter((id) => fleet.perInstance[id][name]).map((id) => ({ instance: id, self: id === fleet.instance, stats: fleet.perInstance[id][name] })),
  }))
}

const WORST = { alert: 3, warn: 2, ok: 1, idle: 0 }
const LABEL = { alert: '\\u2716 ALERT', warn: '\\u25B2 WARN', ok: '\\u2714 OK', idle: '\\u25CB no data' }

function alertText(a) {
  const unit = a.metric === 'hitRate' || a.metric === 'errorRate' ? '%' : ' ms'
  const dir = a.metric === 'hitRate' ? '<' : '>'
  return a.metric + ' ' + (a.state === 'idle' ? '(' + a.samples + ' samples)' : num(a.value) + unit) + ', alert ' + dir + ' ' + a.threshold + unit
}

/**
 * Keeps one card per item in \`box\`, in the order given, built or updated in
 * place: a card is only moved when out of place, since moving it would blur a focused chart.
 */
function sync(kind, box, items, make, update, d, alerts = d.alerts) {
  const map = cards[kind]
  const seen = new Set()
  items.forEach((item, i) => {
    seen.add(item.name)
    let c = map.get(item.name)
    if (!c) map.set(item.name, (c = make(item.name)))
    update(c, item, d)
    const worst = alerts.filter((a) => a.subject === item.name).sort((a, b) => WORST[b.state] - WORST[a.state])[0]
    c.section.classList.toggle('alert', worst?.state === 'alert')
    c.section.classList.toggle('warn', worst?.state === 'warn')
    c.badge.hidden = !worst
    if (worst) {
      c.badge.className = 'badge ' + worst.state
      c.badge.textContent = LABEL[worst.state]
    }
    if (box.children[i] !== c.section) box.insertBefore(c.section, box.children[i] ?? null)
  })
  for (const [name, c] of map) if (!seen.has(name)) { c.section.remove(); map.delete(name) }
}

function render(d) {
  data = d
  const filter = $('filter').value.trim().toLowerCase()
  const order = $('sort').value
  const key = (m) => (order === 'p95' ? -((m.stats.window && m.stats.window.p95) || 0) : order === 'rate' ? -(m.history.ratePerS[m.history.ratePerS.length - 1] || 0) : 0)
  const metrics = d.metrics.filter((m) => m.name.toLowerCase().includes(filter))
  if (order !== 'name') metrics.sort((a, b) => key(a) - key(b))
  else metrics.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  sync('metrics', $('metrics'), metrics, metricCard, updateMetric, d)
  $('no-metrics').hidden = metrics.length > 0
  sync('caches', $('caches'), d.caches, cacheCard, updateCache, d)
  sync('limiters', $('limiters'), d.limiters, limiterCard, updateLimiter, d)
  $('caches-section').hidden = d.caches.length === 0
  $('limiters-section').hidden = d.limiters.length === 0
  // The fleet's cards carry no badges: the alert states are this instance's.
  const fleet = d.fleet && d.fleet.summary ? d.fleet : null
  sync('fleet', $('fleet'), fleet ? fleetItems(fleet, filter) : [], fleetCard, updateFleet, d, [])
  $('fleet-section').hidden = d.fleet === null
  $('fleet-count').textContent = fleet ? '(' + num(fleet.instances, 0) + ' live instances, merged and each on its own)' : ''
  $('fleet-error').hidden = !(d.fleet && d.fleet.error)
  $('fleet-error').textContent = d.fleet && d.fleet.error ? 'The fleet view could not be read: ' + d.fleet.error : ''
  const alerts = [...d.alerts].sort((a, b) => WORST[b.state] - WORST[a.state])
  $('alerts').replaceChildren(...alerts.map((a) => el('li', { class: 'badge ' + a.state, 'data-state': a.state, 'data-rule': a.rule },
    el('strong', {}, LABEL[a.state]), el('span', {}, a.subject), alertText(a))))
  $('no-alerts').hidden = alerts.length > 0
  $('instance').textContent = d.instance
  $('status').className = ''
  $('status').textContent = 'Updated ' + clock(d.generatedAt) + ' \\u00b7 every ' + num(refreshMs / 1000, 1) + ' s'
  document.body.dataset.generatedAt = d.generatedAt
}

async function refresh() {
  clearTimeout(timer)
  try {
    const url = new URL(location.href)
    url.searchParams.set('format', 'json')
    const res = await fetch(url, { headers, cache: 'no-store' })
    if (!res.ok) throw new Error(res.status + ' ' + res.statusText)
    const d = await res.json()
    refreshMs = d.refreshIntervalMs
    render(d)
  } catch (err) {
    $('status').className = 'error'
    $('status').textContent = 'Refresh failed: ' + err.message
  }
  if (!paused) timer = setTimeout(refresh, refreshMs)
}

$('pause').addEventListener('click', () => {
  paused = !paused
  $('pause').setAttribute('aria-pressed', String(paused))
  $('pause').textContent = paused ? 'Resume' : 'Pause'
  if (paused) clearTimeout(timer)
  else refresh()
})
$('now').addEventListener('click', refresh)
for (const id of ['filter', 'sort']) $(id).addEventListener('input', () => data && render(data))
refresh()
})()`

const sha256 = (text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

/** The page: static, so one string serves every request. */
const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>hotpath metrics</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>hotpath metrics</h1>
<span class="muted">instance <span id="instance">\u2026</span></span>
<span id="status" role="status">Loading\u2026</span>
<div class="controls">
<label>Filter <input id="filter" type="search" placeholder="metric name" autocomplete="off"></label>
<label>Sort <select id="sort"><option value="name">name</option><option value="p95">slowest p95</option><option value="rate">busiest</option></select></label>
<button id="now" type="button">Refresh now</button>
<button id="pause" type="button" aria-pressed="false">Pause</button>
</div>
</header>
<main>
<h2>Alerts <span class="muted">(the guide's thresholds: green under target, amber past it, red past the alert line)</span></h2>
<ul id="alerts" class="badges" aria-label="alert states"></ul>
<p id="no-alerts" class="empty" hidden>No alert rules match anything yet.</p>
<h2>Metrics</h2>
<div id="metrics" class="grid"></div>
<p id="no-metrics" class="empty" hidden>No metrics recorded yet.</p>
<section id="fleet-section" aria-labelledby="fleet-h" hidden><h2 id="fleet-h">Fleet <span id="fleet-count" class="muted"></span></h2>
<p id="fleet-error" class="empty" hidden></p><div id="fleet" class="grid"></div></section>
<section id="caches-section" aria-labelledby="caches-h"><h2 id="caches-h">Caches</h2><div id="caches" class="grid"></div></section>
<section id="limiters-section" aria-labelledby="limiters-h"><h2 id="limiters-h">Rate limiters</h2><div id="limiters" class="grid"></div></section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`

/** Only the page's own inline style and script run; it talks to its own origin only. */
const DASHBOARD_CSP = [
  "default-src 'none'",
  `style-src ${sha256(STYLE)}`,
  `script-src ${sha256(SCRIPT)}`,
  "connect-src 'self'",
  "img-src data:", // the empty favicon, so the browser asks the app for none
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

module.exports = { DASHBOARD_PAGE, DASHBOARD_CSP }
