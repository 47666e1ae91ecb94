// Preloaded (`node --require`) into a child process to make hotpath's loader
// see another system: HOTPATH_FAKE_SYSTEM is JSON with any of
//   platform, arch       what process.platform / process.arch report
//   libc                 'glibc' or 'musl', as process.report shows it
//   edgeRuntime          define the EdgeRuntime global, as Next.js's Edge runtime does
//   noNodeVersion        remove process.versions.node, as non-Node runtimes lack it
//   nextStandalone       set what the server.js of a Next.js standalone build sets
'use strict'

const fake = JSON.parse(process.env.HOTPATH_FAKE_SYSTEM || '{}')
if (fake.platform) Object.defineProperty(process, 'platform', { value: fake.platform })
if (fake.arch) Object.defineProperty(process, 'arch', { value: fake.arch })
if (fake.libc) {
  const header = fake.libc === 'glibc' ? { glibcVersionRuntime: '2.17' } : {}
  process.report.getReport = () => ({ header })
}
if (fake.edgeRuntime) globalThis.EdgeRuntime = 'edge-runtime'
if (fake.noNodeVersion) {
  Object.defineProperty(process, 'versions', { value: { ...process.versions, node: undefined } })
}
if (fake.nextStandalone) process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = '{}'
