/** What starting the Event Grid topic stand-in takes and gives back, and the names it serves under. */
import type { RunningHttpsStandIn } from '../shared/https-stand-in.js';
import type { HttpsStandInListenOptions } from '../shared/https-stand-in.js';

export interface EventGridTopicOptions extends HttpsStandInListenOptions {
  /** The topic's name, the first label of its host. Default 'evgt-rotation-local'. */
  topicName?: string;
  /** The second label, as Azure names it. Default 'westeurope-1'. */
  region?: string;
  /** The topic's two access keys (base64). Generated when absent. */
  keys?: { key1: string; key2: string };
}

export interface RunningEventGridTopic extends RunningHttpsStandIn {
  /** https://<topic>.<region>.eventgrid.azure.net:<port>/api/events: what EventGridPublisherClient takes. */
  endpoint: string;
  /** <topic>.<region>.eventgrid.azure.net */
  hostName: string;
  /** For an AzureKeyCredential (the aeg-sas-key header) or generateSharedAccessSignature. Never logged. */
  keys: { key1: string; key2: string };
}

export const EVENT_GRID_HOST_SUFFIX = '.eventgrid.azure.net';
export const EVENT_GRID_ADMIN_PREFIX = '/_eventgrid';
export const DEFAULT_TOPIC_NAME = 'evgt-rotation-local';
export const DEFAULT_TOPIC_REGION = 'westeurope-1';
/** What the SDK sends; Event Grid's publish API has had no other GA version. */
export const SUPPORTED_API_VERSIONS = ['2018-01-01'];
/** How many received events the stand-in keeps for tests (the oldest go first). */
export const MAX_RECORDED_EVENTS = 10_000;
