export * from './performance.js'
