// What `hotpath` resolves to under the `edge-light` export condition (Next.js
// Edge runtime, Vercel Edge Functions): the Edge runtime cannot load a native
// addon, so importing hotpath there fails at once with the loader's Edge
// runtime error (js/platform.js), instead of on the first Node built-in the
// bundle lacks ("Cannot find module 'node:timers'").
'use strict'

const { bindingLoadError } = require('./platform.js')

/** Throws the loader's error for the Edge runtime. */
function nodeRuntimeRequired() {
  throw bindingLoadError({
    proc: typeof process === 'undefined' ? undefined : process,
    edgeRuntime: true,
    attempts: [{ request: 'hotpath (edge-light export condition)', error: new Error('a native addon cannot load in the Edge runtime') }],
    resolve: () => {
      throw new Error('no module resolution in the Edge runtime')
    },
  })
}

// A CommonJS module (so bundlers accept any named import from it) whose
// evaluation throws.
module.exports = nodeRuntimeRequired()
