// The alert board in Debian's headless chromium (issue 14): a team manager opens the alerts
// panel, acknowledges a red contact's alert from the screen with a note, and the alert stops
// escalating: after the watchdog's clock moves on two hours, the alerts topic (read with kcat)
// holds the acknowledgement and no escalation for it, while the same red contact left alone was
// escalated. Saves screenshots of the alerts panel, the child page and the line of sight, and
// checks each page with axe-core against WCAG 2.2 AA: no serious or critical violation.
// Env: see alerts.sh.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { chromium } from 'playwright-core';

const env = (k) => { assert.ok(process.env[k], `missing ${k}`); return process.env[k]; };
const app = env('SIGHTLINE_APP_URL'), gateway = env('SIGHTLINE_GATEWAY_URL'), watchdog = env('SIGHTLINE_WATCHDOG_URL');
const now = Number(env('SIGHTLINE_NOW')), shots = env('SIGHTLINE_SCREENSHOT_DIR');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, check, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(200);
  }
}

// Two red contacts received 4h10m before the watchdog's "now": due 10 minutes ago.
const run = `ab${Date.now()}`;
const at = (minutesAgo) => new Date((now - minutesAgo * 60) * 1000).toISOString();
const staff = { user_id: 'mash-pr1', role: 'ROLE_MASH_PRACTITIONER', team_id: 'mash' };
function redContact(child, name) {
  const refs = { contact_id: `${child}-k` };
  const base = { child_id: child, household_id: `${child}-hh`, actor: staff, source_agency: 'AGENCY_POLICE', refs };
  return [
    { ...base, event_id: `${child}-d`, occurred_at: at(251), child_details_recorded: { name, date_of_birth: '2016-03-01', gender: 'GENDER_MALE', disability: 'DISABILITY_NONE' } },
    { ...base, event_id: `${child}-c`, occurred_at: at(250), contact_received: { source: 'AGENCY_POLICE', concerns: ['CONCERN_CATEGORY_PHYSICAL_ABUSE'], summary: 'Police: injury seen at school.' } },
    { ...base, event_id: `${child}-r`, occurred_at: at(245), rag_rated: { rating: 'RAG_RATING_RED' } },
  ];
}
const acked = `${run}-a`, control = `${run}-b`;
for (const e of [...redContact(acked, 'Leo Acknowledged'), ...redContact(control, 'Max Control')]) {
  const res = await fetch(`${gateway}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${env('SIGHTLINE_RELAY_TOKEN')}` }, body: JSON.stringify(e) });
  assert.equal(res.status, 202, await res.text());
}
// WCAG 2.2 AA (the Public Sector Bodies Accessibility Regulations cover staff tools): axe-core in
// the page, serious and critical findings fail the test.
const axeSummary = [];
async function accessible(page, name) {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} - ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')}`), [],
    `${name}: axe-core found serious or critical violations`);
  axeSummary.push(`${name}: ${result.passes.length} rules passed, ${result.violations.length} minor/moderate`);
}
const alertOf = (child) => `contact-decision-red/${child}/${child}-r`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  await page.goto(`${app}/app/#token=${encodeURIComponent(env('SIGHTLINE_TOKEN'))}`);
  await page.waitForSelector('#queue-view:not([hidden])', { timeout: 20000 });
  await page.waitForSelector('#queue tbody tr', { timeout: 20000 });
  await accessible(page, 'queue');
  // The manager opens the alerts panel from the navigation, by keyboard.
  await page.focus('#nav-alerts');
  await page.keyboard.press('Enter');
  const row = (child) => page.locator(`#alerts tbody tr[data-alert="${alertOf(child)}/L1"]`);
  await until('both red alerts on the panel', async () => {
    if (await row(acked).count() && await row(control).count()) return true;
    await page.evaluate(() => { location.hash = '#queue'; location.hash = '#alerts'; });
    await sleep(500);
    return false;
  }, 60000);
  const text = await row(acked).innerText();
  assert.match(text, /Red-rated contact decided within 4 hours/);
  assert.match(text, /Leo Acknowledged/);
  await page.screenshot({ path: `${shots}/alerts-panel.png`, fullPage: true });
  await accessible(page, 'alerts panel');

  // Acknowledge from the screen, with a note. It ends in a right-to-left override, which a note
  // may hold (ADR 0003's addendum of 2026-12-03): the screen must keep it inside the note.
  const note = 'Calling the school and the police now.\u202E';
  await row(acked).locator('input').fill(note);
  await row(acked).locator('button').click();
  // The answer waits for the audit record and the gateway's acknowledgement by Kafka: slow on a
  // loaded CI machine (20 s once was not enough), so the wait is long and a refusal is shown.
  // A locator, not waitForFunction: the page's Content-Security-Policy forbids the eval that
  // waitForFunction's predicate needs.
  const answer = page.locator('#alerts [role=status]').filter({ hasText: /^\s*(Not )?[Aa]cknowledged/ }).first();
  await answer.waitFor({ timeout: 60000 });
  const said = (await answer.textContent()).trim();
  assert.equal(said, 'Acknowledged; the ladder stops while you have it.');

  // The watchdog hears it (through the gateway and the events topic) and says so on the topic,
  // once its clock reaches the acknowledgement's time (the browser's click, in real time).
  const setClock = (t) => {
    writeFileSync(`${env('SIGHTLINE_CLOCK_FILE')}.tmp`, `${t}\n`);
    renameSync(`${env('SIGHTLINE_CLOCK_FILE')}.tmp`, env('SIGHTLINE_CLOCK_FILE'));
  };
  const clicked = Math.ceil(Date.now() / 1000) + 1;
  setClock(clicked);
  const topicText = () => execFileSync('kcat', ['-C', '-b', env('SIGHTLINE_BROKERS'), '-t', env('SIGHTLINE_ALERTS_TOPIC'), '-e', '-q', '-f', '%s\n'], { encoding: 'latin1' });
  await until('the acknowledgement on the alerts topic', () => topicText().includes(`${alertOf(acked)}/L1/ack/0`));
  // Two hours on: the level-1 wait (1 hour) has passed for both; only the control escalates.
  const later = clicked + 2 * 3600;
  setClock(later);
  await until('the watchdog ticked two hours on', async () => {
    const res = await fetch(`${watchdog}/v1/status`, { headers: { Authorization: `Bearer ${env('SIGHTLINE_OPS_TOKEN')}` } });
    return res.ok && (await res.json()).horizon_unix >= later;
  });
  await until('the control escalated', () => topicText().includes(`${alertOf(control)}/L2/escalated`));
  const topic = topicText();
  assert.ok(topic.includes(`${alertOf(acked)}/L1/raised`), 'the acknowledged alert was raised');
  assert.ok(!topic.includes(`${alertOf(acked)}/L2/escalated`), 'the acknowledged alert did not escalate');

  // The child's page: its clock, the alert, who has it, and the history.
  await page.goto(`${app}/app/#child/${encodeURIComponent(acked)}`);
  await page.waitForSelector('#child-alerts .alert-card', { timeout: 20000 });
  await until('the acknowledgement on the child page', async () => {
    await page.goto(`${app}/app/#child/${encodeURIComponent(acked)}`);
    await page.waitForSelector('#child-alerts .alert-card', { timeout: 20000 });
    return /acknowledged at level 1 by tm-mash/.test(await page.locator('#child-alerts').innerText());
  });
  assert.match(await page.locator('#child-alerts').innerText(), /Calling the school and the police now/);
  const noteShown = page.locator('#child-alerts .history bdi');
  assert.equal(await noteShown.count(), 1, 'the note is isolated in a <bdi> of its own');
  assert.equal(await noteShown.textContent(), note);
  await page.screenshot({ path: `${shots}/child-page.png`, fullPage: true });
  await accessible(page, 'child page');
  await page.goto(`${app}/app/#line-of-sight`);
  await page.waitForSelector('#los .card', { timeout: 20000 });
  await page.screenshot({ path: `${shots}/line-of-sight.png`, fullPage: true });
  await accessible(page, 'line of sight');
  assert.deepEqual(errors, [], 'no script errors on the page');
  console.log('alerts browser test: acknowledged from the screen; no escalation after 2 hours; the control escalated');
  console.log('axe-core (WCAG 2.2 AA, 0 serious or critical):\n  ' + axeSummary.join('\n  '));
} finally {
  await browser.close();
}
