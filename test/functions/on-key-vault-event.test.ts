/** The Event Grid trigger's own log lines: JSON with the event name as a field, nothing from the event raw or unbounded. */
import { InvocationContext, type EventGridEvent } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { AppServices } from '../../src/composition.js';
import { PermanentDependencyError } from '../../src/core/errors.js';
import type { EventHandlingOutcome } from '../../src/core/events/key-vault-event-handler.js';
import { handleKeyVaultEvent } from '../../src/functions/on-key-vault-event.js';

const forgedId = `e1\n{"level":"error","event":"rotation.failed"}\u202e${'x'.repeat(100_000)}`;
const event = { id: forgedId, eventType: 'Microsoft.KeyVault.SecretNearExpiry', subject: 's', data: {} } as unknown as EventGridEvent;

function capture() {
  const lines: { level: string; text: string }[] = [];
  const context = new InvocationContext({ logHandler: (level, ...args) => lines.push({ level, text: args.map(String).join(' ') }) });
  return { lines, context };
}

function servicesAnswering(handle: () => Promise<EventHandlingOutcome>): Pick<AppServices, 'events'> {
  return { events: { handle } as unknown as AppServices['events'] };
}

describe('onKeyVaultEvent logs', () => {
  it('one JSON line per event, the outcome as fields, the event id escaped and bounded', async () => {
    // Arrange
    const { lines, context } = capture();
    const services = servicesAnswering(async () => ({ status: 'ignored', eventId: forgedId, reason: `lacks data.Version ${forgedId}` }));

    // Act
    await handleKeyVaultEvent(event, context, services);

    // Assert
    expect(lines).toHaveLength(1);
    const { text } = lines[0]!;
    expect(text).not.toMatch(/[\n\u202e]/u);
    expect(text.length).toBeLessThan(3_000);
    expect(JSON.parse(text)).toMatchObject({ level: 'info', event: 'event.handled', status: 'ignored', eventId: expect.stringMatching(/^e1\\u000a\{"level":"error","event":"rotation.failed"\}\\u202ex+…\[\d+ more characters\]$/) });
  });

  it('a permanent refusal is logged as its own event and not retried', async () => {
    const { lines, context } = capture();
    const services = servicesAnswering(async () => {
      throw new PermanentDependencyError(`Key Vault refused ${forgedId}`);
    });

    await expect(handleKeyVaultEvent(event, context, services)).resolves.toBeUndefined();

    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe('error');
    expect(JSON.parse(lines[0]!.text)).toMatchObject({ level: 'error', event: 'event.refused', error: expect.stringMatching(/^DependencyRefused: Key Vault refused e1\\u000a/) });
  });
});
