export { createRedisConnection, pingRedis, type RedisRole } from './connection.js';
export {
  DEFAULT_JOB_OPTIONS,
  defineJob,
  type JobDefinition,
  JobRegistry,
  jobIdFor,
  parsePayload,
} from './job-registry.js';
export { type EnqueueResult, Producer } from './producer.js';
export {
  type HandlerEntry,
  handle,
  type JobContext,
  type JobHandler,
  toQueueError,
  WorkerHost,
  type WorkerHostOptions,
} from './worker-host.js';
