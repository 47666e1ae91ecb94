// With isolation-b.test.ts: test files that share a worker (jest --runInBand,
// vitest without isolation) each see fresh default instances.
import { apiCache } from 'hotpath/cache'

it('starts with an empty apiCache although another test file filled it', () => {
  expect(apiCache.get('written-by-a-test-file')).toBeNull()
  expect(apiCache.stats().size).toBe(0)
  apiCache.set('written-by-a-test-file', 'a')
})
