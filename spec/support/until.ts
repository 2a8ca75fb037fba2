// A bounded wait for the socket specs: polls every 2 ms, throws when the bound passes.

/** Resolves once `condition` holds; rejects after `boundMs`. */
export async function until(condition: () => boolean, boundMs = 5_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
