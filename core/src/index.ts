export type { AssayConfig, LakeLocation } from './config/config.schema.ts';
export { loadConfig, type LoadConfigOptions } from './config/load-config.ts';
export { startPlatform, type Platform, type StartPlatformOptions } from './platform/platform.ts';
export { main } from './cli/main.ts';
export { platformVersion } from './version.ts';
export { createEventBus, type CoreEventBus } from './events/event-bus.ts';
export { createQueueService, type CoreQueue } from './queue/queue-service.ts';
