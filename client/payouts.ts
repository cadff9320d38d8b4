/**
 * The typed client backend services use: start a payout by its ID (idempotent), read it, and act on it.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { PayoutRegistryReader } from '../activities/payout-registry';
import type { PolicyConfig } from '../policy/settings';
import {
  approveUpdate,
  cancelUpdate,
  PAYOUT_WORKFLOW_TYPE,
  payoutReturnsWorkflowId,
  rejectUpdate,
  returnsQuery,
  statusQuery,
  type OperatorAction,
  type PayoutResult,
  type PayoutReturnsState,
  type PayoutReturnsWorkflow,
  type PayoutState,
  type PayoutWorkflow,
  type PayoutWorkflowInput,
} from '../workflows/messages';
import {
  backendCallbackWorkflowId,
  callbackDeliveriesQuery,
  type BackendCallbackState,
  type StartedCallback,
} from '../workflows/backend-callback';
import { PayoutAmountKey, PayoutIdKey, PayoutStatusKey, PayoutStepKey } from '../workflows/search-attributes';
import { staticMetadata } from '../workflows/ui-details';
import { payoutListQuery, type PayoutListFilter } from './payout-list';
import { operatorIdentityProblem } from '../policy/operators';
import { parsePayoutRequest, payoutWorkflowId, requestHash } from '../policy/payout-request';

export class PayoutConflictError extends Error {
  override readonly name = 'PayoutConflictError';
  constructor(readonly payoutId: string) {
    super(`payout ${payoutId} already exists with different details; use a new payout ID`);
  }
}

export class PayoutNotFoundError extends Error {
  override readonly name = 'PayoutNotFoundError';
  constructor(readonly payoutId: string) {
    super(`payout ${payoutId} does not exist`);
  }
}

export class PayoutActionRejectedError extends Error {
  override readonly name = 'PayoutActionRejectedError';
}

/** The payout ID was used before: its run is gone from Temporal (retention), but the registry remembers. */
export class PayoutIdRetiredError extends Error {
  override readonly name = 'PayoutIdRetiredError';
  constructor(
    readonly payoutId: string,
    readonly claim: { runId: string; claimedAt: string },
  ) {
    super(
      `payout ${payoutId} was already started (run ${claim.runId}, ${claim.claimedAt}) and its workflow is ` +
        'no longer in Temporal; a payout ID starts one money movement only: use a new payout ID',
    );
  }
}

/** This client has no usable operator identity configured, so it cannot approve, reject or cancel. */
export class OperatorIdentityError extends Error {
  override readonly name = 'OperatorIdentityError';
}

/** What an operator adds to a decision; who decides is the client's configured identity, not an argument. */
export interface OperatorDecision {
  comment?: string;
}

export interface StartedPayout {
  payoutId: string;
  workflowId: string;
  runId: string;
  /** False when this call found the payout already started with the same details. */
  created: boolean;
}

export interface PayoutView {
  workflowId: string;
  runId: string;
  workflowStatus: string;
  state: PayoutState;
  /** True when money came back: while the payout ran, or after it finished (see `returns`). */
  returned: boolean;
  /** Returns that came after the payout finished, held by its returns workflow; absent when there were none. */
  returns?: PayoutReturnsState;
  /** Callbacks to the backend (the outcome, each return) with their delivery attempts; absent when off. */
  callbacks?: CallbackDelivery[];
}

export type CallbackDelivery = StartedCallback & { delivery?: BackendCallbackState };

export interface PayoutsClientOptions {
  client: Client;
  taskQueue: string;
  /** When given, amounts and currencies are checked against it before anything starts. */
  policy?: PolicyConfig;
  /**
   * Who this client is (config: PAYOUT_OPERATOR_ID, `loadOperatorIdentity()`): recorded as the payout's
   * `startedBy`, and sent as `by` with approve/reject/cancel, which are refused without it.
   */
  operator?: string;
  /**
   * The payout-ID registry (config: PAYOUT_REGISTRY_DATABASE_URL): an ID whose run Temporal no longer holds
   * is refused here, before a workflow starts. Without it the workflow's own claim refuses it.
   */
  registry?: PayoutRegistryReader;
}

/** One row of `listPayouts`: what visibility holds (search attributes), no query to the workflow. */
export interface PayoutListItem {
  payoutId: string;
  workflowId: string;
  workflowStatus: string;
  status?: string;
  step?: string;
  amount?: number;
  startTime: string;
  closeTime?: string;
}

export class PayoutsClient {
  constructor(private readonly opts: PayoutsClientOptions) {}

  /** The same client acting as another identity (a backend serving several authenticated operators). */
  asOperator(operator: string): PayoutsClient {
    return new PayoutsClient({ ...this.opts, operator });
  }

  /** Starts the payout, or returns the existing one when the same ID was started with the same details. */
  async startPayout(input: unknown): Promise<StartedPayout> {
    const request = parsePayoutRequest(input, this.opts.policy);
    const hash = requestHash(request);
    const workflowId = payoutWorkflowId(request.payoutId);
    const args: PayoutWorkflowInput = {
      request,
      requestHash: hash,
      ...(this.opts.operator ? { startedBy: this.opts.operator } : {}),
    };
    await this.refuseRetiredId(request.payoutId);
    try {
      const handle = await this.opts.client.workflow.start<PayoutWorkflow>(PAYOUT_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.opts.taskQueue,
        args: [args],
        // Any existing run, running or finished, is reported to us instead of replaced or re-run.
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { requestHash: hash },
        // Shown in the UI's list and header; payloads like any other, so encrypted by the codec.
        ...staticMetadata(request),
        typedSearchAttributes: [
          { key: PayoutIdKey, value: request.payoutId },
          { key: PayoutAmountKey, value: request.amount },
          { key: PayoutStatusKey, value: 'in_progress' },
          { key: PayoutStepKey, value: 'starting' },
        ],
      });
      return { payoutId: request.payoutId, workflowId, runId: handle.firstExecutionRunId, created: true };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const description = await this.handle(request.payoutId).describe();
    if (description.memo?.requestHash !== hash) throw new PayoutConflictError(request.payoutId);
    return { payoutId: request.payoutId, workflowId, runId: description.runId, created: false };
  }

