export * from './cache.js'
