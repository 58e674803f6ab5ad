import { z } from 'zod';

export const generatorSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('random_password'), length: z.number().int() }).passthrough(),
  z.strictObject({ kind: z.literal('uuid') }),
]);

export type GeneratorSpec = z.infer<typeof generatorSpecSchema>;
