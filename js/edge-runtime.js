// What `hotpath` resolves to under the `edge-light` export condition (Next.js
// Edge runtime, Vercel Edge Functions): the Edge runtime cannot load a native
// addon, so importing hotpath there fails at once, saying so, instead of on
// the first Node built-in the bundle lacks.
'use strict'

/** Throws the error that explains why hotpath cannot load here. */
function nodeRuntimeRequired() {
  throw new Error(
    "hotpath needs the Node.js runtime: it is a native addon, which the Edge runtime cannot load. " +
      "Remove `export const runtime = 'edge'` from the route or middleware that imports it (Node.js is Next.js's default runtime).",
  )
}

// A CommonJS module (so bundlers accept any named import from it) whose
// evaluation throws.
module.exports = nodeRuntimeRequired()
