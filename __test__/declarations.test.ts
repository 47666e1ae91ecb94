// The hand-written declarations in lib/*.d.ts are the API's documentation
// (CONTRIBUTING.md, "Where the API is documented"); this test keeps them
// true to the code. Every export, every public member of every exported
// class and the fields of the objects the API returns are compared with the
// runtime, both ways, with the declarations parsed by the TypeScript compiler.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import * as cacheEntry from 'hotpath/cache'
import * as performanceEntry from 'hotpath/performance'
import * as indexEntry from 'hotpath'
import * as redisEntry from 'hotpath/redis'

const lib = join(__dirname, '..', 'lib')

interface Declared {
  /** Exported values (classes, functions, consts) by name. */
  values: Set<string>
  /** Public instance members of each exported class. */
  classes: Map<string, Set<string>>
  /** Required property names of each exported interface, with those of interfaces it extends. */
  interfaces: Map<string, Set<string>>
}

const isExported = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

/** What `lib/<file>` declares, following `export * from` into sibling files. */
function declared(file: string, into: Declared = { values: new Set(), classes: new Map(), interfaces: new Map() }): Declared {
  const source = ts.createSourceFile(file, readFileSync(join(lib, file), 'utf8'), ts.ScriptTarget.Latest)
  const heritage = new Map<string, string[]>()
  for (const node of source.statements) {
    if (ts.isExportDeclaration(node) && !node.exportClause && node.moduleSpecifier) {
      declared((node.moduleSpecifier as ts.StringLiteral).text.replace(/^\.\//, '').replace(/\.js$/, '.d.ts'), into)
    } else if (ts.isClassDeclaration(node) && node.name && isExported(node)) {
      into.values.add(node.name.text)
      const members = new Set<string>()
      for (const m of node.members) {
        if (ts.isConstructorDeclaration(m) || !m.name) continue
        members.add(m.name.getText(source))
      }
      into.classes.set(node.name.text, members)
    } else if (ts.isFunctionDeclaration(node) && node.name && isExported(node)) {
      into.values.add(node.name.text)
    } else if (ts.isVariableStatement(node) && isExported(node)) {
      for (const d of node.declarationList.declarations) into.values.add(d.name.getText(source))
    } else if (ts.isInterfaceDeclaration(node) && isExported(node)) {
      // Optional fields (`l2?` on a cache without Redis) are left out: the code omits them when they do not apply.
      const required = node.members.filter((m) => m.name && !(ts.isPropertySignature(m) && m.questionToken))
      const fields = new Set(required.map((m) => m.name!.getText(source).replace(/'/g, '')))
      into.interfaces.set(node.name.text, fields)
      heritage.set(node.name.text, (node.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText(source))))
    }
  }
  for (const [name, parents] of heritage) for (const p of parents) for (const f of into.interfaces.get(p) ?? []) into.interfaces.get(name)!.add(f)
  return into
}

/** Public members at run time: the prototype's own names, private `#` fields excluded by the language. */
const runtimeMembers = (cls: new (...args: never[]) => unknown) =>
  new Set(Object.getOwnPropertyNames(cls.prototype).filter((n) => n !== 'constructor'))

const sorted = (s: Iterable<string>) => [...s].sort()

describe.each([
  ['cache.d.ts', cacheEntry],
  ['performance.d.ts', performanceEntry],
  ['index.d.ts', indexEntry],
  ['redis.d.ts', redisEntry],
])('lib/%s matches the code', (file, entry) => {
  const d = declared(file)
  const runtime = Object.fromEntries(Object.entries(entry).filter(([name]) => name !== 'default'))

  it('declares exactly the values the entry exports', () => {
    expect(sorted(d.values)).toEqual(sorted(Object.keys(runtime)))
  })

  it('declares exactly the public members of each exported class', () => {
    for (const [name, members] of d.classes) {
      expect([name, sorted(members)]).toEqual([name, sorted(runtimeMembers(runtime[name]))])
    }
  })
})

describe('the declared result types match what the code returns', () => {
  const d = declared('index.d.ts')
  const fields = (name: string) => sorted(d.interfaces.get(name)!)
  const keys = (o: object) => sorted(Object.keys(o))

  it('CacheStats is what SimpleCache.stats() returns', () => {
    expect(keys(new cacheEntry.SimpleCache().stats())).toEqual(fields('CacheStats'))
  })

  it('RateLimitDecision and RateLimiterStats are what check() and stats() return', () => {
    const limiter = new cacheEntry.RateLimiter(1, 1000)
    expect(keys(limiter.check('ip'))).toEqual(fields('RateLimitDecision'))
    expect(keys(limiter.stats())).toEqual(fields('RateLimiterStats'))
  })

  it('MonitorStats is what getStats() returns, and MetricsPayload what metricsPayload() returns', () => {
    const m = new performanceEntry.PerformanceMonitor()
    m.record('db', 5)
    expect(keys(m.getStats('db')!)).toEqual(fields('MonitorStats'))
    expect(keys(m.metricsPayload())).toEqual(fields('MetricsPayload'))
  })

  it('LatencyHistogramBuckets is what histograms() returns', () => {
    const m = new performanceEntry.PerformanceMonitor()
    m.record('db', 5)
    expect(keys(m.histograms()[0])).toEqual(fields('LatencyHistogramBuckets'))
  })
})
