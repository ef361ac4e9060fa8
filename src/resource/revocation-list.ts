// Revoked grants, held in memory so a valid token costs no database round trip. Local revocations arrive at once
// through the repository's hook; revocations by other processes (the CLI, another instance) by polling.
import type { GrantsRepository } from '../storage/grants.js';

export interface RevocationListOptions {
  /** How long a revoked grant is remembered: the longest an access token it issued can live. */
  retentionMs: number;
  /** How often the database is asked for revocations made elsewhere. */
  pollMs: number;
}

export class RevocationList {
  private readonly revoked = new Map<string, number>();
  private lastPoll = 0;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  private constructor(
    private readonly grants: GrantsRepository,
    private readonly options: RevocationListOptions,
  ) {}

  static async start(grants: GrantsRepository, options: RevocationListOptions): Promise<RevocationList> {
    const list = new RevocationList(grants, options);
    list.unsubscribe = grants.onRevoke((grantId) => list.revoked.set(grantId, Date.now()));
    await list.poll();
    list.timer = setInterval(() => void list.poll().catch(() => undefined), options.pollMs);
    list.timer.unref();
    return list;
  }

  has(grantId: string): boolean {
    return this.revoked.has(grantId);
  }

  /** Learns of a revocation made elsewhere (another instance, announced over Redis). */
  add(grantId: string): void {
    this.revoked.set(grantId, Date.now());
  }

  private async poll(): Promise<void> {
    const now = Date.now();
    const oldest = now - this.options.retentionMs;
    // Overlap the previous poll a little: a revocation committed while that query ran is not missed.
    const since = Math.max(oldest, this.lastPoll - 5_000);
    for (const { id, revokedAt } of await this.grants.revokedSince(since)) this.revoked.set(id, revokedAt);
    for (const [id, revokedAt] of this.revoked) if (revokedAt < oldest) this.revoked.delete(id);
    this.lastPoll = now;
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }
}
