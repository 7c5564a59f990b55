// The room management page: plain JavaScript talking to pchatd's JSON API
// (docs/WEB.md).  Every text from the server goes in with textContent, never as
// HTML.  Who may do what is decided by the server; the page only hides buttons
// that would be refused anyway.
'use strict';

const $ = (id) => document.getElementById(id);
let editing = null;   // the room being edited, or null when creating
let pending = null;   // the action waiting for a confirmation: {room, run}
let filesRoom = null; // the room whose files are shown, or null
let historyRoom = null; // the room whose history is shown, or null
let historyBefore = null; // the id the older messages are asked with, or null
let searchText = '';      // the text searched for
let searchBefore = null;  // the id the next results are asked with, or null
let searchRun = 0;        // counts searches: a late answer to an old one is dropped
let feedWords = new Map(); // the user's feeds: id -> keywords (to name an alert's feeds)
let alertsBefore = null;   // the id the older alerts are asked with, or null
let alertsRun = 0;         // counts alert lists: a late answer to an old one is dropped

// Calls the API; resolves to the JSON answer, rejects with an Error saying why.
async function api(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: {} };
  if (method !== 'GET') {
    // The server refuses writes that are not JSON (cross-site request forgery).
    opts.headers['Content-Type'] = 'application/json';
    if (body !== undefined) opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch('/api' + path, opts);
  } catch (e) {
    throw new Error('cannot reach the server');
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new Error((data && data.error) || ('the server answered ' + res.status));
    err.status = res.status;
    throw err;
  }
  return data;
}

function show(el, on) { el.hidden = !on; }
function sentence(text) { return text.charAt(0).toUpperCase() + text.slice(1) + '.'; }
function say(id, text) { $(id).textContent = text || ''; }
function clearMessages() { say('error'); say('notice'); say('form-error'); }

// "sip:bob@example.com" reads better as "bob@example.com".
function principalText(p) { return p.replace(/^sip:/i, ''); }
function listText(list) { return (list || []).map(principalText).join(', '); }
function parseList(text) { return text.split(/[\s,;]+/).filter((s) => s !== ''); }

// ---- signing in and out ----

async function start() {
  try {
    const me = await api('GET', '/me');
    signedIn(me.user);
  } catch (e) {
    signedOut();
  }
}

function signedIn(user) {
  say('me', principalText(user));
  show($('who'), true);
  show($('signin'), false);
  show($('manage'), true);
  say('signin-error');
  $('password').value = '';
  loadRooms();
  loadFeeds().then(refreshAlerts);
}

function signedOut() {
  closeFiles();
  closeHistory();
  clearSearch();
  clearFeeds();
  show($('who'), false);
  show($('manage'), false);
  show($('editor'), false);
  show($('signin'), true);
  $('user').focus();
}

async function signIn(ev) {
  ev.preventDefault();
  say('signin-error');
  try {
    const me = await api('POST', '/session', { user: $('user').value.trim(), password: $('password').value });
    signedIn(me.user);
  } catch (e) {
    // 403 (wrong credentials, chat not allowed) and 429 (too many failures): the
    // server's sentence says it; anything else is a failure to sign in at all.
    const own = e.status === 403 || e.status === 429;
    say('signin-error', own ? sentence(e.message) : 'Cannot sign in: ' + e.message);
  }
}

async function signOut() {
  try { await api('DELETE', '/session'); } catch (e) { /* signed out anyway */ }
  signedOut();
}

// Any call answered 401: the session ended (expired or server restarted).
function failed(e, where) {
  if (e.status === 401) { signedOut(); say('signin-error', 'Please sign in again.'); return; }
  say(where || 'error', e.message.charAt(0).toUpperCase() + e.message.slice(1) + '.');
}

// ---- the list ----

async function loadRooms() {
  try {
    renderRooms(await api('GET', '/rooms'));
  } catch (e) {
    failed(e);
  }
}

function manages(room) { return (room.rights || []).includes('manage'); }
// May read the room's history, where its files are posted (the right to join).
function mayRead(room) { return (room.rights || []).includes('join'); }

function badge(text, cls) {
  const s = document.createElement('span');
  s.className = cls || 'badge';
  s.textContent = text;
  return s;
}

