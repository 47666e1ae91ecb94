// Names the binary this process needs, as napi-rs names its platform packages.
'use strict'

/** True when this Linux process runs on musl libc (Alpine) rather than glibc. */
function isMusl(proc) {
  const report = typeof proc.report?.getReport === 'function' ? proc.report.getReport() : null
  const header = report && (typeof report === 'string' ? JSON.parse(report) : report).header
  return !(header && header.glibcVersionRuntime)
}

/** `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`, ... for `proc`. */
function platformSuffix(proc) {
  const { platform, arch } = proc
  if (platform === 'linux') return `linux-${arch}-${isMusl(proc) ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

module.exports = { platformSuffix, isMusl }
