import type { ConnectionFields } from '../../consumers/consumer-port.js';
import type { BoundConsumer } from './step.js';

/** The secret's host, port and database come from the first consumer: the one applications connect to. */
export function connectionOf(consumer: BoundConsumer): ConnectionFields {
  return consumer.kind.connectionFields(consumer.spec);
}
