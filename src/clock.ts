// The time that decides expiry (of authorization codes, of the refresh grace window, of access tokens): the
// system's, save in tests, which move it forward instead of waiting.
/** Milliseconds since the epoch, as Date.now() gives them. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