function button(text, cls, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = cls;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

function roomItem(room) {
  const li = document.createElement('li');
  li.dataset.name = room.name;
  li.dataset.id = room.id;
  const title = document.createElement('div');
  title.className = 'title';
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = room.name;
  title.append(name, badge(room.privacy), badge(room.type));
  if (room.disabled) title.append(badge('disabled', 'badge off'));
  if (manages(room)) title.append(badge('manager', 'mark'));
  const info = document.createElement('div');
  info.className = 'info';
  info.textContent = [room.description, room.topic && 'Topic: ' + room.topic, room.category && 'Category: ' + room.category,
    room.retention_effective && room.retention_effective !== 'none' && 'Messages kept: ' + room.retention_effective]
    .filter(Boolean).join(' · ');
  li.append(title, info);
  const acts = document.createElement('div');
  acts.className = 'actions';
  if (mayRead(room)) {
    acts.append(button('History', 'history', () => showHistory(room)),
      button('Files', 'files', () => showFiles(room)));
  }
  if (manages(room)) {
    acts.append(button('Edit', 'edit', () => openEditor(room)),
      button('Clear history', 'clear', () => askClear(room)),
      button('Delete', 'delete danger', () => askDelete(room)));
  }
  if (acts.childElementCount) li.append(acts);
  return li;
}

function renderRooms(rooms) {
  const ul = $('rooms');
  ul.replaceChildren(...rooms.map(roomItem));
  show($('no-rooms'), rooms.length === 0);
  feedRooms(rooms.filter(mayRead));
  // The room whose files are shown: refreshed (history cleared), or gone.
  if (filesRoom) {
    const now = rooms.find((r) => r.id === filesRoom.id);
    if (now && mayRead(now)) showFiles(now); else closeFiles();
  }
  if (historyRoom) {
    const now = rooms.find((r) => r.id === historyRoom.id);
    if (now && mayRead(now)) showHistory(now); else closeHistory();
  }
}

// ---- a room's files ----

function sizeText(n) {
  if (n < 1024) return n + ' B';
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return v.toFixed(v < 10 ? 1 : 0) + ' ' + units[i];
}

// The server's ISO-8601 UTC time (microseconds) in the reader's own time zone.
function timeText(iso) {
  const d = new Date(String(iso || '').replace(/(\.\d{3})\d*/, '$1'));
  return isNaN(d) ? iso || '' : d.toLocaleString();
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function fileRow(room, f) {
  const tr = document.createElement('tr');
  tr.dataset.file = f.file;
  tr.dataset.name = f.name;
  const get = cell('');
  get.append(button('Download', 'download', () => download(room, f)));
  tr.append(cell(f.name, 'name'), cell(sizeText(f.size), 'num size'),
    cell(principalText(f.uploader), 'uploader'), cell(timeText(f.stored || f.created), 'time'), get);
  return tr;
}

async function showFiles(room) {
  say('files-error');
  filesRoom = room;
  say('files-title', 'Files of ' + room.name);
  show($('files'), true);
  $('files').scrollIntoView({ block: 'nearest' });
  try {
    const files = await api('GET', '/rooms/' + encodeURIComponent(room.id) + '/files');
    if (filesRoom !== room) return; // another room was asked for meanwhile
    $('file-rows').replaceChildren(...files.map((f) => fileRow(room, f)));
    show($('file-table'), files.length > 0);
    show($('no-files'), files.length === 0);
  } catch (e) {
    show($('file-table'), false);
    failed(e, 'files-error');
  }
}

function closeFiles() {
  filesRoom = null;
  show($('files'), false);
  $('file-rows').replaceChildren();
}

// A download link of the user's own (a one-file token from the server), then the
// browser goes there: the file service answers with the file.
async function download(room, f) {
  say('files-error');
  try {
    const t = await api('POST', '/rooms/' + encodeURIComponent(room.id) + '/download', { file: f.file });
    window.location.assign(t.url);
  } catch (e) {
    failed(e, 'files-error');
  }
}

// ---- messages: a room's history and search ----

function span(text, cls) {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  return s;
}

// One message: (its room,) author, time and text; in the history of a room the
// user manages (room), with buttons to remove or replace it.
function messageItem(m, withRoom, room) {
  const li = document.createElement('li');
  li.dataset.id = m.id;
  const meta = document.createElement('div');
  meta.className = 'meta';
  if (withRoom) meta.append(span(m.room, 'room'));
  meta.append(span(principalText(m.author), 'author'), span(timeText(m.ts), 'time'));
  if (m.replaced) meta.append(span('replaced', 'replaced'));
  const text = document.createElement('div');
  text.className = 'text';
  text.textContent = m.text;
  li.append(meta, text);
  if (room && manages(room)) {
    const acts = document.createElement('div');
    acts.className = 'msg-actions';
    acts.append(button('Replace', 'msg-replace', () => editMessage(room, m, li)),
      button('Remove', 'msg-remove danger', () => askRemoveMessage(room, m, li)));
    li.append(acts);
  }
  return li;
}

// ---- moderation: a manager removes or replaces one message ----

function messagePath(room) { return '/rooms/' + encodeURIComponent(room.id) + '/messages'; }

function askRemoveMessage(room, m, li) {
  askConfirm(room, 'Remove this message of ' + principalText(m.author) + ' from room ' + room.name +
    '? This cannot be undone.', 'Remove', async () => {
    await api('DELETE', messagePath(room) + '?id=' + encodeURIComponent(m.id));
    li.remove();
    show($('no-history'), $('history-rows').childElementCount === 0);
    say('notice', 'Message ' + m.id + ' removed.');
  });
}

// The message's text becomes a field with Save and Cancel.
function editMessage(room, m, li) {
  clearMessages();
  if (li.querySelector('form')) return;
  const form = document.createElement('form');
  form.className = 'msg-edit';
  const input = document.createElement('input');
  input.type = 'text';
  input.name = 'replacement';
  input.value = m.text;
  input.setAttribute('aria-label', 'New text of the message');
  const cancel = button('Cancel', 'msg-cancel', () => form.remove());
  const save = document.createElement('button');
  save.type = 'submit';
  save.className = 'msg-save';
  save.textContent = 'Save';
  form.append(input, save, cancel);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api('PUT', messagePath(room), { id: m.id, replacement: input.value });
      m.text = input.value;
      li.replaceWith(messageItem(Object.assign({}, m, { replaced: true }), false, room));
      say('notice', 'Message ' + m.id + ' replaced.');
    } catch (e) {
      failed(e, 'history-error');
    }
  });
  li.append(form);
  input.focus();
}

