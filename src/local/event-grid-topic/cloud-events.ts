/**
 * Reads a publish request's body as an Event Grid topic in the CloudEvents 1.0 schema does:
 * a batch (application/cloudevents-batch+json, or application/json) is a non-empty array of
 * events, a single event (application/cloudevents+json) an object; each event has specversion
 * "1.0" and non-empty id, source and type, optional attributes of the right types, not both
 * data and data_base64, and extension names of lower-case letters and digits.
 * Every refusal is a TopicError 400 naming the event and the attribute.
 */
import { topicErrors } from './topic-errors.js';

export type CloudEvent = Record<string, unknown>;

const OPTIONAL_STRINGS = ['subject', 'datacontenttype', 'dataschema', 'data_base64'] as const;
const CONTEXT_ATTRIBUTES = new Set(['specversion', 'id', 'source', 'type', 'time', 'data', ...OPTIONAL_STRINGS]);
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function checkEvent(value: unknown, where: string): CloudEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw topicErrors.invalidInput(`${where} is not a JSON object`);
  const event = value as CloudEvent;
  if (event['specversion'] === undefined) throw topicErrors.invalidInput(`${where}: required attribute 'specversion' is missing`);
  if (event['specversion'] !== '1.0') throw topicErrors.invalidInput(`${where}: specversion must be "1.0"`);
  for (const name of ['id', 'source', 'type']) {
    const attribute = event[name];
    if (attribute === undefined) throw topicErrors.invalidInput(`${where}: required attribute '${name}' is missing`);
    if (typeof attribute !== 'string' || attribute.trim() === '') throw topicErrors.invalidInput(`${where}: '${name}' must be a non-empty string`);
  }
  for (const name of OPTIONAL_STRINGS) {
    if (event[name] !== undefined && event[name] !== null && typeof event[name] !== 'string') throw topicErrors.invalidInput(`${where}: '${name}' must be a string`);
  }
  const time = event['time'];
  if (time !== undefined && time !== null && (typeof time !== 'string' || !RFC3339.test(time) || !Number.isFinite(Date.parse(time)))) throw topicErrors.invalidInput(`${where}: 'time' must be an RFC 3339 timestamp`);
  if (event['data'] !== undefined && event['data_base64'] !== undefined) throw topicErrors.invalidInput(`${where}: an event carries data or data_base64, not both`);
  if (typeof event['data_base64'] === 'string' && !BASE64.test(event['data_base64'])) throw topicErrors.invalidInput(`${where}: 'data_base64' must be base64`);
  for (const [name, attribute] of Object.entries(event)) {
    if (CONTEXT_ATTRIBUTES.has(name)) continue;
    if (!EXTENSION_NAME.test(name)) throw topicErrors.invalidInput(`${where}: extension attribute '${name.slice(0, 40)}' must be 1 to 20 lower-case letters or digits`);
    if (attribute !== null && typeof attribute === 'object') throw topicErrors.invalidInput(`${where}: extension attribute '${name}' must be a string, number or boolean`);
  }
  return event;
}

export function parseCloudEvents(raw: string, contentType: string | undefined): CloudEvent[] {
  const media = mediaType(contentType);
  const batch = media === 'application/cloudevents-batch+json' || media === 'application/json';
  if (!batch && media !== 'application/cloudevents+json') throw topicErrors.invalidInput(`the content type must be application/cloudevents-batch+json or application/cloudevents+json, not '${media.slice(0, 80)}'`);
  if (raw.trim() === '') throw topicErrors.invalidInput('the request body is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw topicErrors.invalidInput('the request body is not valid JSON');
  }
  if (!batch) return [checkEvent(parsed, 'the event')];
  if (!Array.isArray(parsed)) throw topicErrors.invalidInput('a batch must be a JSON array of events');
  if (parsed.length === 0) throw topicErrors.invalidInput('the batch has no events');
  return parsed.map((event, index) => checkEvent(event, `event ${index}`));
}
