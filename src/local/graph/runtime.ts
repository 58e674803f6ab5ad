/** What the running Graph stand-in holds: the directory, its signing keys, settings, faults and counts. */
import { SigningKeys } from '../identity-provider/signing-keys.js';
import { HttpFaults } from '../shared/http-faults.js';
import { GraphDirectory } from './directory.js';

/** Graph's requests by the operation the admin API counts and faults them under; the token endpoint's too. */
export const GRAPH_OPERATIONS = ['applications.get', 'applications.addPassword', 'applications.removePassword', 'token.clientCredentials'] as const;
export type GraphOperation = (typeof GRAPH_OPERATIONS)[number];

export interface GraphCounts {
  operations: Record<GraphOperation, number>;
  /** Tokens the token authority issued, and token requests it refused (wrong, removed, not yet propagated or expired secrets included). */
  tokensIssued: number;
  tokensRefused: number;
  /** 401s answered to Graph requests without a usable bearer token. */
  unauthenticated: number;
  /** Injected faults applied. */
  faults: number;
  /** Requests to a path or method the stand-in does not serve. */
  unknown: number;
}

function zero(): GraphCounts {
  return { operations: Object.fromEntries(GRAPH_OPERATIONS.map((operation) => [operation, 0])) as Record<GraphOperation, number>, tokensIssued: 0, tokensRefused: 0, unauthenticated: 0, faults: 0, unknown: 0 };
}

export interface GraphInfo {
  baseUrl: string;
  tokenAuthority: string;
  tenantId: string;
  host: string;
  caCertPath: string;
  adminUrl: string;
}

export interface GraphSettings {
  propagationDelayMs: number;
  tokenLifetimeSeconds: number;
}

export class GraphRuntime {
  readonly directory = new GraphDirectory();
  readonly faults = new HttpFaults<GraphOperation>();
  counts: GraphCounts = zero();

  constructor(
    readonly info: GraphInfo,
    readonly settings: GraphSettings,
    readonly keys: SigningKeys,
  ) {}

  /** `<tokenAuthority>/<tenant>/v2.0`: the issuer of its tokens and of its OpenID configuration. */
  get issuer(): string {
    return `${this.info.tokenAuthority}/${this.info.tenantId}/v2.0`;
  }

  reset(): void {
    this.directory.reset();
    this.faults.clear();
    this.counts = zero();
  }
}
