/**
 * The rotation policy: what to rotate, how to generate the new value, and how
 * often. Stored in Table Storage, exchanged as JSON over the HTTP API.
 */
import { z } from 'zod';
import { generatorSpecSchema } from '../generators/generator-spec.js';

export const rotationPolicySchema = z
  .object({
    id: z.string(),
    vaultUrl: z.string(),
    secretName: z.string(),
    generator: generatorSpecSchema,
    rotation: z.strictObject({ every: z.string(), validFor: z.string() }),
    environment: z.string().min(1).max(64),
    owner: z.string().min(1).max(128),
    contentType: z.string().max(255).optional(),
    tags: z.record(z.string(), z.string()).default({}),
    enabled: z.boolean().default(true),
  })
  .strict();

export type RotationPolicy = z.infer<typeof rotationPolicySchema>;
