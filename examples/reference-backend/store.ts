// The app's own data, in memory, standing in for your database: users, and one verification per
// livecheck check, found by the check's id when a webhook names it.
import { randomUUID } from 'node:crypto';

export type VerificationOutcome = { state: 'verified'; decidedAt: string } | { state: 'not_verified'; reason: string; decidedAt: string };

export interface User {
  id: string;
  name: string;
  /** Set once a check of theirs passed. */
  verifiedAt?: string;
}

export interface Verification {
  checkId: string;
  /** Reads the result, together with the API key: as secret as the key, kept server-side. */
  token: string;
  userId: string;
  startedAt: string;
  /** Recorded only from a result read with the authenticated GET. */
  outcome?: VerificationOutcome;
}

export class AppStore {
  private readonly users = new Map<string, User>();
  private readonly verifications = new Map<string, Verification>();
  private readonly latestByUser = new Map<string, string>();

  createUser(name: string): User {
    const user: User = { id: randomUUID(), name };
    this.users.set(user.id, user);
    return user;
  }

  user(id: string): User | undefined {
    return this.users.get(id);
  }

  startVerification(userId: string, checkId: string, token: string): Verification {
    const verification: Verification = { checkId, token, userId, startedAt: new Date().toISOString() };
    this.verifications.set(checkId, verification);
    this.latestByUser.set(userId, checkId);
    return verification;
  }

  verification(checkId: string): Verification | undefined {
    return this.verifications.get(checkId);
  }

  latestVerification(userId: string): Verification | undefined {
    const checkId = this.latestByUser.get(userId);
    return checkId === undefined ? undefined : this.verifications.get(checkId);
  }

  /**
   * The first decision wins: a check's result never changes once it is terminal, so the redirect,
   * the status poll and the webhook, which all read it, can each record it in any order.
   */
  recordOutcome(checkId: string, outcome: VerificationOutcome): VerificationOutcome {
    const verification = this.verifications.get(checkId);
    if (!verification) throw new Error(`no verification for check ${checkId}`);
    verification.outcome ??= outcome;
    const user = this.users.get(verification.userId);
    if (user && verification.outcome.state === 'verified') user.verifiedAt ??= verification.outcome.decidedAt;
    return verification.outcome;
  }
}
