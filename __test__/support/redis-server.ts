// The test redis-server (redis-server.cjs, shared with e2e/ and bench/) for the TypeScript suites.
export { RedisServer, redisCommand } from './redis-server.cjs'
