#!/usr/bin/env node
// Packs hotpath as napi-rs projects publish it: one tarball per platform
// package (`npm/<platform>/`, carrying the prebuilt binary) plus the main
// `hotpath` tarball, whose optionalDependencies name every platform package
// so npm installs only the one matching the user's os/cpu/libc.
//
// The optionalDependencies are written into the staged main package only (as
// `napi pre-publish` does): in the repo's own package.json they would make
// `npm ci` fail here, since the platform packages are not on the registry.
//
// Usage: node scripts/pack.mjs [outDir]   (default: ./dist). Prints the paths
// of the tarballs it wrote, one per line, main package first.
import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const root = resolve(new URL('..', import.meta.url).pathname)
const outDir = resolve(process.argv[2] ?? join(root, 'dist'))
const stageDir = join(outDir, 'stage')
rmSync(stageDir, { recursive: true, force: true })
mkdirSync(stageDir, { recursive: true })

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))
const rootPkg = readJson(join(root, 'package.json'))

/** Runs `npm pack` in `dir` and returns the absolute path of the tarball. */
function npmPack(dir) {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: dir, encoding: 'utf8' })
  return join(outDir, JSON.parse(out)[0].filename)
}

const platformDirs = readdirSync(join(root, 'npm'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => join(root, 'npm', d.name))

const tarballs = []
const optionalDependencies = {}
for (const dir of platformDirs) {
  const pkg = readJson(join(dir, 'package.json'))
  if (pkg.version !== rootPkg.version) throw new Error(`${pkg.name} is at ${pkg.version}, hotpath at ${rootPkg.version}`)
  optionalDependencies[pkg.name] = pkg.version
  const binary = pkg.main
  // The binary `napi build --platform` leaves at the repo root.
  if (!existsSync(join(root, binary))) {
    console.error(`skip ${pkg.name}: ${binary} is not built here`)
    continue
  }
  const stage = join(stageDir, pkg.name)
  cpSync(dir, stage, { recursive: true })
  copyFileSync(join(root, binary), join(stage, binary))
  tarballs.push(npmPack(stage))
}
if (tarballs.length === 0) throw new Error('no platform binary is built: run `npm run build` first')

// Stage the main package: exactly the files `npm pack` would take from the
// repo, plus the optionalDependencies.
const listing = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' }))
const mainStage = join(stageDir, rootPkg.name)
for (const { path } of listing[0].files) {
  mkdirSync(dirname(join(mainStage, path)), { recursive: true })
  copyFileSync(join(root, path), join(mainStage, path))
}
const { devDependencies, scripts, ...published } = rootPkg
writeFileSync(join(mainStage, 'package.json'), JSON.stringify({ ...published, optionalDependencies }, null, 2) + '\n')
tarballs.unshift(npmPack(mainStage))

rmSync(stageDir, { recursive: true, force: true })
console.log(tarballs.join('\n'))
