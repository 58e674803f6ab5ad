/** A typed client for the Graph stand-in's admin API, for tests and the local host. */
import { StandInAdminClient } from '../shared/admin-client.js';
import type { GraphApplicationView } from './admin-api.js';
import type { GraphSeed } from './directory.js';
import type { GraphCounts, GraphInfo, GraphOperation } from './runtime.js';

export class GraphAdminClient extends StandInAdminClient<GraphOperation, GraphCounts> {
  info(): Promise<GraphInfo & { propagationDelayMs: number }> {
    return this.call('GET', '');
  }

  /** Adds (or replaces, by id) the applications; all or nothing. */
  async seed(seed: GraphSeed): Promise<GraphApplicationView[]> {
    return (await this.call<{ seeded: GraphApplicationView[] }>('POST', 'seed', seed)).seeded;
  }

  async applications(): Promise<GraphApplicationView[]> {
    return (await this.call<{ applications: GraphApplicationView[] }>('GET', 'applications')).applications;
  }

  /** By object id or appId. */
  application(id: string): Promise<GraphApplicationView> {
    return this.call('GET', `applications/${encodeURIComponent(id)}`);
  }

  async setPropagationDelay(propagationDelayMs: number): Promise<void> {
    await this.call('POST', 'settings', { propagationDelayMs });
  }
}
