/**
 * Starts the Event Grid topic stand-in: an HTTPS listener for <topic>.<region>.eventgrid.azure.net
 * (its certificate from a fresh CA or the one shared with the other stand-ins) and the topic's keys.
 */
import { randomBytes } from 'node:crypto';
import { listenHttpsStandIn } from '../shared/https-stand-in.js';
import { DEFAULT_TOPIC_NAME, DEFAULT_TOPIC_REGION, EVENT_GRID_ADMIN_PREFIX, EVENT_GRID_HOST_SUFFIX, type EventGridTopicOptions, type RunningEventGridTopic } from './options.js';
import { TopicRuntime } from './runtime.js';
import { createTopicRequestListener } from './server.js';

const LABEL = /^[a-z0-9]([a-z0-9-]{1,48}[a-z0-9])?$/;

export async function startEventGridTopic(options: EventGridTopicOptions = {}): Promise<RunningEventGridTopic> {
  const topicName = (options.topicName ?? DEFAULT_TOPIC_NAME).toLowerCase();
  const region = (options.region ?? DEFAULT_TOPIC_REGION).toLowerCase();
  if (!LABEL.test(topicName) || !LABEL.test(region)) throw new Error('topicName and region must be DNS labels of 3 to 50 letters, digits and hyphens');
  const hostName = `${topicName}.${region}${EVENT_GRID_HOST_SUFFIX}`;
  const keys = options.keys ?? { key1: randomBytes(32).toString('base64'), key2: randomBytes(32).toString('base64') };

  const listener = await listenHttpsStandIn(options, [hostName], 'event-grid-topic-');
  const { host, port, caCertPath, caCertPem, stop } = listener;
  const endpoint = `https://${hostName}:${port}/api/events`;
  const adminUrl = `${listener.loopbackOrigin}${EVENT_GRID_ADMIN_PREFIX}`;
  const runtime = new TopicRuntime({ endpoint, hostName, host, caCertPath, adminUrl }, keys);
  listener.server.on('request', createTopicRequestListener(runtime));
  return { endpoint, hostName, host, port, caCertPath, caCertPem, keys, adminUrl, stop };
}
