/** The HTTP surfaces over HTTP through the local host: its routing, body reading and response writing included. */
import { fuzzHttpRuns } from '../support/fuzz-settings.js';
import { describeHttpSurfaces } from './http-surfaces.js';

describeHttpSurfaces({ inProcess: false, runs: fuzzHttpRuns() });
