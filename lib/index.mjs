// ESM entry of hotpath: the same instances as the CommonJS entry.
export * from './cache.mjs'
export * from './performance.mjs'
