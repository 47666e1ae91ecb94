export * from './main.js'
