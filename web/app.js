// Sightline triage screen: plain JavaScript, no build step. Talks to the triage API with the
// user's bearer token (kept for this tab only) and follows /v1/stream for live updates.
'use strict';

const $ = (sel) => document.querySelector(sel);
const state = { token: sessionStorage.getItem('sightline-token') || '', items: [], me: null };

// GOV.UK Frontend's classes for the elements the screen builds (ADR 0012), unless given.
const govuk = { table: 'govuk-table', caption: 'govuk-table__caption govuk-table__caption--m', tr: 'govuk-table__row',
  th: 'govuk-table__header', td: 'govuk-table__cell', button: 'govuk-button govuk-button--secondary',
  input: 'govuk-input', p: 'govuk-body', h4: 'govuk-heading-s', a: 'govuk-link', ol: 'govuk-list govuk-list--number' };
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  if (govuk[tag] && !('class' in attrs)) e.className = govuk[tag];
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return e;
}
// Text that someone typed (a name, a note), isolated from the screen's own words around it: a
// bidirectional control inside cannot reorder them (ADR 0003's addendum of 2026-12-03).
const typed = (s) => el('bdi', {}, s ?? '');
// One row of a GOV.UK summary list.
const fact = (key, ...value) => el('div', { class: 'govuk-summary-list__row' },
  el('dt', { class: 'govuk-summary-list__key' }, key), el('dd', { class: 'govuk-summary-list__value' }, ...value));
// A RAG rating in words, as a GOV.UK tag; a contact nobody has rated yet says so.
const ragColour = { red: 'red', amber: 'orange', green: 'green', blue: 'blue' };
const ragText = (rag) => (ragColour[rag] ? rag : 'not yet rated');
const ragTag = (rag) => el('strong', { class: 'govuk-tag govuk-tag--' + (ragColour[rag] || 'grey') + ' rag rag-' + rag }, ragText(rag));
const label = (s) => String(s || '').replace(/^[A-Z]+(_[A-Z]+)*?_(?=[A-Z])/, '').toLowerCase().replace(/_/g, ' ');
const enumLabel = (s, prefix) => String(s || '').replace(prefix, '').toLowerCase().replace(/_/g, ' ');
const when = (iso) => iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '';

// Behind a load balancer each request may reach another replica. Each answer says how far its
// replica had read the event log (X-Sightline-Applied); the screen keeps the furthest it has seen
// per partition and asks for no less (X-Sightline-Not-Before), so what it shows never goes back
// in time. A replica still behind answers 503 with Retry-After, and the screen asks again.
function furthest(a, b) {
  const at = {};
  for (const token of [a, b]) {
    for (const pair of String(token || '').split(',')) {
      const [p, o] = pair.split(':');
      if (p !== undefined && o !== undefined && p !== '') at[p] = Math.max(at[p] || 0, Number(o));
    }
  }
  return Object.keys(at).map((p) => p + ':' + at[p]).join(',');
}

async function api(path) {
  let res;
  for (let attempt = 0; ; attempt++) {
    const headers = { Authorization: 'Bearer ' + state.token };
    if (state.applied) headers['X-Sightline-Not-Before'] = state.applied;
    res = await fetch(path, { headers });
    if (res.status !== 503 || !res.headers.get('Retry-After') || attempt >= 3) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const applied = res.headers.get('X-Sightline-Applied');
  if (applied) state.applied = furthest(state.applied, applied);
  if (res.status === 401) { signOut('Your token was not accepted.'); throw new Error('unauthenticated'); }
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.error || res.statusText), { status: res.status, body });
  return body;
}

function show(id) {
  for (const s of ['login', 'queue-view', 'child-view', 'household-view', 'los-view', 'alerts-view']) $('#' + s).hidden = s !== id;
  $('#error').textContent = '';
}

function signOut(message) {
  sessionStorage.removeItem('sightline-token');
  state.token = '';
  show('login');
  $('#login-error').textContent = message || '';
}

