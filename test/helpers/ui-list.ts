/**
 * The Temporal UI's workflow list as an operator reads it (UI 2.42.1, the version both browser tests run).
 * The list cannot show a payout's static summary: list results (WorkflowExecutionInfo) carry no user metadata,
 * so no UI release builds a summary column (docs/observability.md, "Known limits"). What the list can show is
 * our search attributes, as columns an operator adds from "Configure Columns"; these helpers do it by clicking.
 */
import type { Page } from 'playwright-core';
import { PayoutAmountKey, PayoutStatusKey, PayoutStepKey } from '../../workflows/search-attributes';

/** The columns the README tells operators to add: none carries recipient data (search attributes are plaintext). */
export const PAYOUT_LIST_COLUMNS = [PayoutStatusKey.name, PayoutStepKey.name, PayoutAmountKey.name] as const;

/** Opens the column drawer (the list's ⚙ "Configure Columns"), adds each custom search attribute column, closes it. */
export async function addListColumns(page: Page, labels: readonly string[]): Promise<void> {
  await page.getByTestId('workflows-summary-table-configuration-button').click();
  for (const label of labels) {
    await page.getByRole('button', { name: `Add ${label} column`, exact: true }).click();
  }
  const close = page.getByRole('button', { name: /^Close .* configuration$/ });
  await close.click();
  await close.waitFor({ state: 'detached' }); // the drawer flies out; wait so it is not in a screenshot
}

/** The list row of one workflow as column label → the cell's text, read by the table's own header cells. */
export async function readListRow(page: Page, workflowId: string): Promise<Record<string, string>> {
  const row = page.getByTestId('workflows-summary-configurable-table-row').filter({ hasText: workflowId });
  await row.first().waitFor({ state: 'visible', timeout: 30_000 });
  const table = page.locator('table', { has: row });
  const headers = (await table.locator('thead tr').first().locator('th').allInnerTexts()).map((t) =>
    t.trim(),
  );
  const cells = (await row.first().locator('td').allInnerTexts()).map((t) => t.trim());
  if (headers.length !== cells.length) {
    throw new Error(
      `the list's header has ${headers.length} cells, the row ${cells.length}: ${JSON.stringify({ headers, cells })}`,
    );
  }
  const byLabel: Record<string, string> = {};
  headers.forEach((label, i) => {
    if (label) byLabel[label] = cells[i]!;
  });
  return byLabel;
}
