export * from 'hotpath/cache'