function countdown(item) {
  if (!item.decision_overdue_from) return el('span', {}, '');
  const ms = new Date(item.decision_overdue_from) - Date.now();
  const abs = Math.abs(ms), h = Math.floor(abs / 3.6e6), m = Math.floor(abs % 3.6e6 / 6e4), s = Math.floor(abs % 6e4 / 1e3);
  const text = `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  return ms <= 0 ? el('span', { class: 'breached' }, 'Breached ' + text + ' ago')
                 : el('span', { class: 'due' }, 'in ' + text);
}

function renderQueue() {
  const tbody = $('#queue tbody');
  tbody.replaceChildren();
  for (const item of state.items) {
    const name = item.details_hidden ? el('span', { class: 'restricted' }, typed(item.name || item.child_id), ' (restricted)')
                                     : typed(item.name || item.child_id);
    const tr = el('tr', { tabindex: '0', 'data-child': item.child_id },
      el('td', {}, ragTag(item.rag)),
      el('td', {}, name, el('br'), el('small', {}, item.child_id)),
      el('td', {}, when(item.waiting_since)),
      el('td', {}, String(item.working_days_waited)),
      el('td', { class: 'countdown' }, countdown(item)),
      el('td', {}, item.team_id),
      el('td', {}, (item.contacts || []).flatMap((c) => c.concerns || []).map((c) => enumLabel(c, 'CONCERN_CATEGORY_')).join(', ')));
    const open = () => { location.hash = '#child/' + encodeURIComponent(item.child_id); };
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
    tbody.append(tr);
  }
  $('#queue-count').textContent = `(${state.items.length})`;
}

async function loadQueue() {
  const q = new URLSearchParams({ limit: '500' });
  if ($('#f-rag').value) q.set('rag', $('#f-rag').value);
  if ($('#f-team').value.trim()) q.set('team', $('#f-team').value.trim());
  try {
    const body = await api('/v1/queue?' + q);
    state.items = body.items;
    renderQueue();
  } catch (e) { if (e.message !== 'unauthenticated') $('#error').textContent = 'Queue: ' + e.message; }
}

async function search() {
  const name = $('#f-name').value.trim();
  const list = $('#search-results');
  list.replaceChildren();
  if (name.length < 2) return;
  const body = await api('/v1/search?' + new URLSearchParams({ name }));
  for (const r of body.results) {
    list.append(el('li', {}, r.can_read ? el('a', { href: '#child/' + encodeURIComponent(r.child_id) }, typed(r.name))
                                        : el('span', { class: 'restricted' }, r.restricted ? `Restricted record ${r.child_id} (ask: ${r.ask})`
                                                                                           : el('span', {}, typed(r.name), ' (not yours to see)'))));
  }
}

async function showChild(id) {
  show('child-view');
  $('#child-title').textContent = id;
  $('#child-facts').replaceChildren();
  $('#chronology tbody').replaceChildren();
  $('#child-clocks').replaceChildren();
  let body;
  try { body = await api('/v1/children/' + encodeURIComponent(id)); } catch (e) {
    $('#error').textContent = e.status === 403 ? 'You have no need to know this record (' + e.message + ').' : e.message;
    return;
  }
  const r = body.record;
  $('#child-title').replaceChildren(typed(r.name || r.child_id), ' — ' + enumLabel(r.stage, 'STAGE_'));
  const facts = [['Child ID', r.child_id], ['RAG rating', ragText(enumLabel(r.rag, 'RAG_RATING_'))],
    ['Date of birth', r.details?.unborn ? 'unborn (due ' + r.details?.expected_date + ')' : r.details?.date_of_birth],
    ['Allocated', r.allocation ? `${r.allocation.worker_id} (${r.allocation.team_id})` : 'not allocated'],
    ['Last seen alone', when(r.last_seen_alone) || 'never recorded'], ['Contacts', String(r.contacts || 0)]];
  for (const [k, v] of facts) $('#child-facts').append(fact(k, v || ''));
  if (r.household_id) $('#child-facts').append(fact('Household', el('a', { href: '#household/' + encodeURIComponent(r.household_id) }, r.household_id)));
  if ((r.flags || []).length) $('#child-facts').append(fact('Flags', ...(r.flags.map((f) => el('strong', { class: 'govuk-tag govuk-tag--red flag' }, f.replace(/_/g, ' '))))));
  for (const c of body.clocks) {
    $('#child-clocks').append(el('li', { class: c.overdue ? 'breached' : '' }, `${c.name} (${c.ref}): ${c.overdue ? 'overdue since' : 'due before'} ${when(c.overdue_from)}`));
  }
  renderChildAlerts(body.alerts || []);
  for (const c of (r.chronology || [])) {
    $('#chronology tbody').append(el('tr', {}, el('td', {}, when(c.occurred_at)), el('td', {}, typed(c.summary), c.amended ? ' (amended)' : ''), el('td', {}, c.actor_user_id)));
  }
}

// Who an alert pages now, in words: the role by day; out of hours the rotas and who is on call.
function pages(a) {
  const roles = (a.paged_roles && a.paged_roles.length ? a.paged_roles : [a.level_role]).map((r) => r.replace(/_/g, ' '));
  const people = (a.on_call || []).map((o) => `${o.user_id} (${o.rota.replace(/_/g, ' ')})`);
  return roles.join(', ') + (people.length ? ' — on call: ' + people.join(', ') : '');
}

// What the screen said of each acknowledgement sent from it, kept across re-renders: a panel
// redrawn while the answer was on its way would otherwise lose it.
const ackSaid = {};

function ackButton(a, after) {
  const said = () => ackSaid[a.alert_id] ? el('span', { role: 'status' }, ' ' + ackSaid[a.alert_id]) : '';
  if (a.state !== 'open') return el('span', {}, a.state === 'acknowledged' ? 'with ' + a.acknowledged_by : '', said());
  const note = el('input', { type: 'text', class: 'govuk-input govuk-input--width-20', 'aria-label': 'Note for ' + a.alert_id, placeholder: 'What you are doing', maxlength: '1000' });
  const button = el('button', { type: 'button', class: 'govuk-button govuk-!-margin-bottom-0' }, 'Acknowledge');
  const status = el('span', { role: 'status' }, ackSaid[a.alert_id] || '');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const res = await fetch('/v1/acknowledgements', {
        method: 'POST',
        headers: { Authorization: 'Bearer ' + state.token, 'Content-Type': 'application/json' },
        body: JSON.stringify({ alert_id: a.alert_id, note: note.value })
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(body.error || (body.errors && body.errors.map((x) => x.field + ': ' + x.reason).join('; ')) || res.statusText);
      ackSaid[a.alert_id] = 'Acknowledged; the ladder stops while you have it.';
      status.textContent = ackSaid[a.alert_id];
      if (!status.isConnected) after();  // Redrawn meanwhile: draw again, with what was said.
      setTimeout(after, 1500);
    } catch (e) { status.textContent = 'Not acknowledged: ' + e.message; button.disabled = false; }
  });
  return el('span', { class: 'ack' }, note, button, status);
}

function renderChildAlerts(alerts) {
  const box = $('#child-alerts');
  box.replaceChildren();
  if (!alerts.length) { box.append(el('p', {}, 'No alerts.')); return; }
  for (const a of alerts) {
    const history = el('ol', { class: 'history' }, ...(a.history || []).map((h) =>
      el('li', {}, `${when(h.at)}: ${h.step} at level ${h.level}` + (h.by ? ` by ${h.by}` : ''), ...(h.note ? [' — “', typed(h.note), '”'] : []),
        h.paged_roles && h.paged_roles.length ? ` (paged ${h.paged_roles.join(', ').replace(/_/g, ' ')})` : '')));
    box.append(el('div', { class: 'alert-card ' + a.state },
      el('h4', {}, a.rule_title || a.rule_id),
      el('p', {}, `Why: ${a.rule_title || a.rule_id}; started by event ${a.anchor_event_id}, due ${when(a.due_at)}` +
        (a.urgent ? ' (urgent: pages around the clock)' : ' (pages in working hours)')),
      el('p', {}, `Now: ${a.state}, level ${a.level} of ${a.levels || '?'}, paging ${pages(a)}` + (a.reason ? ` — ${a.reason}` : '')),
      ackButton(a, () => showChild(a.child_id)), history));
  }
}

async function showAlerts() {
  show('alerts-view');
  const tbody = $('#alerts tbody');
  let body;
  try { body = await api('/v1/alerts'); } catch (e) { $('#error').textContent = 'Alerts: ' + e.message; return; }
  tbody.replaceChildren();
  $('#alerts-count').textContent = `(${body.alerts.length})`;
  $('#alerts-summary').replaceChildren(el('p', {}, Object.entries(body.by_rule_level).map(([rule, levels]) =>
    rule + ': ' + Object.entries(levels).map(([l, n]) => `${n} at ${l}`).join(', ')).join('; ') || 'Nothing open.'));
  for (const a of body.alerts) {
    tbody.append(el('tr', { 'data-alert': a.alert_id },
      el('td', {}, when(a.due_at)),
      el('td', {}, alertSubject(a)),
      el('td', {}, a.rule_title || a.rule_id),
      el('td', {}, `${a.level} (${(a.level_role || '').replace(/_/g, ' ')})`),
      el('td', {}, pages(a)),
      el('td', {}, a.team_id),
      el('td', {}, a.state),
      el('td', {}, ackButton(a, showAlerts))));
  }
  $('#alerts-hidden').textContent = body.hidden ? `${body.hidden} other alert${body.hidden === 1 ? '' : 's'} about children you have no need to know.` : '';
}

// Who an alert is about: the child (for a household's alert, the child whose contact started it,
// with the household), or a team or service area, which names no child (ADR 0013).
function alertSubject(a) {
  const child = a.child_id ? el('a', { href: '#child/' + encodeURIComponent(a.child_id) }, typed(a.child_name || a.child_id)) : null;
  const [kind, id] = (a.subject || '').split(/:(.*)/s);
  if (kind === 'household') {
    return el('span', {}, child || '', child ? ' — ' : '', el('a', { href: '#household/' + encodeURIComponent(id) }, 'household ' + id));
  }
  if (kind === 'team') return 'Team ' + id;
  if (kind === 'area') return 'Service area: ' + id.replace(/_/g, ' ');
  return child || '';
}

async function showHousehold(id) {
  show('household-view');
  $('#household-title').textContent = 'Household ' + id;
  $('#household tbody').replaceChildren();
  $('#household-totals').replaceChildren();
  let body;
  try { body = await api('/v1/households/' + encodeURIComponent(id)); } catch (e) { $('#error').textContent = e.message; return; }
  for (const [k, v] of Object.entries(body.totals)) $('#household-totals').append(fact(k.replace(/_/g, ' '), String(v)));
  for (const c of body.children) {
    const name = c.details_hidden ? el('span', { class: 'restricted' }, typed(c.name), ' (details hidden)')
                                  : el('a', { href: '#child/' + encodeURIComponent(c.child_id) }, typed(c.name || c.child_id));
    $('#household tbody').append(el('tr', {}, el('td', {}, name), el('td', {}, c.stage || ''), el('td', {}, String(c.contacts_12m ?? '')),
      el('td', {}, String(c.referrals_12m ?? '')), el('td', {}, (c.plans || []).map((p) => enumLabel(p.type, 'PLAN_TYPE_')).join(', ')),
      el('td', {}, (c.early_help || []).map((h) => enumLabel(h.intervention, 'INTERVENTION_') + (h.outcome ? ': ' + enumLabel(h.outcome, 'EARLY_HELP_OUTCOME_') : '')).join('; '))));
  }
  if (body.hidden_members) {
    $('#household tbody').append(el('tr', {}, el('td', { class: 'restricted', colspan: '6' },
      body.hidden_members + ' other member' + (body.hidden_members === 1 ? '' : 's') + ' not shown (no need to know); not in the totals')));
  }
}

async function showLineOfSight() {
  show('los-view');
  const box = $('#los');
  box.replaceChildren();
  let b;
  try { b = await api('/v1/line-of-sight'); } catch (e) { $('#error').textContent = e.message; return; }
  const a = b.awaiting_decision;
  box.append(el('div', { class: 'cards' },
    el('div', { class: 'card' }, el('strong', {}, String(a.count)), 'awaiting a decision',
      el('small', {}, a.in_stage + ' new to us, ' + a.on_open_cases + ' on open cases')),
    el('div', { class: 'card' }, el('strong', { class: a.overdue ? 'breached' : '' }, String(a.overdue)), 'decisions overdue'),
    el('div', { class: 'card' }, el('strong', {}, a.oldest ? String(a.oldest.working_days_waited) : '0'), 'working days, oldest wait'),
    el('div', { class: 'card' }, el('strong', {}, (100 * b.referrals_12m.re_referral_rate).toFixed(0) + '%'), 're-referrals, 12 months')));
  const c = b.care_leavers || { count: 0, unsuitable_accommodation: 0, accommodation_not_known: 0 };
  box.append(el('div', { class: 'cards' },
    el('div', { class: 'card' }, el('strong', {}, String(c.count)), 'care leavers'),
    el('div', { class: 'card' }, el('strong', { class: c.unsuitable_accommodation ? 'breached' : '' }, String(c.unsuitable_accommodation)), 'in unsuitable accommodation'),
    el('div', { class: 'card' }, el('strong', {}, String(c.accommodation_not_known)), 'accommodation not known')));
  if (b.weekly) box.append(weeklyChart(b.weekly));
  if (b.acknowledgements_by_user && b.acknowledgements_by_user.length) {
    box.append(el('table', {}, el('caption', {}, 'Acknowledging pages, 12 weeks'),
      el('thead', { class: 'govuk-table__head' }, el('tr', {}, el('th', { scope: 'col' }, 'Who'), el('th', { scope: 'col' }, 'Acknowledged'), el('th', { scope: 'col' }, 'Median minutes from the page'))),
      el('tbody', { class: 'govuk-table__body' }, ...b.acknowledgements_by_user.map((u) => el('tr', {}, el('th', { scope: 'row' }, u.user_id), el('td', {}, String(u.acknowledged)), el('td', {}, u.median_minutes === null ? '' : u.median_minutes.toFixed(0)))))));
  }
  if (b.alerts_raised_12w_by_team && Object.keys(b.alerts_raised_12w_by_team).length) {
    box.append(el('table', {}, el('caption', {}, 'Breaches (alerts raised) by team, 12 weeks'),
      el('tbody', { class: 'govuk-table__body' }, ...Object.entries(b.alerts_raised_12w_by_team).map(([t, n]) => el('tr', {}, el('th', { scope: 'row' }, t), el('td', {}, String(n)))))));
  }
  const stages = el('table', {}, el('caption', {}, 'Children by stage'), el('tbody', {}, ...Object.entries(b.by_stage).map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, String(v))))));
  const teams = el('table', {}, el('caption', {}, 'By team'), el('thead', {}, el('tr', {}, el('th', {}, 'Team'), el('th', {}, 'Awaiting'), el('th', {}, 'Overdue'), el('th', {}, 'Open cases'))),
    el('tbody', {}, ...Object.entries(b.by_team).map(([t, v]) => el('tr', {}, el('th', { scope: 'row' }, t), el('td', {}, String(v.awaiting_decision || 0)), el('td', {}, String(v.decision_overdue || 0)), el('td', {}, String(v.open_cases || 0))))));
  const managers = el('table', {}, el('caption', {}, 'Caseload by manager'), el('tbody', {}, ...b.caseload_by_manager.map((m) => el('tr', {}, el('th', { scope: 'row' }, m.manager_id), el('td', {}, String(m.open_cases))))));
  box.append(stages, teams, managers);
}

// Twelve weeks as small bars drawn in inline SVG: no charting library and no build step
// (ADR 0012). The same figures follow as a table, so the chart is never the only way to read them.
function weeklyChart(w) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const series = [['referrals', 'Referrals', '#1d70b8'], ['alerts_raised', 'Breaches (alerts raised)', '#d4351c']];
  const max = Math.max(1, ...series.flatMap(([k]) => w[k]));
  const W = 720, H = 160, n = w.week_starting.length, slot = W / n, bar = (slot - 8) / series.length;
  svg.setAttribute('viewBox', `0 0 ${W} ${H + 20}`);
  svg.setAttribute('width', String(W));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Referrals and breaches per week for 12 weeks; the figures are in the table below');
  w.week_starting.forEach((week, i) => {
    series.forEach(([k, , colour], j) => {
      const h = Math.round((w[k][i] / max) * H);
      const r = document.createElementNS(ns, 'rect');
      r.setAttribute('x', String(i * slot + 4 + j * bar));
      r.setAttribute('y', String(H - h));
      r.setAttribute('width', String(bar - 1));
      r.setAttribute('height', String(h));
      r.setAttribute('fill', colour);
      svg.append(r);
    });
    const t = document.createElementNS(ns, 'text');
    t.setAttribute('x', String(i * slot + 4));
    t.setAttribute('y', String(H + 14));
    t.setAttribute('font-size', '11');
    t.textContent = week.slice(5);
    svg.append(t);
  });
  const legend = el('p', { class: 'govuk-body-s' }, ...series.map(([k, label]) => el('span', { class: 'legend' }, el('span', { class: 'swatch swatch--' + k }), label + ' ')));
  const table = el('table', {}, el('caption', {}, 'Week by week, 12 weeks'),
    el('thead', { class: 'govuk-table__head' }, el('tr', {}, el('th', { scope: 'col' }, 'Week starting'), el('th', { scope: 'col' }, 'Referrals'), el('th', { scope: 'col' }, 'Re-referrals'),
      el('th', { scope: 'col' }, 'Breaches'), el('th', { scope: 'col' }, 'Acknowledged'), el('th', { scope: 'col' }, 'Median minutes to acknowledge'))),
    el('tbody', { class: 'govuk-table__body' }, ...w.week_starting.map((week, i) => el('tr', {}, el('th', { scope: 'row' }, week), el('td', {}, String(w.referrals[i])), el('td', {}, String(w.re_referrals[i])),
      el('td', {}, String(w.alerts_raised[i])), el('td', {}, String(w.alerts_acknowledged[i])), el('td', {}, w.median_minutes_to_acknowledge[i] === null ? '' : w.median_minutes_to_acknowledge[i].toFixed(0))))));
  return el('div', { class: 'weekly' }, el('h2', { class: 'govuk-heading-m' }, 'The last 12 weeks'), svg, legend, table);
}

async function follow() {
  // fetch() rather than EventSource, so the token travels in the Authorization header.
  while (state.token) {
    try {
      const res = await fetch('/v1/stream', { headers: { Authorization: 'Bearer ' + state.token } });
      if (!res.ok) throw new Error('stream ' + res.status);
      $('#live').textContent = 'Live: updates appear as they happen.';
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (block.startsWith('event: changed')) onChanged(JSON.parse(block.split('\ndata: ')[1]));
        }
      }
    } catch (e) { /* Reconnect below. */ }
    $('#live').textContent = 'Live updates interrupted; reconnecting…';
    await new Promise((r) => setTimeout(r, 2000));
  }
}

let reloadTimer = null;
function onChanged(change) {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => {
    const h = location.hash;
    if (h === '#alerts') showAlerts();
    else if (!h.startsWith('#child/') && !h.startsWith('#household/') && h !== '#line-of-sight') loadQueue();
    else if (h.startsWith('#child/') && change.children.includes(decodeURIComponent(h.slice(7)))) showChild(decodeURIComponent(h.slice(7)));
  }, 250);
}

async function route() {
  if (!state.token) return show('login');
  const h = location.hash || '#queue';
  if (h.startsWith('#child/')) return showChild(decodeURIComponent(h.slice(7)));
  if (h.startsWith('#household/')) return showHousehold(decodeURIComponent(h.slice(11)));
  if (h === '#line-of-sight') return showLineOfSight();
  if (h === '#alerts') return showAlerts();
  show('queue-view');
  return loadQueue();
}

async function start() {
  try {
    state.me = await api('/v1/me');
  } catch (e) { return; }
  $('#who').textContent = `${state.me.user_id} · ${state.me.role.replace(/_/g, ' ')} · ${state.me.team_id}`;
  $('#nav-los').hidden = !state.me.line_of_sight;
  route();
  follow();
}

$('#login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  state.token = $('#token').value.trim();
  sessionStorage.setItem('sightline-token', state.token);
  start();
});
for (const id of ['#f-rag', '#f-team']) $(id).addEventListener('change', loadQueue);
$('#f-name').addEventListener('input', () => search().catch(() => {}));
window.addEventListener('hashchange', route);
setInterval(() => { for (const [i, td] of document.querySelectorAll('#queue td.countdown').entries()) if (state.items[i]) td.replaceChildren(countdown(state.items[i])); }, 1000);

// A token handed over in the address (#token=...) is moved into this tab's storage at once.
if (location.hash.startsWith('#token=')) {
  state.token = decodeURIComponent(location.hash.slice(7));
  sessionStorage.setItem('sightline-token', state.token);
  history.replaceState(null, '', location.pathname + '#queue');
}
if (state.token) start(); else show('login');
