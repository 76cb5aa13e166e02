// Finding things on the console's pages, by role and label first, test ids second.

export const navLink = (page, name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
export const button = (page, name) => page.getByRole('button', { name, exact: true });
export const jobRows = (page) => page.locator('[data-testid="jobs-table"] tbody tr');
export const jobRow = (page, id) => page.locator(`[data-testid="jobs-table"] tbody tr[data-job-id="${id}"]`);
export const stateFilter = (page, state) => page.getByRole('group', { name: 'State' }).getByLabel(state, { exact: true });
export const dialog = (page) => page.getByRole('dialog');
export const queueRow = (page, name) => page.locator(`[data-testid="queues-table"] tbody tr[data-queue="${name}"]`);
export const copyRow = (page, id) => page.locator(`[data-testid="copies-table"] tbody tr[data-copy-id="${id}"]`);
export const submissionRow = (page, id) => page.locator(`[data-testid="submissions-table"] tbody tr[data-submission-id="${id}"]`);
export const banner = (page) => page.getByTestId('maintenance-banner');
