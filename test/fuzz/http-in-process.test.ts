/** The HTTP surfaces in process: the registered handlers, real Azurite (through the Table proxy) and the emulator. */
import { fuzzAppRuns } from '../support/fuzz-settings.js';
import { describeHttpSurfaces } from './http-surfaces.js';

describeHttpSurfaces({ inProcess: true, runs: fuzzAppRuns() });
