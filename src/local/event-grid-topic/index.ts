/** The Event Grid topic stand-in's public surface: start it in-process, read what it received and drive it with the admin client. */
export { startEventGridTopic } from './standin.js';
export { EventGridTopicAdminClient } from './admin-client.js';
export { DEFAULT_TOPIC_NAME, DEFAULT_TOPIC_REGION, EVENT_GRID_ADMIN_PREFIX, EVENT_GRID_HOST_SUFFIX, type EventGridTopicOptions, type RunningEventGridTopic } from './options.js';
export { parseCloudEvents, type CloudEvent } from './cloud-events.js';
export { TOPIC_OPERATIONS, type ReceivedEvent, type TopicCounts, type TopicInfo, type TopicOperation } from './runtime.js';
export { TopicError } from './topic-errors.js';
export { localEventGridTopicSettings } from './local-settings.js';
