/** The app's JSON log lines (consoleLogger's, as captureConsole keeps them) of one event about one policy, parsed. */
export function loggedEntries(lines: readonly string[], event: string, policyId: string): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return entry['event'] === event && entry['policyId'] === policyId ? [entry] : [];
    } catch {
      return [];
    }
  });
}
