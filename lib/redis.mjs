// ESM entry of hotpath/redis: the same functions as the CommonJS entry.
import { createRequire } from 'node:module'

const redis = createRequire(import.meta.url)('./redis.js')

export const { redisStatus, closeRedis } = redis
