// The parts of hotpath that other branches are still building. A group that
// needs one skips hotpath with this note when it is missing, never a number.
import * as cache from 'hotpath/cache'

/** `hotpath/performance` when this build has it, else undefined. */
export const hotpathPerformance = await import('hotpath/performance').catch(() => undefined)

/** `hotpath/cache`'s RateLimiter when this build has it, else undefined. */
export const HotpathRateLimiter = cache.RateLimiter

/** Why the perf rows have no hotpath figure. */
export const NO_PERFORMANCE = 'hotpath/performance is not on this branch yet (issue 4, branch `perf`)'

/** Why the limiter rows have no hotpath figure. */
export const NO_LIMITER = 'hotpath/cache has no RateLimiter on this branch yet (issue 3, branch `limiter`)'
