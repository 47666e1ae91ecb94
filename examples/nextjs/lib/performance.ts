export * from 'hotpath/performance'
