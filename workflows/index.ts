export { payoutWorkflow } from './payout';
export { payoutReturnsWorkflow } from './payout-returns';
export { webhookInboxWorkflow } from './webhook-inbox';
export { backendCallbackWorkflow } from './backend-callback';
