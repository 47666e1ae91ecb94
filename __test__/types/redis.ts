// Type test: the Redis options of SimpleCache and hotpath/redis, as an app writes them.
import { SimpleCache, type CacheStats } from 'hotpath/cache'
import { redisStatus, closeRedis, type RedisStatus } from 'hotpath/redis'

const users = new SimpleCache<{ id: number }>(1000, 300, {
  redis: { url: 'rediss://user:pass@cache.internal:6380/1', prefix: 'app:', commandTimeoutMs: 50 },
  name: 'users',
  maxEntryBytes: 64 * 1024,
  serializer: { serialize: (v) => JSON.stringify(v), deserialize: (data) => JSON.parse(data.toString()) },
})
const plain = new SimpleCache(10, 60, { redis: 'redis://localhost:6379', name: 'plain' })

export async function shutdown(): Promise<string> {
  await users.flush()
  const stats: CacheStats = plain.stats()
  const l2State: 'ready' | 'connecting' | 'down' | 'closed' | undefined = stats.l2?.state
  const status: RedisStatus = redisStatus()
  await closeRedis()
  return `${l2State} ${status.state} ${status.connections.map((c) => c.busMalformed).join(',')}`
}
