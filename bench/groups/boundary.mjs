// Group "boundary": the floor every other figure can be read against: one
// napi call, beside a JS call and the clock reads the peers pay.
// The raw binding, which the package does not export: loaded as its entry files load it.
import binding from '../../js/binding.js'
import { compile, runCases, report } from '../lib/harness.mjs'
// The clock every TTL and window reads (js/clock.js), beside Date.now().
import clock from '../../js/clock.js'

const jsEmpty = () => 1
const FLOOR_ROW = 'napi call: __noop(), no arguments, no result'

const rows = await runCases([
  { row: 'JS call: empty function', peer: 'ns', fn: compile({ f: jsEmpty }, '() => sink(f())') },
  { row: 'Date.now()', peer: 'ns', fn: compile({}, '() => sink(Date.now())') },
  { row: 'performance.now()', peer: 'ns', fn: compile({}, '() => sink(performance.now())') },
  { row: "hotpath's clock read (js/clock.js now())", peer: 'ns', fn: compile({ now: clock.now }, '() => sink(now())') },
  { row: FLOOR_ROW, peer: 'ns', fn: compile({ b: binding }, '() => sink(b.__noop())') },
  { row: 'napi call: clockWake(), returns a number', peer: 'ns', fn: compile({ b: binding }, '() => sink(b.clockWake())') },
])

// The same two reads while `Date.now` is a bound wrapper, as a Next.js server
// installs one (to report each read as I/O to its prerender). The clock then
// calls the wrapper on every read: these rows are what hotpath adds to a bare
// wrapper; Next's own adds two AsyncLocalStorage lookups, which the reference
// lib pays on each of its `Date.now()` calls too.
const intrinsicNow = Date.now
Date.now = function now() {
  return intrinsicNow()
}.bind(null)
rows.push(
  ...(await runCases([
    { row: 'Date.now() replaced by a bound wrapper (as Next.js does)', peer: 'ns', fn: compile({}, '() => sink(Date.now())') },
    { row: "hotpath's clock read with Date.now so wrapped", peer: 'ns', fn: compile({ now: clock.now }, '() => sink(now())') },
  ])),
)
Date.now = intrinsicNow

report({
  group: 'boundary',
  title: 'The boundary floor (ns per call)',
  unit: 'ns',
  peers: ['ns'],
  floorRow: FLOOR_ROW,
  rows,
  notes: [
    'The empty JS function is inlined by V8: its figure is the harness\'s own cost per call.',
    '__noop() is an exported Rust function with an empty body: the price of one crossing.',
  ],
})
