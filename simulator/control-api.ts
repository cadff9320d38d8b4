/** The unsigned `/_sim/` control API: local tooling sets scenarios, wire variants, faults and refunds, and reads the ledger. */
import express, { Router } from 'express';
import { z } from 'zod';
import type { SimulatedBank } from './bank';
import { FaultRuleSchema, type FaultInjector } from './faults';
import type { Ledger } from './ledger';
import { SCENARIO_NAMES, type ScenarioName } from './scenarios';
import { WireVariantPatchSchema } from './wire';

const WireRequest = z.object({ workflowId: z.string().min(1), variant: WireVariantPatchSchema });
const RefundRequest = z.object({
  sessionId: z.string().min(1),
  amount: z.number().int().positive().optional(),
  afterMs: z.number().int().nonnegative().optional(),
});
const ScenarioSpec = z.union([
  z.enum(SCENARIO_NAMES as [ScenarioName, ...ScenarioName[]]),
  z.record(z.string(), z.unknown()),
]);

const issuesOf = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

export function controlRouter({
  bank,
  ledger,
  faults,
}: {
  bank: SimulatedBank;
  ledger: Ledger;
  faults: FaultInjector;
}): Router {
  const router = Router();
  router.get('/_sim/healthz', (_req, res) => void res.json({ status: 'ok' }));
  router.get('/_sim/ledger', (_req, res) => void res.json({ entries: ledger.entries }));
  router.get('/_sim/summary', (_req, res) => void res.json(ledger.summary()));
  router.put('/_sim/scenarios/:workflowId', express.json(), (req, res) => {
    const spec = ScenarioSpec.safeParse(
      typeof req.body === 'object' && req.body && 'scenario' in req.body
        ? (req.body as { scenario: unknown }).scenario
        : req.body,
    );
    if (!spec.success)
      return void res
        .status(400)
        .json({ error: `scenario must be one of ${SCENARIO_NAMES.join(', ')} or an options object` });
    bank.setScenario(req.params.workflowId, spec.data);
    res.json({ status: 'ok' });
  });
  router.post('/_sim/faults', express.json(), (req, res) => {
    const rule = FaultRuleSchema.safeParse(req.body);
    if (!rule.success) return void res.status(400).json({ error: issuesOf(rule.error) });
    faults.add(rule.data);
    res.json({ status: 'ok' });
  });
  router.post('/_sim/wire', express.json(), (req, res) => {
    const spec = WireRequest.safeParse(req.body);
    if (!spec.success) return void res.status(400).json({ error: issuesOf(spec.error) });
    bank.setWireVariant(spec.data.workflowId, spec.data.variant);
    res.json({ status: 'ok' });
  });
  router.post('/_sim/refund', express.json(), (req, res) => {
    const spec = RefundRequest.safeParse(req.body);
    if (!spec.success) return void res.status(400).json({ error: issuesOf(spec.error) });
    const { sessionId, ...options } = spec.data;
    const a = bank.refund(sessionId, options);
    res.status(a.httpStatus).json(a.body);
  });
  router.delete('/_sim/faults', (_req, res) => {
    faults.clear();
    res.json({ status: 'ok' });
  });
  return router;
}