function showHistory(room) {
  historyRoom = room;
  historyBefore = null;
  say('history-title', 'History of ' + room.name);
  $('history-rows').replaceChildren();
  show($('history'), true);
  $('history').scrollIntoView({ block: 'nearest' });
  return loadHistory(room, null);
}

// A page of the room's history (the newest, or the one older than before): the
// server gives it oldest first, so it goes above what is shown.
async function loadHistory(room, before) {
  say('history-error');
  show($('history-older'), false);
  show($('no-history'), false);
  try {
    const page = await api('GET', '/rooms/' + encodeURIComponent(room.id) + '/messages' +
      (before ? '?before=' + encodeURIComponent(before) : ''));
    if (historyRoom !== room) return; // another room was asked for meanwhile
    $('history-rows').prepend(...page.messages.map((m) => messageItem(m, false, room)));
    historyBefore = page.more ? page.before : null;
    show($('history-older'), page.more);
    show($('no-history'), $('history-rows').childElementCount === 0);
    if (!before && $('history-rows').lastElementChild) {
      $('history-rows').lastElementChild.scrollIntoView({ block: 'nearest' });
    }
  } catch (e) {
    failed(e, 'history-error');
  }
}

function closeHistory() {
  historyRoom = null;
  historyBefore = null;
  show($('history'), false);
  $('history-rows').replaceChildren();
}

function clearSearch() {
  searchRun++;
  searchBefore = null;
  $('search-results').replaceChildren();
  show($('search-more'), false);
  show($('no-results'), false);
  say('search-error');
}

async function search(ev) {
  ev.preventDefault();
  clearSearch();
  searchText = $('search-text').value.trim();
  await loadResults(null);
}

// A page of results, newest first, below those shown.
async function loadResults(before) {
  const run = searchRun;
  say('search-error');
  show($('search-more'), false);
  try {
    const page = await api('GET', '/search?q=' + encodeURIComponent(searchText) +
      (before ? '&before=' + encodeURIComponent(before) : ''));
    if (run !== searchRun) return;
    $('search-results').append(...page.messages.map((m) => messageItem(m, true)));
    searchBefore = page.more ? page.before : null;
    show($('search-more'), page.more);
    show($('no-results'), $('search-results').childElementCount === 0);
  } catch (e) {
    if (run === searchRun) failed(e, 'search-error');
  }
}

// ---- feeds and alerts ----

