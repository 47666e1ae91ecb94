// Turns the groups' results into the markdown report: the header (machine,
// versions, mode), one table per group, and the issue's targets.
import { ROUNDS_FULL, WARMUP_ROUNDS_FULL, MIN_CPU_MS_FULL } from './settings.mjs'

/** A figure with three significant digits, thousands separated. */
export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–'
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** A ratio as `1.23×`. */
const times = (r) => (Number.isFinite(r) ? `${r.toFixed(r >= 10 ? 0 : r >= 0.1 ? 2 : 3)}×` : '–')

const valueOf = (row, peer) => row?.cells[peer]?.value

/** Round-to-round spread of one cell: (max − min) / median. */
function spread(cell) {
  if (!cell?.rounds || cell.rounds.length < 2 || !cell.value) return null
  return (Math.max(...cell.rounds) - Math.min(...cell.rounds)) / cell.value
}

function renderGroup(g, floorNs) {
  const peers = g.peers.filter((p) => g.rows.some((r) => r.cells[p]))
  const others = peers.filter((p) => p !== 'hotpath')
  const hasHotpath = peers.includes('hotpath')
  const showFloor = hasHotpath && g.unit === 'ns' && floorNs
  const head = ['case', ...peers.map((p) => (p === 'ns' ? 'ns/call' : p))]
  if (hasHotpath) head.push(...others.map((p) => `hotpath ÷ ${p}`))
  if (showFloor) head.push('hotpath ÷ napi floor')
  const lines = [`### ${g.title}`, '', `| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`]
  const spreads = []
  for (const row of g.rows) {
    const unit = row.unit && row.unit !== g.unit ? ` (${row.unit})` : ''
    const cells = [`${row.row}${unit}`]
    for (const p of peers) {
      const c = row.cells[p]
      cells.push(c?.skip ? 'n/a' : fmt(c?.value))
      const s = spread(c)
      if (s !== null) spreads.push(s)
    }
    const h = valueOf(row, 'hotpath')
    if (hasHotpath) cells.push(...others.map((p) => (h === undefined ? '–' : times(h / valueOf(row, p)))))
    if (showFloor) cells.push(h === undefined || row.unit ? '–' : times(h / floorNs))
    lines.push(`| ${cells.join(' | ')} |`)
  }
  lines.push('')
  if (spreads.length) {
    spreads.sort((a, b) => a - b)
    const pct = (x) => `${Math.round(x * 100)} %`
    lines.push(`Noise: round-to-round spread (max − min) / median, median ${pct(spreads[spreads.length >> 1])}, worst ${pct(spreads[spreads.length - 1])}.`, '')
  }
  for (const note of g.notes ?? []) lines.push(`- ${note}`)
  if (g.notes?.length) lines.push('')
  return lines.join('\n')
}

