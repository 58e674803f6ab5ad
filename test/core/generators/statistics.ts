/** Pearson's chi-square statistic of observed counts against expected counts. */
export function chiSquare(observed: ReadonlyMap<string, number>, expected: ReadonlyMap<string, number>): number {
  let statistic = 0;
  for (const [key, expectedCount] of expected) {
    const difference = (observed.get(key) ?? 0) - expectedCount;
    statistic += (difference * difference) / expectedCount;
  }
  return statistic;
}

export function countCharacters(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  return counts;
}

export function uniformExpectation(alphabet: Iterable<string>, total: number): Map<string, number> {
  const chars = [...alphabet];
  return new Map(chars.map((char) => [char, total / chars.length]));
}

/**
 * A bound the statistic exceeds with probability far below 1e-9 for a uniform
 * source: mean + 10 standard deviations of the chi-square distribution (df + 10·sqrt(2·df)).
 * Loose enough never to flake with real randomness, tight enough to catch a skewed sampler.
 */
export function chiSquareBound(degreesOfFreedom: number): number {
  return degreesOfFreedom + 10 * Math.sqrt(2 * degreesOfFreedom);
}
