export * from './cache.js'
export * from './performance.js'
