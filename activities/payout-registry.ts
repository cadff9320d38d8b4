/**
 * The payout-ID registry: a PostgreSQL table that outlives Temporal's retention, so a payout ID can start
 * at most one money movement ever. A payout's first step claims its ID (payout ID, run, request hash) before
 * any bank call; a different run claiming a claimed ID is refused. The same transaction records the payout's
 * velocity reservation and returns its recipient's totals for the day, counted atomically across payouts.
 *
 * Tables live in their own schema (`payout_registry`), created by `migrate()`, which every worker runs at
 * start: idempotent, and safe when several workers start at once (one advisory lock).
 */
import { Pool, type PoolClient } from 'pg';
import type { VelocityTotals } from '../policy/velocity';

const SCHEMA = 'payout_registry';
/** Any constant: serialises migrations across workers starting at once. */
const MIGRATION_LOCK = 131_000_001;

/** Versioned and append-only: a deployed migration is never edited, a change is a new entry. */
const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE ${SCHEMA}.payout_ids (
        payout_id    text PRIMARY KEY,
        workflow_id  text NOT NULL,
        run_id       text NOT NULL,
        request_hash text NOT NULL,
        claimed_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${SCHEMA}.velocity_reservations (
        seq           bigserial PRIMARY KEY,
        payout_id     text NOT NULL UNIQUE REFERENCES ${SCHEMA}.payout_ids (payout_id),
        recipient_key text NOT NULL,
        day           date NOT NULL,
        amount        bigint NOT NULL CHECK (amount > 0),
        reserved_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX velocity_by_recipient_day ON ${SCHEMA}.velocity_reservations (recipient_key, day, seq);`,
  },
];

export interface PayoutClaim {
  payoutId: string;
  workflowId: string;
  /** The run that may move money under this ID: its first execution run ID. */
  runId: string;
  requestHash: string;
}

export interface VelocityReservation {
  /** A hash naming the recipient (policy/velocity.ts), never the account itself. */
  recipientKey: string;
  /** YYYY-MM-DD. */
  day: string;
  amount: number;
}

export type RegisterOutcome =
  | { kind: 'claimed'; velocity?: VelocityTotals }
  | { kind: 'claimed_by_another_run'; claim: PayoutClaim & { claimedAt: string } };

/** What the client needs: whether an ID was ever claimed, even when Temporal no longer knows the run. */
export interface PayoutRegistryReader {
  lookup(payoutId: string): Promise<(PayoutClaim & { claimedAt: string }) | undefined>;
}

export class PayoutRegistry implements PayoutRegistryReader {
  private readonly pool: Pool;

  constructor(databaseUrl: string, opts: { maxConnections?: number; connectTimeoutMs?: number } = {}) {
    this.pool = new Pool({
      connectionString: databaseUrl,
      max: opts.maxConnections ?? 5,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
      // A statement that hangs (a lock, a dying server) fails the activity attempt, which is retried.
      statement_timeout: 10_000,
    });
    // An idle connection the server dropped must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** Creates the schema and applies pending migrations; idempotent, one worker at a time. */
  async migrate(): Promise<number[]> {
    return this.transaction(async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await db.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
      await db.query(
        `CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = await db.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.schema_migrations`);
      const applied = new Set(done.rows.map((r) => r.version));
      const now: number[] = [];
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await db.query(m.sql);
        await db.query(`INSERT INTO ${SCHEMA}.schema_migrations (version) VALUES ($1)`, [m.version]);
        now.push(m.version);
      }
      return now;
    });
  }

  /**
   * Claims the payout ID for this run (a retry of the same run finds its own claim) and, when given, records
   * the velocity reservation and returns the recipient's totals for the day up to and including this payout.
   * Reservations for one recipient and day are serialised by an advisory lock, so concurrent payouts each
   * see every earlier one; a retry returns the same totals.
   */
  async register(claim: PayoutClaim, reservation?: VelocityReservation): Promise<RegisterOutcome> {
    return this.transaction(async (db) => {
      await db.query(
        `INSERT INTO ${SCHEMA}.payout_ids (payout_id, workflow_id, run_id, request_hash)
         VALUES ($1, $2, $3, $4) ON CONFLICT (payout_id) DO NOTHING`,
        [claim.payoutId, claim.workflowId, claim.runId, claim.requestHash],
      );
      const owner = await this.claimOf(db, claim.payoutId);
      if (!owner) throw new Error(`payout ID ${claim.payoutId} claim vanished inside its transaction`);
      if (owner.runId !== claim.runId) return { kind: 'claimed_by_another_run', claim: owner };
      if (!reservation) return { kind: 'claimed' };

      await db.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `velocity|${reservation.recipientKey}|${reservation.day}`,
      ]);
      await db.query(
        `INSERT INTO ${SCHEMA}.velocity_reservations (payout_id, recipient_key, day, amount)
         VALUES ($1, $2, $3, $4) ON CONFLICT (payout_id) DO NOTHING`,
        [claim.payoutId, reservation.recipientKey, reservation.day, reservation.amount],
      );
      // Totals as of our own reservation (by its sequence), so a retry sees what the first attempt saw.
      const totals = await db.query<{ count: string; amount: string }>(
        `SELECT count(*) AS count, coalesce(sum(r.amount), 0) AS amount
           FROM ${SCHEMA}.velocity_reservations r,
                (SELECT seq, recipient_key, day FROM ${SCHEMA}.velocity_reservations WHERE payout_id = $1) ours
          WHERE r.recipient_key = ours.recipient_key AND r.day = ours.day AND r.seq <= ours.seq`,
        [claim.payoutId],
      );
      const row = totals.rows[0];
      return { kind: 'claimed', velocity: { count: Number(row?.count), amount: Number(row?.amount) } };
    });
  }

  /**
   * Records a claim made before the registry existed (a payout Temporal still holds), unless the ID is
   * already claimed. Returns whether it was recorded. For the backfill (client/registry-backfill.ts).
   */
  async recordExisting(claim: PayoutClaim): Promise<boolean> {
    const db = await this.pool.connect();
    try {
      const r = await db.query(
        `INSERT INTO ${SCHEMA}.payout_ids (payout_id, workflow_id, run_id, request_hash)
         VALUES ($1, $2, $3, $4) ON CONFLICT (payout_id) DO NOTHING`,
        [claim.payoutId, claim.workflowId, claim.runId, claim.requestHash],
      );
      return r.rowCount === 1;
    } finally {
      db.release();
    }
  }

  async lookup(payoutId: string): Promise<(PayoutClaim & { claimedAt: string }) | undefined> {
    const db = await this.pool.connect();
    try {
      return await this.claimOf(db, payoutId);
    } finally {
      db.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private async claimOf(
    db: PoolClient,
    payoutId: string,
  ): Promise<(PayoutClaim & { claimedAt: string }) | undefined> {
    const r = await db.query<{
      payout_id: string;
      workflow_id: string;
      run_id: string;
      request_hash: string;
      claimed_at: Date;
    }>(
      `SELECT payout_id, workflow_id, run_id, request_hash, claimed_at FROM ${SCHEMA}.payout_ids WHERE payout_id = $1`,
      [payoutId],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    return {
      payoutId: row.payout_id,
      workflowId: row.workflow_id,
      runId: row.run_id,
      requestHash: row.request_hash,
      claimedAt: row.claimed_at.toISOString(),
    };
  }

  private async transaction<T>(fn: (db: PoolClient) => Promise<T>): Promise<T> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const result = await fn(db);
      await db.query('COMMIT');
      db.release();
      return result;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      // The connection may be what failed: drop it rather than hand it to the next caller.
      db.release(true);
      throw err;
    }
  }
}