// The rooms a feed may name: those the user may read (the server checks again).
function feedRooms(rooms) {
  const sel = $('feed-room');
  const chosen = sel.value;
  sel.replaceChildren(new Option('Any room I may read', ''),
    ...rooms.map((r) => new Option(r.name, r.name, false, r.name === chosen)));
}

function feedItem(f) {
  const li = document.createElement('li');
  li.dataset.id = f.id;
  li.dataset.words = f.words;
  const scope = [f.room ? 'in ' + f.room : 'in every room you may read',
    f.author ? 'by ' + principalText(f.author) : ''].filter(Boolean).join(', ');
  li.append(span(f.words, 'words'), span(scope, 'scope'),
    button('Remove', 'feed-remove', () => removeFeed(f)));
  return li;
}

async function loadFeeds() {
  say('feed-error');
  try {
    const feeds = await api('GET', '/feeds');
    feedWords = new Map(feeds.map((f) => [f.id, f.words]));
    $('feed-list').replaceChildren(...feeds.map(feedItem));
    show($('no-feeds'), feeds.length === 0);
  } catch (e) {
    failed(e, 'feed-error');
  }
}

async function addFeed(ev) {
  ev.preventDefault();
  clearMessages();
  say('feed-error');
  const f = { words: $('feed-words').value };
  if ($('feed-room').value) f.room = $('feed-room').value;
  if ($('feed-author').value.trim()) f.author = $('feed-author').value.trim();
  try {
    const feed = await api('POST', '/feeds', f);
    say('notice', 'Feed "' + feed.words + '" added.');
    $('feed-words').value = '';
    $('feed-author').value = '';
    $('feed-room').value = '';
    await loadFeeds();
  } catch (e) {
    failed(e, 'feed-error');
  }
}

async function removeFeed(f) {
  clearMessages();
  say('feed-error');
  try {
    await api('DELETE', '/feeds?id=' + encodeURIComponent(f.id));
    say('notice', 'Feed "' + f.words + '" removed.');
    await loadFeeds();
  } catch (e) {
    failed(e, 'feed-error');
  }
}

// An alert: the message (room, author, time, text) and the feeds it matched.
function alertItem(m) {
  const li = messageItem(m, true);
  const names = (m.feeds || []).map((id) => feedWords.get(id)).filter(Boolean);
  if (names.length) li.querySelector('.meta').append(span('feed: ' + names.join('; '), 'feed'));
  return li;
}

function clearFeeds() {
  alertsRun++;
  alertsBefore = null;
  feedWords = new Map();
  $('feed-list').replaceChildren();
  $('alert-rows').replaceChildren();
  show($('alerts-more'), false);
  show($('no-alerts'), false);
  say('feed-error');
  say('alerts-error');
}

function refreshAlerts() {
  alertsRun++;
  alertsBefore = null;
  $('alert-rows').replaceChildren();
  return loadAlerts(null);
}

// A page of alerts, newest first, below those shown.
async function loadAlerts(before) {
  const run = alertsRun;
  say('alerts-error');
  show($('alerts-more'), false);
  try {
    const page = await api('GET', '/alerts' + (before ? '?before=' + encodeURIComponent(before) : ''));
    if (run !== alertsRun) return;
    $('alert-rows').append(...page.messages.map(alertItem));
    alertsBefore = page.more ? page.before : null;
    show($('alerts-more'), page.more);
    show($('no-alerts'), $('alert-rows').childElementCount === 0);
  } catch (e) {
    if (run === alertsRun) failed(e, 'alerts-error');
  }
}

// ---- create and edit ----

async function loadCategories(selected) {
  const sel = $('room-category');
  let cats = [];
  try {
    cats = await api('GET', '/categories');
  } catch (e) {
    failed(e, 'form-error');
  }
  if (!Array.isArray(cats)) cats = [];
  const names = cats.map((c) => c.name);
  if (selected && !names.includes(selected)) names.push(selected);
  sel.replaceChildren(...names.map((n) => new Option(n, n, false, n === selected)));
  return cats.length;
}

function fillForm(room) {
  $('room-name').value = room ? room.name : '';
  $('room-description').value = room ? room.description || '' : '';
  $('room-topic').value = room ? room.topic || '' : '';
  $('room-retention').value = room ? room.retention || 'inherit' : 'inherit';
  $('room-privacy').value = room ? room.privacy : 'open';
  $('room-type').value = room ? room.type : 'normal';
  $('room-members').value = room ? listText(room.members) : '';
  $('room-managers').value = room ? listText(room.managers) : '';
  $('room-presenters').value = room ? listText(room.presenters) : '';
  $('room-invitations').value = room ? room.invitations || 'inherit' : 'inherit';
  $('room-disabled').checked = !!(room && room.disabled);
}

