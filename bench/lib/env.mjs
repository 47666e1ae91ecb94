// Where the benchmark runs: paths, the quick/full switch, and the versions
// printed beside every table.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'

/** The repository root (the folder holding package.json). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

/** True for `bench:quick`: the CI smoke, one short round per case, smaller data. */
export const quick = process.env.HOTPATH_BENCH_QUICK === '1'

const require = createRequire(import.meta.url)

/** The installed version of an npm package, read from its package.json. */
export function versionOf(name) {
  const file = name === 'hotpath' ? `${repoRoot}package.json` : findPackageJson(require.resolve(name), name)
  return JSON.parse(readFileSync(file, 'utf8')).version
}

/** The package.json of `name` above one of its resolved files (some packages do not export it). */
function findPackageJson(file, name) {
  const marker = `/node_modules/${name}/`
  return `${file.slice(0, file.lastIndexOf(marker) + marker.length)}package.json`
}

/** CPU model, core count and Node version, for the table headers. */
export function machine() {
  const list = cpus()
  return { cpu: list[0]?.model ?? 'unknown CPU', cores: list.length, node: process.version }
}
