// Runs CommonJS in a plain Node process and returns its JSON result. For
// modules that load the napi CLI, which requires ES modules: Node 20.19+ does
// that natively, jest's module system does not.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const repo = join(__dirname, '..', '..')

/**
 * Evaluates `expression` (with `args` bound as an array) in the repo's
 * folder; returns its value, or `{ error: message }` if it throws.
 */
export function inNode(expression: string, ...args: string[]): any {
  const script =
    `const args = process.argv.slice(1); let out; try { out = (${expression}) } catch (e) { out = { error: e.message } }` +
    ' console.log(JSON.stringify(out))'
  const r = spawnSync(process.execPath, ['-e', script, ...args], { cwd: repo, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

/** Runs `script` with `node -e` in the repo's folder: the child's exit, output and how long it ran (ms). */
export function runScript(script: string, timeoutMs = 15_000) {
  const started = Date.now()
  const r = spawnSync(process.execPath, ['-e', script], { cwd: repo, encoding: 'utf8', timeout: timeoutMs })
  return { signal: r.signal, status: r.status, stdout: r.stdout, ms: Date.now() - started }
}
