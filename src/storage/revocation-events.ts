// Revocations committed by this process, told at once to whoever keeps a copy (the resource server's revocation
// list, the Redis fan-out to other instances). Grants are revoked one at a time, or all of a client's when it is
// deleted; both repositories tell the same listeners.
export class RevocationEvents {
  private readonly listeners = new Set<(grantId: string) => void>();

  /** Called after each revocation commits; returns the unsubscribe function. */
  on(listener: (grantId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(grantIds: readonly string[]): void {
    for (const grantId of grantIds) for (const listener of this.listeners) listener(grantId);
  }
}
