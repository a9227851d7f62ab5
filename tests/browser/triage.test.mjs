// Browser test of the triage screen in Debian's headless chromium (playwright-core, no bundled
// browser): the queue renders; a contact sent to the gateway appears on the open page without a
// reload; opening a child shows its chronology. Saves a screenshot of the queue.
// Env: SIGHTLINE_APP_URL, SIGHTLINE_GATEWAY_URL, SIGHTLINE_GATEWAY_TOKEN, SIGHTLINE_TOKEN,
// SIGHTLINE_SCREENSHOT.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const app = process.env.SIGHTLINE_APP_URL;
const gateway = process.env.SIGHTLINE_GATEWAY_URL;
const token = process.env.SIGHTLINE_TOKEN;
const screenshot = process.env.SIGHTLINE_SCREENSHOT;
for (const [k, v] of Object.entries({ app, gateway, token, screenshot })) assert.ok(v, `missing ${k}`);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Anything the page's Content-Security-Policy refuses is reported on the console.
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  const opened = await page.goto(`${app}/app/#token=${encodeURIComponent(token)}`);
  assert.match(opened.headers()['content-security-policy'] || '', /script-src 'self';/, 'the page has its policy');
  await page.waitForSelector('#queue tbody tr', { timeout: 20000 });
  const before = await page.locator('#queue tbody tr').count();
  assert.ok(before > 0, 'the queue shows children');
  assert.equal(new URL(page.url()).hash, '#queue', 'the token is moved out of the address');
  await page.waitForSelector('#live:has-text("Live")', { timeout: 20000 });
  await page.screenshot({ path: screenshot, fullPage: false });

  // A new contact through the gateway appears without reloading the page.
  const id = `browser-${Date.now()}`;
  const now = new Date(Date.now() - 60000).toISOString();
  const contact = {
    event_id: `${id}-ev1`, child_id: `${id}-child`, household_id: `${id}-hh`, occurred_at: now, recorded_at: now,
    actor: { user_id: 'mash-pr1', role: 'ROLE_MASH_PRACTITIONER', team_id: 'mash' }, source_agency: 'AGENCY_POLICE',
    refs: { contact_id: `${id}-contact` },
    contact_received: { source: 'AGENCY_POLICE', concerns: ['CONCERN_CATEGORY_NEGLECT'], summary: 'Browser test contact.' },
  };
  const res = await fetch(`${gateway}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${process.env.SIGHTLINE_GATEWAY_TOKEN}` }, body: JSON.stringify(contact) });
  assert.equal(res.status, 202, await res.text());
  const row = page.locator(`#queue tbody tr[data-child="${id}-child"]`);
  await row.waitFor({ timeout: 20000 });
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1, 'no reload happened');

  // Opening the child (keyboard: focus the row, Enter) shows its chronology.
  await row.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#chronology tbody tr', { timeout: 20000 });
  const text = await page.locator('#chronology').innerText();
  assert.match(text, /Contact from police: neglect/);
  // Typed text is isolated from the screen's own words: in the title, the queue and search.
  assert.equal(await page.locator('#child-title bdi').innerText(), `${id}-child`);
  assert.ok(await page.locator('#queue tbody tr td bdi').count() >= before, 'each queued name is isolated');
  assert.deepEqual(errors, [], 'no script errors and nothing refused by the policy on the page');
  console.log(`browser test: queue had ${before} children; new contact appeared live; chronology shown`);
} finally {
  await browser.close();
}
