// Doing things as a user would.
import { USERS } from './env.mjs';
import { button, navLink } from './find.mjs';

/** Signs in through the login form and waits for the shell. */
export async function signIn(page, who = 'admin') {
  const { username, password } = USERS[who];
  if (!page.url().includes('/login')) await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await button(page, 'Sign in').click();
  await page.getByTestId('user').waitFor();
}

/** Follows a link of the main navigation and waits for the page's heading. */
export async function openFromNav(page, linkName, heading = linkName) {
  await navLink(page, linkName).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** The session token the console keeps in sessionStorage. */
export const sessionToken = (page) => page.evaluate(() => sessionStorage.getItem('longjobs.token'));