async function openEditor(room) {
  clearMessages();
  editing = room || null;
  fillForm(editing);
  say('form-title', editing ? 'Edit room ' + editing.name : 'New room');
  say('room-save', editing ? 'Save changes' : 'Create room');
  document.querySelectorAll('.edit-only').forEach((el) => show(el, !!editing));
  $('room-category').disabled = !!editing; // a room stays in its category
  show($('editor'), true);
  const n = await loadCategories(editing ? editing.category : null);
  if (!editing && n === 0) say('form-error', 'You may not create rooms in any category.');
  $('room-name').focus();
}

function closeEditor() {
  editing = null;
  show($('editor'), false);
}

function formFields() {
  const f = {
    name: $('room-name').value.trim(),
    description: $('room-description').value,
    topic: $('room-topic').value,
    privacy: $('room-privacy').value,
    type: $('room-type').value,
    members: parseList($('room-members').value),
    presenters: parseList($('room-presenters').value),
  };
  // sent when changed only: a value the server's limits have since left behind
  // does not block the other edits
  const retention = $('room-retention').value.trim() || 'inherit';
  if (!editing || retention !== editing.retention) f.retention = retention;
  const managers = parseList($('room-managers').value);
  if (editing) {
    f.managers = managers;
    f.invitations = $('room-invitations').value;
    f.disabled = $('room-disabled').checked;
  } else {
    f.category = $('room-category').value;
    if (managers.length) f.managers = managers; // none: the creator manages it
  }
  return f;
}

async function saveRoom(ev) {
  ev.preventDefault();
  clearMessages();
  try {
    if (editing) {
      const room = await api('PUT', '/rooms/' + encodeURIComponent(editing.id), formFields());
      say('notice', 'Room ' + room.name + ' saved.');
    } else {
      const room = await api('POST', '/rooms', formFields());
      say('notice', 'Room ' + room.name + ' created.');
    }
    closeEditor();
    loadRooms();
  } catch (e) {
    failed(e, 'form-error');
  }
}

// ---- delete and clear, after a confirmation ----

function askConfirm(room, text, yes, run) {
  clearMessages();
  pending = { room, run };
  say('confirm-text', text);
  say('confirm-yes', yes);
  show($('confirm'), true);
  $('confirm-no').focus();
}

function askDelete(room) {
  askConfirm(room, 'Delete room ' + room.name + ' and its whole history? This cannot be undone.',
    'Delete', async () => {
      await api('DELETE', '/rooms/' + encodeURIComponent(room.id));
      say('notice', 'Room ' + room.name + ' deleted.');
      if (editing && editing.id === room.id) closeEditor();
    });
}

function askClear(room) {
  askConfirm(room, 'Remove every message of room ' + room.name + '? This cannot be undone.',
    'Clear history', async () => {
      const r = await api('POST', '/rooms/' + encodeURIComponent(room.id) + '/clear', {});
      say('notice', 'Room ' + room.name + ': ' + r.removed + ' message(s) removed.');
    });
}

async function confirmed() {
  const p = pending;
  show($('confirm'), false);
  pending = null;
  if (!p) return;
  try {
    await p.run();
    loadRooms();
  } catch (e) {
    failed(e);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  $('new-room').addEventListener('click', () => openEditor(null));
  $('room-form').addEventListener('submit', saveRoom);
  $('room-cancel').addEventListener('click', closeEditor);
  $('confirm-yes').addEventListener('click', confirmed);
  $('files-close').addEventListener('click', closeFiles);
  $('history-close').addEventListener('click', closeHistory);
  $('history-older').addEventListener('click', () => loadHistory(historyRoom, historyBefore));
  $('search-form').addEventListener('submit', search);
  $('search-more').addEventListener('click', () => loadResults(searchBefore));
  $('feed-form').addEventListener('submit', addFeed);
  $('alerts-refresh').addEventListener('click', refreshAlerts);
  $('alerts-more').addEventListener('click', () => loadAlerts(alertsBefore));
  $('confirm-no').addEventListener('click', () => { pending = null; show($('confirm'), false); });
  start();
});
