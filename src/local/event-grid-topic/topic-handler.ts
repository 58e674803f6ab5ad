/**
 * One publish, in the order the topic applies things: the body's size, the authorization,
 * then (stand-in only) an armed fault, the path, the method, the api-version and the events.
 * Accepted events are recorded and answered 200 with an empty body, as Event Grid answers.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_REQUEST_BYTES, readBody, RequestTooLargeError, sendEmpty, sendJson } from '../keyvault-emulator/http-io.js';
import { applyFaultDelays } from '../shared/http-faults.js';
import { authorizePublish } from './authorization.js';
import { parseCloudEvents } from './cloud-events.js';
import { SUPPORTED_API_VERSIONS } from './options.js';
import type { TopicRuntime } from './runtime.js';
import { injectedTopicError, TopicError, topicErrors } from './topic-errors.js';

export async function handleTopicRequest(runtime: TopicRuntime, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const requestId = randomUUID();
  const headers = { 'x-ms-request-id': requestId, 'strict-transport-security': 'max-age=31536000; includeSubDomains' };
  const fail = (error: TopicError): void => sendJson(res, error.status, error.toBody(), { ...headers, ...error.headers });

  let body: string;
  try {
    body = await readBody(req);
  } catch (error) {
    if (!(error instanceof RequestTooLargeError)) throw error;
    runtime.counts.rejected += 1;
    return fail(topicErrors.tooLarge(MAX_REQUEST_BYTES));
  }
  const authorization = authorizePublish(req.headers, [runtime.keys.key1, runtime.keys.key2], runtime.info.endpoint, runtime.info.hostName, Date.now());
  if (authorization instanceof TopicError) {
    runtime.counts.unauthenticated += 1;
    return fail(authorization);
  }
  const isPublish = url.pathname.replace(/\/+$/, '').toLowerCase() === '/api/events';
  const fault = runtime.faults.take({ operation: isPublish ? 'events.publish' : undefined, method, path: url.pathname });
  if (fault) {
    runtime.counts.faults += 1;
    if (await applyFaultDelays(req, fault)) return;
    if (fault.status !== undefined) return fail(injectedTopicError(fault.status, fault.errorCode, fault.errorMessage, fault.headers));
  }
  if (!isPublish) {
    runtime.counts.unknown += 1;
    return fail(topicErrors.notFound(url.pathname));
  }
  if (method !== 'POST') {
    runtime.counts.unknown += 1;
    return fail(topicErrors.methodNotAllowed(method));
  }
  runtime.counts.operations['events.publish'] += 1;
  try {
    const version = url.searchParams.get('api-version');
    if (version === null || version === '') throw topicErrors.missingApiVersion();
    if (!SUPPORTED_API_VERSIONS.includes(version)) throw topicErrors.unsupportedApiVersion(version);
    const events = parseCloudEvents(body, req.headers['content-type']);
    const receivedAt = new Date().toISOString();
    runtime.record(events.map((event) => ({ receivedAt, authorization, event })));
    return sendEmpty(res, 200, headers);
  } catch (error) {
    if (!(error instanceof TopicError)) throw error;
    runtime.counts.rejected += 1;
    return fail(error);
  }
}
