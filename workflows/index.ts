export { payoutWorkflow } from './payout';
export { webhookInboxWorkflow } from './webhook-inbox';