  /** A claimed ID is fine only while Temporal still holds the very run that claimed it. */
  private async refuseRetiredId(payoutId: string): Promise<void> {
    const claim = await this.opts.registry?.lookup(payoutId);
    if (!claim) return;
    const runId = await this.handle(payoutId)
      .describe()
      .then((d) => d.runId)
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      });
    if (runId !== claim.runId) throw new PayoutIdRetiredError(payoutId, claim);
  }

  handle(payoutId: string): WorkflowHandle<PayoutWorkflow> {
    return this.opts.client.workflow.getHandle<PayoutWorkflow>(payoutWorkflowId(payoutId));
  }

  async getPayout(payoutId: string): Promise<PayoutView> {
    const handle = this.handle(payoutId);
    let description: WorkflowExecutionDescription;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new PayoutNotFoundError(payoutId);
      throw err;
    }
    const state = await handle.query(statusQuery);
    const returns = await this.getReturns(description.workflowId);
    // Only attached returns count: a refund whose session belongs to another payout is not this one's.
    const returned = state.returned || (returns?.returns.length ?? 0) > 0;
    const callbacks = await this.getCallbackDeliveries([
      ...(state.callbacks ?? []),
      ...(returns?.callbacks ?? []),
    ]);
    return {
      workflowId: description.workflowId,
      runId: description.runId,
      workflowStatus: description.status.name,
      state: { ...state, returned },
      returned,
      ...(returns ? { returns } : {}),
      ...(callbacks.length > 0 ? { callbacks } : {}),
    };
  }

  /** Each callback's delivery workflow's attempts (or none yet when it is not found). */
  private getCallbackDeliveries(started: StartedCallback[]): Promise<CallbackDelivery[]> {
    return Promise.all(
      started.map(async (callback) => {
        try {
          const delivery = await this.opts.client.workflow
            .getHandle(backendCallbackWorkflowId(callback.eventId))
            .query(callbackDeliveriesQuery);
          return { ...callback, delivery };
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return callback;
          throw err;
        }
      }),
    );
  }

  /** The payout's returns workflow's state (latest run), or undefined when no return ever came. */
  private async getReturns(workflowId: string): Promise<PayoutReturnsState | undefined> {
    try {
      return await this.opts.client.workflow
        .getHandle<PayoutReturnsWorkflow>(payoutReturnsWorkflowId(workflowId))
        .query(returnsQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** Payouts matching the filters (payout-list.ts), newest first, at most `limit`. */
  async listPayouts(filter: PayoutListFilter, limit = 100): Promise<PayoutListItem[]> {
    const items: PayoutListItem[] = [];
    for await (const w of this.opts.client.workflow.list({
      query: payoutListQuery(filter),
      pageSize: limit,
    })) {
      const attrs = w.typedSearchAttributes;
      items.push({
        payoutId: attrs.get(PayoutIdKey) ?? w.workflowId.replace(/^payout-/, ''),
        workflowId: w.workflowId,
        workflowStatus: w.status.name,
        status: attrs.get(PayoutStatusKey),
        step: attrs.get(PayoutStepKey),
        amount: attrs.get(PayoutAmountKey),
        startTime: w.startTime.toISOString(),
        closeTime: w.closeTime?.toISOString(),
      });
      if (items.length >= limit) break;
    }
    return items;
  }

  async result(payoutId: string): Promise<PayoutResult> {
    return this.handle(payoutId).result();
  }

  approve(payoutId: string, decision: OperatorDecision = {}): Promise<PayoutState> {
    return this.act(payoutId, approveUpdate, decision);
  }

  reject(payoutId: string, decision: OperatorDecision = {}): Promise<PayoutState> {
    return this.act(payoutId, rejectUpdate, decision);
  }

  cancel(payoutId: string, decision: OperatorDecision = {}): Promise<PayoutState> {
    return this.act(payoutId, cancelUpdate, decision);
  }

  private async act(
    payoutId: string,
    update: typeof approveUpdate,
    decision: OperatorDecision,
  ): Promise<PayoutState> {
    const problem = operatorIdentityProblem(this.opts.operator);
    if (problem) {
      throw new OperatorIdentityError(
        `${update.name} refused: ${problem}; configure this client's identity (PAYOUT_OPERATOR_ID)`,
      );
    }
    const action: OperatorAction = { by: this.opts.operator!.trim(), comment: decision.comment };
    try {
      return await this.handle(payoutId).executeUpdate(update, { args: [action] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        // Updates to a finished workflow fail as "not found" too: say which it is.
        const status = await this.handle(payoutId)
          .describe()
          .then((d) => d.status.name)
          .catch(() => undefined);
        if (status === undefined) throw new PayoutNotFoundError(payoutId);
        throw new PayoutActionRejectedError(
          `${update.name} refused: payout ${payoutId} has already finished (${status})`,
        );
      }
      if (err instanceof WorkflowUpdateFailedError) {
        throw new PayoutActionRejectedError(`${update.name} refused: ${err.cause?.message ?? err.message}`);
      }
      throw err;
    }
  }
}
