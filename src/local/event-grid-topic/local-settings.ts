/** The settings that point the app's rotation events at the topic stand-in (the ARM_* pattern: endpoint, CA, the address its host name goes to). */
import type { RunningEventGridTopic } from './options.js';

export function localEventGridTopicSettings(topic: RunningEventGridTopic): Record<string, string> {
  return {
    ROTATION_EVENTS_TOPIC_ENDPOINT: topic.endpoint,
    ROTATION_EVENTS_CA_CERT_PATH: topic.caCertPath,
    ROTATION_EVENTS_ADDRESS: topic.host,
  };
}