/** The issue's targets, each checked against this run's medians. */
function renderTargets(byGroup) {
  const rows = (group, prefix) => (byGroup[group]?.rows ?? []).filter((r) => r.row.startsWith(prefix))
  const ratios = (list, f) => list.map((r) => ({ label: r.row.split(', ').slice(1).join(', ') || r.row, v: f(r) }))
  const targets = []
  const add = (target, list, ok) => {
    const measured = list.filter((x) => Number.isFinite(x.v))
    targets.push({
      target,
      measured: measured.length ? measured.map((x) => `${times(x.v)}${list.length > 1 ? ` (${x.label})` : ''}`).join('; ') : 'not measured',
      verdict: measured.length === 0 ? 'n/a' : measured.every((x) => ok(x.v)) ? 'met' : 'missed',
    })
  }
  const h = (r) => valueOf(r, 'hotpath')
  add('get hit ≤ 1.0× lru-cache (ttl on)', ratios(rows('cache', 'get hit'), (r) => h(r) / valueOf(r, 'lru-cache')), (v) => v <= 1)
  add('get hit ≤ 1.5× the reference', ratios(rows('cache', 'get hit'), (r) => h(r) / valueOf(r, 'reference')), (v) => v <= 1.5)
  add('set ≤ 1.0× lru-cache', ratios(rows('cache', 'set with eviction'), (r) => h(r) / valueOf(r, 'lru-cache')), (v) => v <= 1)
  add('cacheAside hit ≤ 1.2× the reference', ratios(rows('aside', 'cacheAside hit'), (r) => h(r) / valueOf(r, 'reference')), (v) => v <= 1.2)
  const herd = rows('aside', 'cold herd')[0]
  const herdMax = herd?.cells.hotpath?.rounds ? Math.max(...herd.cells.hotpath.rounds) : NaN
  targets.push({
    target: 'cold herd → exactly 1 fetch',
    measured: Number.isFinite(herdMax) ? `${herdMax} fetch(es) at most, over ${herd.cells.hotpath.rounds.length} herds` : 'not measured',
    verdict: Number.isFinite(herdMax) ? (herdMax === 1 && Math.min(...herd.cells.hotpath.rounds) === 1 ? 'met' : 'missed') : 'n/a',
  })
  const full = rows('limiter', 'isAllowed, full window')
  add('isAllowed, full window: ≥ 5× faster than the reference', ratios(full, (r) => valueOf(r, 'reference') / h(r)), (v) => v >= 5)
  add('isAllowed, full window: ≥ 2× faster than rate-limiter-flexible', ratios(full, (r) => valueOf(r, 'rate-limiter-flexible') / h(r)), (v) => v >= 2)
  const overhead = (r, p) => valueOf(r, p) - valueOf(r, 'no monitor')
  add("time() ≤ 1.2× the reference's overhead", ratios(rows('perf', 'time()'), (r) => overhead(r, 'hotpath') / overhead(r, 'reference')), (v) => v <= 1.2)
  add('getStats ≥ 10× faster than the reference', ratios(rows('perf', 'getStats()'), (r) => valueOf(r, 'reference') / h(r)), (v) => v >= 10)
  const memory = byGroup.memory
  const metrics = (memory?.rows ?? []).filter((r) => r.row.startsWith('metrics'))
  // What each name adds: the growth beyond the same samples in a single name.
  const kib = metrics.map((r) => ({
    label: `${r.row.split(': ').pop()}, beyond the 1-name control, per extra name`,
    v: ((h(r) - (valueOf(r, 'hotpath, 1 name') ?? NaN)) * 1024) / (memory.scale.names - 1),
  }))
  const measuredKib = kib.filter((x) => Number.isFinite(x.v))
  targets.push({
    target: `≤ 64 KiB per metric name (${memory ? memory.scale.samples.toLocaleString('en-US') : '–'} samples each)`,
    measured: measuredKib.length ? measuredKib.map((x) => `${fmt(x.v)} KiB (${x.label})`).join('; ') : 'not measured',
    verdict: measuredKib.length ? (measuredKib.every((x) => x.v <= 64) ? 'met' : 'missed') : 'n/a',
  })
  return [
    '### Targets (hotpath, this run)',
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...targets.map((t) => `| ${t.target} | ${t.measured} | ${t.verdict} |`),
    '',
  ].join('\n')
}

/** The whole report as markdown. */
export function renderReport(meta, results) {
  const byGroup = Object.fromEntries(results.map((g) => [g.group, g]))
  const floorRow = byGroup.boundary?.rows.find((r) => r.row === byGroup.boundary.floorRow)
  const floorNs = floorRow?.cells.ns?.value
  const versions = { mitata: meta.mitata }
  for (const g of results) Object.assign(versions, g.versions)
  const mode = meta.quick
    ? 'quick smoke (`bench:quick`): one short round per case, smaller data; figures are not comparable'
    : `full: ${ROUNDS_FULL} rounds (after ${WARMUP_ROUNDS_FULL} warm-up round) of ≥ ${MIN_CPU_MS_FULL} ms per case, cases interleaved; each figure is the median of the rounds`
  return [
    '## hotpath benchmark',
    '',
    `- ${meta.cpu}, ${meta.cores} cores, Node ${meta.node}; hotpath ${meta.hotpath}; ${meta.date}`,
    `- ${Object.entries(versions).map(([n, v]) => `${n} ${v}`).join(', ')}`,
    `- ${mode}`,
    `- load average (1 min) ${meta.load.map((l) => l.toFixed(2)).join(' at start, ')} at end`,
    '',
    ...results.map((g) => renderGroup(g, floorNs)),
    renderTargets(byGroup),
  ].join('\n')
}
