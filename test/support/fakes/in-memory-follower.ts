/**
 * A follower for engine unit tests: records each version it is told of, and confirms it or
 * refuses it as the test says. The real follower kinds (replica vaults, webhooks, Event Grid,
 * App Service) are proven against their stand-ins in test/adapters/consumers.
 */
import { z } from 'zod';
import type { FollowerKind, SwitchedVersion } from '../../../src/core/consumers/consumer-port.js';
import { followerSchema } from '../../../src/core/consumers/follower-schema.js';

const fakeFollowerSchema = followerSchema('fake-follower', { endpoint: z.string().min(1) });

export interface Delivery {
  name: string;
  version: string;
  rotationId: string;
  tags: Record<string, string>;
  value?: string;
}

export class FakeFollowers {
  readonly deliveries: Delivery[] = [];
  /** Followers (by name) that refuse every delivery until removed from here. */
  readonly refusing = new Set<string>();
  /** Followers that read the value when told of a version, as a replica vault does. */
  readonly readingValues = new Set<string>();

  kind(): FollowerKind<z.output<typeof fakeFollowerSchema>> {
    return {
      kind: 'fake-follower',
      role: 'follower',
      schema: fakeFollowerSchema,
      deliver: async (spec, switched: SwitchedVersion) => {
        if (this.refusing.has(spec.name)) throw new Error(`${spec.endpoint} answered 503`);
        const value = this.readingValues.has(spec.name) ? (await switched.readValue()).reveal() : undefined;
        this.deliveries.push({ name: spec.name, version: switched.version.version, rotationId: switched.rotationId, tags: switched.version.tags, ...(value !== undefined ? { value } : {}) });
        return `${spec.endpoint} confirmed version ${switched.version.version}`;
      },
    };
  }
}
