// kikan staff UI. Every screen is drawn from the JSON API (/api/v1/tenants/{code}/…)
// with the session cookie (HttpOnly), the CSRF token of the session and the purpose the
// staff member chose (X-Kikan-Purpose): the same routes, policies and audit log as any
// other client. No data is kept in the browser but the tenant code and the CSRF token
// (sessionStorage, gone when the tab closes).
'use strict';

const S = { tenant: null, tenantName: '', csrf: null, me: null };

// ---------- small DOM helpers ----------
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
// Replaces an element's children, leaving out absent ones (null, false).
function show(el, ...kids) {
  el.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
}
const $ = (sel, root) => (root || document).querySelector(sel);
const $$ = (sel, root) => [...(root || document).querySelectorAll(sel)];
let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

function field(label, input, opts) {
  const o = opts || {};
  const id = input.id || nextId('f');
  input.id = id;
  if (o.required) input.setAttribute('aria-required', 'true');
  const kids = [h('label', { for: id }, label, o.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, '※必須') : null)];
  if (o.hint) {
    const hid = `${id}-hint`;
    kids.push(h('p', { class: 'hint', id: hid }, o.hint));
    input.setAttribute('aria-describedby', hid);
  }
  kids.push(input);
  return h('div', { class: 'field' }, kids);
}
function text(name, dataField, attrs) {
  return h('input', Object.assign({ type: 'text', name, dataset: { field: dataField || name } }, attrs || {}));
}
function select(name, options, dataField, attrs) {
  return h('select', Object.assign({ name, dataset: { field: dataField || name } }, attrs || {}),
    options.map((o) => (Array.isArray(o) ? h('option', { value: o[0] }, o[1]) : h('option', { value: o }, o))));
}
function checkbox(name, label, value, checked) {
  const id = nextId('c');
  return h('div', { class: 'check' },
    h('input', { type: 'checkbox', id, name, value: value === undefined ? 'on' : value, checked: !!checked }),
    h('label', { for: id }, label));
}
function banner(kind, title, body, ...more) {
  return h('div', { class: `banner banner-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('strong', {}, title), body ? h('span', {}, body) : null, ...more);
}
// Today in Japan (YYYY-MM-DD), as the server counts days.
const japanToday = () => new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);
function badges(p) {
  return [
    p.support_measure ? h('span', { class: 'badge badge-support', title: '支援措置対象者' }, '支援措置') : null,
    (p.suppressions || []).length ? h('span', { class: 'badge badge-late', title: p.suppressions.join('\n') }, '抑止') : null,
    p.register === 'B' ? h('span', { class: 'badge badge-removed' }, '除票') : null,
    p.archived_on ? h('span', { class: 'badge badge-removed', title: `除票用データベースに移行(${p.archived_on.wareki})` }, '除票用DB') : null,
    p.has_variation_sequence ? h('span', { class: 'badge badge-ivs', title: '異体字(IVS)を含む氏名' }, '異体字') : null,
  ];
}
const v = (form, name) => {
  const el = form.elements[name];
  if (el && el.type === 'checkbox') return el.checked ? String(el.value) : '';
  return el ? String(el.value || '').trim() : '';
};
// A time as the counter reads it: Japan Standard Time, whatever the PC's zone.
// Times on screens in 和暦 (2.3): 令和8年12月2日 11:34:02, in Japan's time.
// A day (YYYY-MM-DD) in 和暦 (令和8年12月2日).
const wareki = (d) => new Date(`${d}T00:00:00+09:00`).toLocaleDateString('ja-JP-u-ca-japanese', { timeZone: 'Asia/Tokyo', era: 'long', year: 'numeric', month: 'long', day: 'numeric' });
const jst = (t) => new Date(t).toLocaleString('ja-JP-u-ca-japanese', { timeZone: 'Asia/Tokyo', era: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const opt = (s) => (s === '' ? undefined : s);

// ---------- the API ----------
async function api(method, path, body, keepalive) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (S.csrf) headers['X-CSRF-Token'] = S.csrf;
  const purpose = $('#purpose') && $('#purpose').value;
  if (purpose) headers['X-Kikan-Purpose'] = encodeURIComponent(purpose);
  // 入力場所・入力端末 (1.3.1): the terminal this browser was set up as.
  const terminal = localStorage.getItem(`kikan.terminal.${S.tenant}`);
  if (terminal) headers['X-Kikan-Terminal'] = terminal;
  const res = await fetch(`/api/v1/tenants/${S.tenant}${path}`, {
    method, headers, credentials: 'same-origin', keepalive: !!keepalive,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('content-type') || '';
  let data = null;
  if (type.includes('application/json')) data = await res.json();
  else if (type.includes('application/pdf') || type.includes('text/csv') || type.includes('application/xml') || type.includes('spreadsheetml')) data = await res.blob();
  if (res.status === 401 && !path.endsWith('/login')) {
    signedOut('ログインの有効期限が切れました。もう一度ログインしてください。');
  }
  return { status: res.status, ok: res.ok, data, headers: res.headers };
}

// Shows an API error next to its field (data-field matches the error's field path, or a
// prefix of it), or above the form; nothing typed is cleared.
function showError(form, res) {
  clearErrors(form);
  const err = res.data || {};
  const message = `${err.message || '処理できませんでした'}(${err.code || res.status})`;
  let target = null;
  if (err.field) {
    const f = err.field;
    const all = $$('[data-field]', form);
    target = all.find((el) => el.dataset.field === f)
      || all.find((el) => f.startsWith(el.dataset.field + '.') || f.startsWith(el.dataset.field + '['))
      || all.find((el) => el.dataset.field.startsWith(f));
  }
  if (target) {
    const id = `${target.id || nextId('t')}-error`;
    target.setAttribute('aria-invalid', 'true');
    const described = (target.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
    target.setAttribute('aria-describedby', [...described, id].join(' '));
    (target.closest('.field, .check, div, td') || target.parentElement).append(h('p', { class: 'field-error', id }, message));
    target.focus();
  }
  const top = banner('error', target ? '入力内容を確認してください' : message, target ? message : null);
  top.classList.add('form-error');
  form.prepend(top);
  if (!target) top.scrollIntoView({ block: 'nearest' });
}
function clearErrors(form) {
  $$('.field-error, .form-error', form).forEach((e) => e.remove());
  $$('[aria-invalid]', form).forEach((e) => {
    e.removeAttribute('aria-invalid');
    const d = (e.getAttribute('aria-describedby') || '').split(' ').filter((x) => !x.endsWith('-error'));
    if (d.length) e.setAttribute('aria-describedby', d.join(' ')); else e.removeAttribute('aria-describedby');
  });
}

// ---------- sign-in ----------
function signedOut(message) {
  S.csrf = null; S.me = null;
  sessionStorage.removeItem('kikan.csrf');
  // One render of the login screen, with the message (a hash change renders too).
  S.flash = message;
  if (location.hash !== '#/login') location.hash = '#/login';
  else render(message);
}

async function loginScreen(main, message) {
  $('#bar').hidden = true; $('#nav').hidden = true;
  const tenants = await (await fetch('/api/v1/tenants')).json();
  const form = h('form', { class: 'login', novalidate: true },
    h('h1', {}, 'ログイン'),
    message ? banner('info', message) : null,
    field('団体', select('tenant', tenants.map((t) => [t.code, `${t.name}(${t.code})`]), 'tenant'), { required: true }),
    field('職員ID', text('login', 'login', { autocomplete: 'username' }), { required: true }),
    field('パスワード', h('input', { type: 'password', name: 'password', autocomplete: 'current-password', dataset: { field: 'password' } }), { required: true }),
    field('確認コード(6桁)', text('totp', 'totp', { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6' }),
      { hint: '認証アプリに表示されている6桁の数字(セキュリティキーを登録した職員は不要)' }),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, 'ログイン'),
      window.PublicKeyCredential ? h('button', { class: 'button button-secondary', type: 'button', dataset: { key: 'login' } }, 'ICカード・生体認証でログイン') : null));
  const last = sessionStorage.getItem('kikan.tenant');
  if (last) form.elements.tenant.value = last;
  const signIn = async (second) => {
    S.tenant = v(form, 'tenant');
    const res = await api('POST', '/login', { login: v(form, 'login'), password: form.elements.password.value, ...second });
    if (!res.ok) { form.elements.password.value = ''; return showError(form, res); }
    S.csrf = res.data.csrf;
    S.flash = null;
    sessionStorage.setItem('kikan.tenant', S.tenant);
    sessionStorage.setItem('kikan.csrf', S.csrf);
    await loadMe();
    location.hash = '#/search';
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); signIn({ totp: v(form, 'totp') }); });
  // 10.3: the second factor from an IC card (with its PIN) or a fingerprint or face reader.
  const keyButton = form.querySelector('[data-key="login"]');
  if (keyButton) keyButton.addEventListener('click', async () => {
    S.tenant = v(form, 'tenant');
    const opts = await api('POST', '/login/key-options', { login: v(form, 'login') });
    if (!opts.ok) return showError(form, opts);
    let answer;
    try { answer = await webauthn.get(opts.data.options); } catch (err) {
      return showError(form, { status: 0, data: { message: `セキュリティキーで確認できませんでした: ${err.name || err}`, code: 'WebAuthn' } });
    }
    signIn({ security_key: answer });
  });
  show(main, form);
  form.elements.login.focus();
}

// WebAuthn (10.3): the server's options and the key's answers carry binary fields as
// base64url.
const webauthn = {
  dec: (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4)), (c) => c.charCodeAt(0)),
  enc: (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
  async create(options) {
    const pk = { ...options.publicKey, challenge: webauthn.dec(options.publicKey.challenge),
      user: { ...options.publicKey.user, id: webauthn.dec(options.publicKey.user.id) },
      excludeCredentials: (options.publicKey.excludeCredentials || []).map((c) => ({ ...c, id: webauthn.dec(c.id) })) };
    const c = await navigator.credentials.create({ publicKey: pk });
    return { id: c.id, rawId: webauthn.enc(c.rawId), type: c.type, extensions: {},
      response: { attestationObject: webauthn.enc(c.response.attestationObject), clientDataJSON: webauthn.enc(c.response.clientDataJSON) } };
  },
  async get(options) {
    const pk = { ...options.publicKey, challenge: webauthn.dec(options.publicKey.challenge),
      allowCredentials: (options.publicKey.allowCredentials || []).map((c) => ({ ...c, id: webauthn.dec(c.id) })) };
    const c = await navigator.credentials.get({ publicKey: pk });
    const r = c.response;
    return { id: c.id, rawId: webauthn.enc(c.rawId), type: c.type, extensions: {},
      response: { authenticatorData: webauthn.enc(r.authenticatorData), clientDataJSON: webauthn.enc(r.clientDataJSON),
        signature: webauthn.enc(r.signature), userHandle: r.userHandle ? webauthn.enc(r.userHandle) : null } };
  },
};

async function loadMe() {
  const me = await api('GET', '/me');
  if (!me.ok) return false;
  S.me = me.data;
  const tenants = await (await fetch('/api/v1/tenants')).json();
  const t = tenants.find((x) => x.code === S.tenant);
  S.tenantName = t ? t.name : S.tenant;
  $('#tenant-name').textContent = `${S.tenantName}(${S.tenant})`;
  const terminal = localStorage.getItem(`kikan.terminal.${S.tenant}`);
  $('#staff-name').textContent = `${S.me.actor}(${S.me.role_label})${terminal ? ` 端末 ${terminal}` : ''}`;
  $('#bar').hidden = false; $('#nav').hidden = false;
  drawNav();
  return true;
}
const can = (p) => S.me && (p === null || S.me.permissions.includes(p));

const MENU = [
  ['#/search', '住民検索', 'read_residents'],
  ['#/change/move_in', '転入の受付', 'draft_change'],
  ['#/drafts', '審査待ち', 'draft_change'],
  ['#/intake', 'CSV取込', 'draft_change'],
  ['#/certificates', '証明書交付簿', 'issue_certificate'],
  ['#/support', '支援措置', 'approve_exception'],
  ['#/audit', '監査ログ', 'read_audit'],
  ['#/comm-log', '通信ログ', 'read_audit'],
  ['#/staff', '職員管理', 'manage_accounts'],
  ['#/access', 'アクセス承認', 'approve_access'],
  ['#/suppress', '抑止', 'manage_suppression'],
  ['#/awaiting', '転入通知未着', 'read_residents'],
  ['#/headless', '世帯主不在世帯', 'read_residents'],
  ['#/inspection', '閲覧用リスト', 'read_residents'],
  ['#/random', '無作為抽出', 'read_residents'],
  ['#/statistics', '統計', 'read_residents'],
  ['#/euc', 'EUC(データ抽出)', 'export'],
  ['#/chars', '文字コード照会・外字', null],
  ['#/notices', '入管通知', 'commit_change'],
  ['#/outbox', '入管への通知', 'commit_change'],
  ['#/cs', '住基ネット連携', 'commit_change'],
  ['#/certsettings', '認証者・公印', 'manage_certificate_settings'],
  ['#/daily', '日次処理', 'run_check'],
  ['#/batch', 'バッチ処理', 'export'],
  ['#/places', '入力場所・端末', 'manage_accounts'],
  ['#/link', '庁内データ連携', 'manage_accounts'],
  ['#/addresses', '住所辞書', null],
  ['#/address-changes', '住所一括変更', 'commit_change'],
  ['#/terminal', 'この端末', null],
  ['#/password', 'パスワード変更', null],
  ['#/keys', 'セキュリティキー', null],
  ['#/help', 'ヘルプ', null],
];
function drawNav() {
  const here = location.hash.split('?')[0];
  show($('#nav'), ...MENU.filter((m) => can(m[2])).map(([href, label]) =>
    h('a', { href, 'aria-current': here.startsWith(href) ? 'page' : null }, label)));
}

// ---------- search ----------
// The search's conditions beyond the first rows (2.1.3), and how names are compared
// (2.1.2); the form opens them when a search used them.
const SEARCH_MORE = ['given', 'alias', 'katagaki', 'address_code', 'ward', 'birth_from', 'birth_to', 'sex', 'relationship', 'removal_reason', 'household_id', 'person_id', 'empty', 'card_number'];
const SEARCH_FLAGS = ['fuzzy', 'past', 'include_removed'];
async function searchScreen(main, q) {
  const sel = (name, options, label) => {
    const el = select(name, options);
    el.value = q.get(name) || '';
    return field(label, el);
  };
  // 区からの検索 (2.1.3, designated cities): the wards whose 区役所 are registered; the
  // ward of this terminal's place is the default, another may be chosen.
  const [placesRes, terminalsRes] = await Promise.all([api('GET', '/places'), api('GET', '/terminals')]);
  const places = placesRes.ok ? placesRes.data : [];
  const wards = places.filter((p) => p.kind === '区役所' && p.ward_code);
  let wardField = null;
  if (wards.length) {
    const here = localStorage.getItem(`kikan.terminal.${S.tenant}`);
    const terminal = (terminalsRes.ok ? terminalsRes.data : []).find((t) => t.code === here);
    const place = terminal && places.find((p) => p.code === terminal.place);
    const own = place && wards.find((w) => w.ward === place.ward);
    const el = select('ward', [['', '全区'], ...wards.map((w) => [w.ward_code.slice(0, 5), w.ward])], 'ward');
    el.value = q.has('ward') ? q.get('ward') : (own && [...q.keys()].length === 0 ? own.ward_code.slice(0, 5) : '');
    wardField = field('区', el, { hint: '端末の所属する区が既定値です' });
  }
  const more = h('details', { class: 'search-more', open: SEARCH_MORE.some((k) => q.get(k)) || null },
    h('summary', {}, '詳細条件'),
    h('div', { class: 'row' },
      field('名', text('given', 'given', { value: q.get('given') || '' }), { hint: '名だけで探します(読み・漢字)' }),
      field('通称', text('alias', 'alias', { value: q.get('alias') || '' }), { hint: '外国人住民の通称・その読み' }),
      field('方書', text('katagaki', 'katagaki', { value: q.get('katagaki') || '' }), { hint: '前方一致' }),
      field('住所コード', text('address_code', 'address_code', { value: q.get('address_code') || '', inputmode: 'numeric' }), { hint: '11桁、または前方の桁(5桁で市区町村、8桁で大字)' }),
      wardField),
    h('div', { class: 'row' },
      field('生年月日(から)', text('birth_from', 'birth_from', { value: q.get('birth_from') || '' }), { hint: '例: 昭和50年、S50.4、1975' }),
      field('生年月日(まで)', text('birth_to', 'birth_to', { value: q.get('birth_to') || '' }), { hint: '年・年月・年月日' }),
      sel('sex', [['', '指定なし'], '男', '女'], '性別')),
    h('div', { class: 'row' },
      field('続柄', text('relationship', 'relationship', { value: q.get('relationship') || '' }), { hint: '例: 世帯主、妻、子' }),
      field('世帯番号', text('household_id', 'household_id', { value: q.get('household_id') || '', inputmode: 'numeric' })),
      field('宛名番号', text('person_id', 'person_id', { value: q.get('person_id') || '', inputmode: 'numeric' }))),
    h('div', { class: 'row' },
      sel('removal_reason', [['', '指定なし'], '転出', '国外転出', '死亡', '職権消除', '法第30条の50による消除', '異動の取消し'], '消除事由(除票)'),
      sel('empty', [['', '指定なし'], ['juminhyo_code', '住民票コード'], ['individual_number', '個人番号'], ['given_reading', '名のフリガナ'], ['katagaki', '方書']], '未入力の項目'),
      field('在留カード等番号', text('card_number', 'card_number', { value: q.get('card_number') || '' }))));
  const form = h('form', { novalidate: true, role: 'search' },
    h('div', { class: 'row' },
      field('振り仮名', text('kana', 'kana', { value: q.get('kana') || '' }), { hint: 'ひらがな・カタカナ(氏と名の間の空白は無視)' }),
      field('氏名', text('name', 'name', { value: q.get('name') || '' }), { hint: '異体字は同じ字として探します' }),
      field('生年月日', text('birth_date', 'birth_date', { value: q.get('birth_date') || '' }), { hint: '例: 昭和55年4月1日、S55.4、1980(年・年月も可)' })),
    h('div', { class: 'row' },
      field('住所', text('address', 'address', { value: q.get('address') || '' }), { hint: '住所の一部' }),
      field('住民票コード', text('juminhyo_code', 'juminhyo_code', { value: q.get('juminhyo_code') || '', inputmode: 'numeric' }), { hint: '11桁' }),
      field('旧氏', text('former_surname', 'former_surname', { value: q.get('former_surname') || '' }), { hint: '氏名と同じ比べ方' })),
    h('div', { class: 'row' },
      sel('match', [['prefix', '前方一致'], ['exact', '完全一致'], ['partial', '部分一致']], '氏名・振り仮名の一致'),
      h('div', { class: 'field' },
        checkbox('fuzzy', 'あいまい検索(濁音・小さい字・長音・オウ/オオ を区別しない)', 'true', q.get('fuzzy') === 'true'),
        checkbox('past', '過去の氏名・住所も含める', 'true', q.get('past') === 'true'),
        checkbox('include_removed', '除票も含める', 'true', q.get('include_removed') === 'true'))),
    more,
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '検索')));
  if (!q.get('match')) form.elements.match.value = 'prefix';
  // 検索文字選択のサポート (2.1.3): a character's 異体字 and the IVS the MJ font holds,
  // picked into the 氏名 field where no keyboard offers them.
  const pickOut = h('div', { 'aria-live': 'polite', id: 'char-candidates' });
  const base = text('base_char', 'char', { size: 4 });
  const picker = h('details', { class: 'char-picker' }, h('summary', {}, '文字の選択(異体字・IVS)'),
    h('div', { class: 'row' }, field('もとの字', base, { hint: '1字(例: 辺)。候補を押すと氏名に入ります' }),
      h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'button', onclick: async () => {
        const r = await api('GET', `/chars/variants?char=${encodeURIComponent(base.value)}`);
        if (!r.ok) { show(pickOut, banner('error', r.data ? r.data.message : '候補を表示できません')); return; }
        show(pickOut, r.data.candidates.length === 0 ? h('p', {}, '候補はありません。') :
          h('ul', { class: 'char-zoom' }, r.data.candidates.map((c) => h('li', {},
            h('button', { class: 'char-glyph char-pick', type: 'button', lang: 'ja', 'aria-label': `${c.kind} ${c.codes} を氏名に入れる`,
              onclick: () => { form.elements.name.value += c.text; form.elements.name.focus(); } }, c.text),
            h('span', { class: 'char-code' }, `${c.kind} ${c.codes}${c.printable ? '' : ' 証明書に印字不可'}`)))));
      } }, '候補を表示'))),
    pickOut);
  const results = h('div', { id: 'results', 'aria-live': 'polite' });
  const history = h('section', { 'aria-labelledby': 'search-history-h' });
  show(main, h('h1', {}, '住民検索'), form, picker, results, history);
  const KEYS = ['kana', 'name', 'birth_date', 'address', 'juminhyo_code', 'former_surname', ...SEARCH_MORE];
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const k of KEYS) if (v(form, k)) p.set(k, v(form, k));
    if (form.elements.match.value !== 'prefix') p.set('match', form.elements.match.value);
    for (const k of SEARCH_FLAGS) if (form.elements[k].checked) p.set(k, 'true');
    location.hash = `#/search?${p}`;
  });
  // 検索履歴 (2.1.1): this staff member's latest searches, to run again or to start a new
  // search from (the conditions put back in the form).
  const drawHistory = async () => {
    const r = await api('GET', '/search-history');
    if (!r.ok || r.data.length === 0) return;
    const LABELS = { kana: '振り仮名', name: '氏名', given: '名', birth_date: '生年月日', birth_from: '生年月日から', birth_to: '生年月日まで', address: '住所', katagaki: '方書', address_code: '住所コード', juminhyo_code: '住民票コード', former_surname: '旧氏', alias: '通称', card_number: '在留カード等番号', sex: '性別', relationship: '続柄', removal_reason: '消除事由', household_id: '世帯番号', person_id: '宛名番号', empty: '未入力' };
    const MATCH = { exact: '完全一致', partial: '部分一致' };
    const FLAGS = { fuzzy: 'あいまい', past: '過去を含む', include_removed: '除票も含める' };
    show(history, h('h2', { id: 'search-history-h' }, '検索履歴'),
      h('ul', { class: 'search-history' }, r.data.map((x) => {
        const p = new URLSearchParams();
        for (const k of Object.keys(LABELS)) if (x[k] !== null && x[k] !== undefined && x[k] !== '') p.set(k, x[k]);
        if (x.match) p.set('match', x.match);
        for (const k of Object.keys(FLAGS)) if (x[k]) p.set(k, 'true');
        const said = [...Object.keys(LABELS).filter((k) => p.has(k)).map((k) => `${LABELS[k]}=${x[k]}`),
          ...(x.match ? [MATCH[x.match]] : []), ...Object.keys(FLAGS).filter((k) => x[k]).map((k) => FLAGS[k])].join('・');
        return h('li', {}, h('a', { href: `#/search?${p}`, 'aria-label': `再検索 ${said}` }, said), ` ${jst(x.at)} `,
          h('button', { class: 'button button-secondary button-small', type: 'button', 'aria-label': `条件を入力欄へ ${said}`, onclick: () => {
            for (const k of KEYS) if (form.elements[k]) form.elements[k].value = p.get(k) || '';
            form.elements.match.value = x.match || 'prefix';
            for (const k of SEARCH_FLAGS) form.elements[k].checked = !!x[k];
            if (SEARCH_MORE.some((k) => p.get(k))) more.open = true;
            form.elements.kana.focus();
          } }, '条件を入力欄へ'));
      })));
  };
  if ([...q.keys()].length === 0) { form.elements.kana.focus(); await drawHistory(); return; }
  // The 区 is the first five digits of the 住所コード.
  const asked = new URLSearchParams(q);
  if (asked.get('ward') && !asked.get('address_code')) asked.set('address_code', asked.get('ward'));
  asked.delete('ward');
  const res = await api('GET', `/search?${asked}`);
  await drawHistory();
  if (!res.ok) return showError(form, res);
  const hits = res.data;
  show(results, 
    h('h2', {}, `検索結果 ${hits.length}件`),
    hits.length === 0 ? h('p', {}, '該当する住民はいません。') :
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['氏名', '振り仮名', '生年月日', '性別', '住所', '状態'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, hits.map((p) => h('tr', {},
          h('td', {}, h('a', { href: `#/person/${p.id}` }, p.name.full), badges(p)),
          h('td', {}, p.furigana.full), h('td', {}, p.birth_date.shown), h('td', {}, p.sex),
          h('td', {}, p.address.line), h('td', {}, p.status.state))))));
}

// ---------- a resident, the household, the history ----------
// フリガナ確認フラグ (1.1.18): whether a reading was confirmed with the person.
const kanaChecked = (yes) => (yes ? ' 本人確認済' : ' 本人未確認');
function recordList(p) {
  const rows = [
    ['氏名', [p.name.full, ...badges(p)]], ['振り仮名', `${p.furigana.full}${kanaChecked(p.furigana.confirmed)}`],
    ...(p.former_surname ? [['旧氏', `${p.former_surname.surname}${p.former_surname.furigana ? `(${p.former_surname.furigana})${kanaChecked(p.former_surname.furigana_confirmed)}` : ''}`]] : []), ['生年月日', p.birth_date.shown],
    ['性別', p.sex], ['世帯主', p.head_name || ''], ['続柄', p.relationship], ['住所', p.address.line], ['状態', p.status.state + (p.status.removed_on ? ` ${p.status.removed_on.shown} ${p.status.reason || ''}` : '')],
    [p.foreign ? '外国人住民となった年月日' : '住民となった年月日', p.became_resident_on.shown], ['住所を定めた年月日', p.address_since.shown],
    ['転入前住所', p.moved_in && p.moved_in.previous_address ? `${p.moved_in.previous_address.line}${p.moved_in.unnotified ? '（未届）' : ''}` : ''],
    ...(p.moved_in && p.moved_in.last_registered ? [['最終登録住所地', p.moved_in.last_registered.line]] : []),
    ...(p.moved_in && p.moved_in.previous_head ? [['転入前の世帯主', p.moved_in.previous_head]] : []),
    ...(p.status.destination_head ? [['転出先の世帯主', p.status.destination_head]] : []),
    ...(p.status.moved_out ? [['転出予定', `${p.status.moved_out.planned_on.wareki} ${p.status.moved_out.planned_destination.line}`],
      ['転入通知', p.status.moved_out.notified_on ? `${p.status.moved_out.notified_on.wareki} 受理(転出年月日 ${p.status.moved_out.moved_on.wareki})` : '未着']] : []),
    ['前住所', p.previous_address_in_city ? p.previous_address_in_city.line : ''],
    ...(p.remade_on ? [['改製年月日', p.remade_on.wareki]] : []), ...(p.reissued_on ? [['再製年月日', p.reissued_on.wareki]] : []),
    ['住民票コード', p.juminhyo_code || ''], ['本籍・筆頭者', p.honseki ? (p.honseki_head ? `${p.honseki} 筆頭者 ${p.honseki_head}` : p.honseki) : ''],
  ];
  if (p.foreign) rows.push(...foreignRows(p.foreign));
  return h('dl', { class: 'record' }, rows.flatMap(([k, val]) => [h('dt', {}, k), h('dd', {}, val)]));
}

// A foreign resident's items (1.1.2): the kanji name, the 30条の45 items with the period
// as the category names it, the 通称 with where it was recorded, and its history.
function foreignRows(f) {
  const alias = f.alias ? `${f.alias.full}${f.alias_furigana ? `(${f.alias_furigana.full})${kanaChecked(f.alias_furigana.confirmed)}` : ''} ${f.alias_recorded_on ? f.alias_recorded_on.shown : ''}記載${f.alias_recorded_by ? ` ${f.alias_recorded_by}` : ''}` : '';
  return [
    ...(f.kanji_name ? [['氏名（漢字）', `${f.kanji_name.full}${f.kanji_furigana ? `(${f.kanji_furigana.full})` : ''}`]] : []),
    ['国籍・地域', f.nationality], ['30条45規定区分', f.category], ['在留資格', f.status || ''],
    [f.period_label, `${f.period || ''}${f.expires_on ? ` 満了日 ${f.expires_on.shown}` : ''}`], ['在留カード等番号', f.card_number || ''],
    ['通称', alias],
    ...f.past_aliases.map((a) => ['通称の履歴', `${a.name.full} ${a.recorded_on.shown}記載${a.recorded_by ? ` ${a.recorded_by}` : ''} ${a.deleted_on.shown}削除${a.deleted_by ? ` ${a.deleted_by}` : ''}`]),
    ...(f.old_law_registered_on ? [['旧外登法による登録年月日', f.old_law_registered_on.shown]] : []),
    ['住居地の届出', f.residence_notified ? 'あり' : 'なし'], ...(f.landing_permit ? [['上陸許可証による転入', 'あり']] : []),
  ];
}

// The latest drawing of a record: an earlier one still loading is not drawn over it.
let personDrawing = 0;
// The outcome of an action taken on the record (a banner), shown at the top of its next
// drawing — that drawing may be another than the one the action asked for.
let personNotice = null;
async function personScreen(main, id, q, notice) {
  const drawing = ++personDrawing;
  if (notice) personNotice = { id: String(id), notice };
  const asOf = q.get('as_of') || '';
  const suffix = asOf ? `?as_of=${encodeURIComponent(asOf)}` : '';
  const res = await api('GET', `/persons/${id}${suffix}`);
  if (!res.ok) { show(main, h('h1', {}, '住民票'), banner('error', res.data ? res.data.message : '表示できません')); return; }
  const p = res.data;
  const [hh, hist, memos, business, remarks, integ, wardRemovals] = await Promise.all([api('GET', `/households/${p.household_id}${suffix}`), api('GET', `/persons/${id}/history`),
    api('GET', `/persons/${id}/memos`), api('GET', `/persons/${id}/business-items`), api('GET', `/persons/${id}/remarks`), api('GET', `/persons/${id}/integrated`),
    api('GET', `/persons/${id}/ward-removals`)]);
  if (drawing !== personDrawing) return;
  const asOfForm = h('form', { class: 'row', novalidate: true },
    field('基準日(この日現在の内容を表示)', text('as_of', 'as_of', { value: asOf }), { hint: '和暦・西暦どちらでも。空欄で現在' }),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '表示')));
  asOfForm.addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/person/${id}${v(asOfForm, 'as_of') ? `?as_of=${encodeURIComponent(v(asOfForm, 'as_of'))}` : ''}`; });
  const members = hh.ok ? hh.data.members : [];
  const entries = hist.ok ? hist.data.entries.slice().reverse() : [];
  const isWard = business.ok && business.data.current.some((b) => b.business === 'adult_ward' && b.items.ward);
  const told = personNotice && personNotice.id === String(id) ? personNotice.notice : null;
  personNotice = null;
  show(main, told,
    h('h1', {}, `${p.name.full} さんの住民票`, asOf ? h('span', { class: 'muted' }, `(${asOf} 現在)`) : null),
    p.support_measure ? banner('warning', (p.support_measures || []).some((m) => m.provisional) ? '仮支援措置の対象者です' : '支援措置の対象者です',
      p.address_withheld ? '住所は表示しません。証明書の交付・閲覧は審査担当の判断が必要です。' : '証明書の交付・閲覧の請求には支援措置の確認が必要です。',
      can('approve_exception') ? h('a', { href: '#/support' }, ' 支援措置の内容を見る') : null) : null,
    ...(p.support_measures || []).filter((m) => m.alert).map((m) => banner('warning', '支援措置の期間', ` ${m.alert}`)),
    ...(p.suppressions || []).map((t) => banner('warning', '抑止対象', ` ${t}`)),
    // 除票用データベース (9.3): read from there; brought back before any change (4.6.0.1).
    p.archived_on ? banner('info', '除票用データベースの除票です', ` ${p.archived_on.wareki}に住民記録データベースから移行しました。異動の取消しや修正は、住民記録データベースに戻してから行います。`,
      can('commit_change') ? h('button', { class: 'button button-secondary button-small', type: 'button', onclick: async (ev) => {
        const r = await api('POST', `/persons/${p.id}/archive-return`, {});
        if (!r.ok) { ev.target.replaceWith(banner('error', r.data ? r.data.message : '戻せませんでした')); return; }
        await personScreen(main, id, q);
      } }, '住民記録データベースに戻す') : null) : null,
    // As of a date: the items shown that a later correction replaced.
    (p.corrected_later || []).length ? banner('warning', 'この日より後に修正された項目があります',
      ` ${p.corrected_later.map((c) => `${c.item}(${c.on.wareki} ${c.reason})`).join('、')}`) : null,
    asOfForm,
    h('div', { class: 'columns' },
      h('section', { 'aria-labelledby': 'rec-h' }, h('h2', { id: 'rec-h' }, '記載事項'), recordList(p),
        h('details', { class: 'char-details' }, h('summary', {}, '文字の拡大・文字コード'),
          ...[['氏名', p.name.full], ['旧氏', p.former_surname ? p.former_surname.surname : ''], ['通称', p.foreign && p.foreign.alias ? p.foreign.alias.full : ''],
            ['住所', p.address.line], ['本籍・筆頭者', p.honseki ? `${p.honseki} ${p.honseki_head || ''}` : '']].filter(([, t]) => t)
            .flatMap(([k, t]) => [h('h3', {}, k), charTable(t.replace(/\s+/g, ''))])),
        h('div', { class: 'actions' },
          can('issue_certificate') ? h('a', { class: 'button button-primary', href: `#/certificate?household=${p.household_id}&person=${p.id}` }, '証明書を交付') : null,
          can('draft_change') && p.register === 'A' ? h('a', { class: 'button button-secondary', href: `#/change/relocation?household=${p.household_id}` }, '転居を受付') : null,
          can('manage_suppression') ? h('a', { class: 'button button-secondary', href: `#/suppress?person=${p.id}` }, '抑止を設定') : null,
          can('draft_change') && p.register === 'A' ? h('a', { class: 'button button-secondary', href: `#/change/household?household=${p.household_id}` }, 'その他の異動を受付') : null),
        // 法第7条の業務事項 (1.1.1, 7.2.2): as each business's system last set them.
        h('section', { 'aria-labelledby': 'biz-h' }, h('h2', { id: 'biz-h' }, '他業務の事項(法第7条)'),
          business.ok && business.data.current.length ? h('dl', { class: 'record' }, business.data.current.flatMap((b) => [h('dt', {}, b.label),
            h('dd', {}, b.line, h('span', { class: 'muted' }, ` (${b.set_by}・${jst(b.at)})`))]))
            : h('p', { class: 'muted' }, '他業務から設定された事項はありません。'),
          can('set_business_items') && p.register === 'A' ? wardForm(main, p, q, business.ok ? business.data.current : []) : null),
        p.register === 'A' && p.foreign && p.foreign.category === '特別永住者' && can('commit_change') ? specialPermanentForm(main, p, q) : null,
        wardRemovalSection(p, wardRemovals.ok ? wardRemovals.data : []),
        integratedSection(main, id, q, integ.ok ? integ.data : [], hist.ok ? hist.data.entries : []),
        can('issue_certificate') ? issuanceHistory(id) : null,
        noteSection(main, id, q, remarks.ok ? remarks.data : [], 'remark'),
        noteSection(main, id, q, memos.ok ? memos.data : [], 'memo')),
      h('section', { 'aria-labelledby': 'hh-h' }, h('h2', { id: 'hh-h' }, '世帯'),
        hh.ok ? [h('p', {}, `住所: ${hh.data.address.line}`),
          hh.data.head_id == null && !hh.data.dissolved_on ? banner('warning', '世帯主がいません', ' この世帯には世帯主がいません。世帯主変更を行うか、世帯主変更依頼通知書を送ってください。') : null,
          !hh.data.dissolved_on && p.register === 'A' ? h('div', { class: 'actions' }, hh.data.head_id == null
            ? letterButton(`/households/${hh.data.id}/head-letter`, '世帯主変更依頼通知書', `世帯主変更依頼通知書-${hh.data.id}.pdf`)
            : letterButton(`/households/${hh.data.id}/head-letter`, '世帯主変更通知書', `世帯主変更通知書-${hh.data.id}.pdf`)) : null,
          h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['氏名', '続柄', '生年月日'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, members.map((m) => h('tr', {}, h('td', {}, h('a', { href: `#/person/${m.id}` }, m.name.full), badges(m)), h('td', {}, m.relationship), h('td', {}, m.birth_date.shown))))),
          can('commit_change') && !hh.data.dissolved_on && members.length > 1 ? memberOrderEditor(main, id, q, hh.data.id, members) : null,
          // 消除対象者記載 (3.3): the members removed from the register (転出, 死亡 …).
          (hh.data.removed_members || []).length ? [h('h3', {}, '消除された世帯員'),
            h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['氏名', '続柄', '消除事由', '消除日'].map((t) => h('th', { scope: 'col' }, t)))),
              h('tbody', {}, hh.data.removed_members.map((m) => h('tr', {}, h('td', {}, h('a', { href: `#/person/${m.id}` }, m.name.full), badges(m)),
                h('td', {}, m.relationship), h('td', {}, m.status.reason || ''), h('td', {}, m.status.removed_on ? m.status.removed_on.shown : '')))))] : null]
          : h('p', {}, '世帯を表示できません'),
        h('h2', {}, '異動履歴'),
        h('ol', { class: 'timeline', 'aria-label': '異動履歴(新しい順)' }, entries.map((e) => h('li', {},
          h('div', { class: 'when' }, `${e.effective_on.shown} ${e.reason}`,
            (e.standard_reasons || []).length > 1 ? h('span', { class: 'muted' }, `(${e.standard_reasons.join('・')})`) : null, e.late ? h('span', { class: 'badge badge-late' }, '届出遅延') : null,
            e.basis !== '届出' ? h('span', { class: 'badge' }, e.basis) : null),
          h('div', { class: 'meta' }, `${e.basis === '届出' ? '届出日' : e.basis === '職権' ? '通知日' : '申出日'} ${e.notified_on.wareki}・処理 ${jst(e.recorded_at)}・${e.operator}`),
          entryLetters(e, isWard),
          can('issue_certificate') && /転入|転居|職権修正|誤記修正|軽微な修正/.test(e.reason) && !e.reason.startsWith('異動の取消し') ? cardEndorsement(e, id) : null,
          // 異動の取消し (4.6): by 職権, as a new entry; refused when a later one changed the same records.
          can('commit_change') && !e.reason.startsWith('異動の取消し') ? h('button', { class: 'button button-secondary button-small', type: 'button',
            'aria-label': `取消し 台帳番号${e.seq}(${e.reason})`, onclick: async () => {
              const r = await api('POST', `/changes/${e.seq}/cancel`, { basis: '職権' });
              if (!r.ok) { main.prepend(banner('error', r.data ? r.data.message : '取り消せませんでした')); return; }
              await personScreen(main, id, q, banner('success', `台帳番号${e.seq}の${e.reason}を取り消しました`));
            } }, '取消し') : null,
          // 4.6.0.1: for this person only (一部), when the entry concerned others too.
          can('commit_change') && !e.reason.startsWith('異動の取消し') && (e.person_ids || []).length > 1 ? h('button', { class: 'button button-secondary button-small', type: 'button',
            'aria-label': `この人のみ取消し 台帳番号${e.seq}(${e.reason})`, onclick: async () => {
              const r = await api('POST', `/changes/${e.seq}/cancel`, { basis: '職権', person_ids: [Number(id)] });
              if (!r.ok) { main.prepend(banner('error', r.data ? r.data.message : '取り消せませんでした')); return; }
              await personScreen(main, id, q, banner('success', `台帳番号${e.seq}の${e.reason}を${p.name.full}さんについて取り消しました`));
            } }, 'この人のみ取消し') : null))))));
}

// 交付履歴照会 (2.2.2): the certificates issued naming the person, the 住民票コード通知票
// drawn for them and their card as last reported; read (and audited) when opened.
function issuanceHistory(id) {
  const body = h('div', { 'aria-live': 'polite' });
  const box = h('details', {}, h('summary', {}, '交付履歴・カードの交付状況'), body);
  box.addEventListener('toggle', async () => {
    if (!box.open || body.childElementCount) return;
    const r = await api('GET', `/persons/${id}/issuance-history`);
    if (!r.ok) { show(body, banner('error', r.data ? r.data.message : '表示できません')); return; }
    const d = r.data;
    show(body,
      h('p', {}, d.card ? `${d.card.kind || 'カード'}: ${d.card.status || ''}${d.card.holds ? '(保有)' : ''}${d.card.expires_on ? ` 有効期限 ${wareki(d.card.expires_on)}` : ''}` : 'カードの交付状況の報告はありません。'),
      d.certificates.length === 0 ? h('p', { class: 'muted' }, '交付した証明書はありません。') :
        h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['発行番号', '交付日時', '種別', '交付場所', '職員', '処分'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, d.certificates.map((c) => h('tr', {}, h('td', {}, String(c.serial)), h('td', {}, jst(c.issued_at)), h('td', {}, c.title),
            h('td', {}, c.place || ''), h('td', {}, c.staff), h('td', {}, c.disposed ? '処分済み' : ''))))),
      d.code_notices.length ? h('ul', {}, d.code_notices.map((n) => h('li', {}, `${jst(n.at)} ${n.detail}(${n.staff})`))) : null);
  });
  return h('section', { 'aria-labelledby': `issued-h-${id}` }, h('h2', { id: `issued-h-${id}` }, '交付履歴'), box);
}

// 世帯員の並び順 (5.2): the household's own order for its 世帯連記式 写し (任意の並び順),
// moved with ▲▼ and saved, or put back to the municipality's rule.
function memberOrderEditor(main, id, q, household, members) {
  const path = `/households/${household}/member-order`;
  const list = h('ol', { class: 'order-list' });
  let order = [];
  let own = false;
  const name = (pid) => (members.find((m) => m.id === pid) || { name: { full: String(pid) } }).name.full;
  const move = (i, d) => { const j = i + d; if (j < 0 || j >= order.length) return; [order[i], order[j]] = [order[j], order[i]]; draw(); };
  const small = (label, aria, onclick) => h('button', { class: 'button button-secondary button-small', type: 'button', 'aria-label': aria, onclick }, label);
  const draw = () => list.replaceChildren(...order.map((pid, i) => h('li', {}, name(pid), ' ',
    small('▲', `${name(pid)}を上へ`, () => move(i, -1)), small('▼', `${name(pid)}を下へ`, () => move(i, 1)))));
  const status = h('p', { class: 'muted' });
  const load = async () => {
    const r = await api('GET', path);
    order = r.ok ? r.data.person_ids : members.map((m) => m.id);
    own = r.ok && r.data.own;
    status.textContent = own ? 'この世帯に設定した並び順です。' : '市区町村の設定(記載順または標準の順位)による並び順です。';
    draw();
  };
  const save = async (ids, message) => {
    const r = await api('PUT', path, { person_ids: ids });
    if (!r.ok) { main.prepend(banner('error', r.data ? r.data.message : '保存できませんでした')); return; }
    await personScreen(main, id, q, banner('success', message));
  };
  const box = h('details', {}, h('summary', {}, '世帯員の並び順(世帯連記式の写し)'), status, list,
    h('div', { class: 'actions' }, small('この並び順を保存', 'この並び順を保存', () => save(order, '世帯員の並び順を保存しました')),
      small('設定を解除', '世帯員の並び順の設定を解除', () => save([], '世帯員の並び順の設定を解除しました'))));
  box.addEventListener('toggle', () => { if (box.open && order.length === 0) load(); });
  return box;
}

// 区間異動による除票 (4.0.2): in a 指定都市, the record a person left in each ward they
// moved out of, closed by the 区間異動; its 除票の写し is issued from here.
function wardRemovalSection(p, list) {
  if (!list.length) return null;
  return h('section', { 'aria-labelledby': 'ward-h' }, h('h2', { id: 'ward-h' }, '区間異動による除票'),
    h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['異動元区', '消除日', '消除事由', '異動元区の住所', '異動先区', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, list.map((r) => h('tr', {}, h('td', {}, r.ward), h('td', {}, r.record.status.removed_on ? r.record.status.removed_on.shown : ''),
        h('td', {}, r.record.status.reason || ''), h('td', {}, r.record.address.line), h('td', {}, r.to),
        h('td', {}, can('issue_certificate') ? h('a', { href: `#/certificate?household=${p.household_id}&person=${p.id}&ward_removal=${r.seq}` }, '除票の写しを交付') : null))))));
}

// 統合記載欄 (1.1.14): the 異動履歴 (A類型) with the 留意事項 of each 異動 (B類型, tied to
// an 異動項目; 審査 writes them, in the standard's wording for a 特別養子縁組), then the
// 備考 (C類型, written below).
const CAUTION_ITEMS = ['住所', '転入前住所', '転出先住所（予定）', '転出先住所（確定）', '氏名', '振り仮名', '旧氏', '生年月日', '性別', '世帯主', '続柄',
  '住民となった年月日', '住所を定めた年月日', '本籍', '筆頭者', '消除'];
function integratedSection(main, id, q, lines, entries) {
  const cls = { A: '異動履歴', B: '留意事項', C: '備考' };
  const add = h('form', { novalidate: true },
    h('div', { class: 'row' },
      field('異動', select('seq', entries.map((e) => [String(e.seq), `${e.effective_on.shown} ${e.reason}(台帳番号${e.seq})`]), 'seq')),
      field('異動項目', select('caution_item', CAUTION_ITEMS, 'item')),
      field('文言', select('wording', [['', '自由入力'], ['special_adoption', '特別養子縁組'], ['special_adoption_ended', '特別養子縁組解消']], 'wording'))),
    field('留意事項', h('textarea', { name: 'caution', rows: 2, dataset: { field: 'text' } }), { hint: '文言を選ぶと定型の文言を記載します' }),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary button-small', type: 'submit' }, '留意事項を追加')));
  add.addEventListener('submit', async (e) => {
    e.preventDefault();
    const wording = v(add, 'wording');
    const r = await api('POST', `/persons/${id}/cautions`, { seq: Number(v(add, 'seq')), item: v(add, 'caution_item'), ...(wording ? { wording } : { text: v(add, 'caution') }) });
    if (!r.ok) return showError(add, r);
    await personScreen(main, id, q, banner('success', '留意事項を追加しました'));
  });
  return h('section', { 'aria-labelledby': 'integ-h' }, h('h2', { id: 'integ-h' }, '統合記載欄'),
    lines.length === 0 ? h('p', { class: 'muted' }, '記載はありません。') :
      h('ul', { class: 'memos' }, lines.map((l) => h('li', {}, h('span', { class: 'muted' }, `${cls[l.class]}${l.automatic ? '(自動)' : ''} `), l.printed))),
    can('commit_change') && entries.length ? h('details', {}, h('summary', {}, '留意事項の記載'), add) : null);
}

// The two kinds of note on a person: メモ (1.1.15, staff only, never printed) and 備考
// (1.1.14, 統合記載欄 C類型, printed; 審査 writes them, the 事実上の世帯主 among them).
const NOTES = {
  memo: { path: 'memos', title: 'メモ', hint: '証明書には印字されません', may: 'draft_change' },
  remark: { path: 'remarks', title: '備考(統合記載欄)', hint: '住民票の写しの統合記載欄に印字されます', may: 'commit_change' },
};
function noteSection(main, id, q, notes, which) {
  const k = NOTES[which];
  const word = k.title.replace(/\(.*\)$/, '');
  const again = async (r, done) => {
    if (!r.ok) { main.prepend(banner('error', r.data ? r.data.message : `${word}を保存できませんでした`)); return; }
    await personScreen(main, id, q, banner('success', done));
  };
  const add = h('form', { novalidate: true },
    field(`新しい${word}`, h('textarea', { name: 'memo', rows: 3, dataset: { field: 'text' } }), { hint: k.hint }),
    which === 'remark' ? field('事実上の世帯主(氏名)', text('de_facto_head', 'de_facto_head'), { hint: '法適用外の外国人・施設長など。入力すると「事実上の世帯主 氏名」を記載します' }) : null,
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary button-small', type: 'submit' }, `${word}を追加`)));
  add.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = which === 'remark' && v(add, 'de_facto_head') ? { de_facto_head: v(add, 'de_facto_head') } : { text: v(add, 'memo') };
    const r = await api('POST', `/persons/${id}/${k.path}`, body);
    if (!r.ok) return showError(add, r);
    await again(r, `${word}を追加しました`);
  });
  const live = notes.filter((m) => !m.deleted);
  const hid = `${which}-h`;
  return h('section', { 'aria-labelledby': hid }, h('h2', { id: hid }, k.title),
    live.length === 0 ? h('p', { class: 'muted' }, `${word}はありません。`) : null,
    h('ul', { class: 'memos' }, live.map((m, i) => {
      const edit = h('form', { novalidate: true, class: 'memo-edit' },
        field(`${word}${i + 1}の修正`, h('textarea', { name: 'memo', rows: 2, dataset: { field: 'text' } }, m.current.text)),
        h('div', { class: 'actions' },
          h('button', { class: 'button button-secondary button-small', type: 'submit' }, '修正'),
          h('button', { class: 'button button-danger button-small', type: 'button', onclick: async () => {
            await again(await api('POST', `/persons/${id}/${k.path}/${m.id}`, { revision: m.current.revision }), `${word}を削除しました`);
          } }, '削除')));
      edit.addEventListener('submit', async (e) => {
        e.preventDefault();
        const r = await api('POST', `/persons/${id}/${k.path}/${m.id}`, { revision: m.current.revision, text: v(edit, 'memo') });
        if (!r.ok) return showError(edit, r);
        await again(r, `${word}を修正しました`);
      });
      return h('li', { class: 'memo' },
        h('p', { class: 'memo-text' }, m.current.text),
        h('p', { class: 'meta' }, `${m.current.author}・${jst(m.current.at)}`),
        m.history.length > 1 ? h('details', {}, h('summary', {}, `履歴(${m.history.length}件)`),
          h('ol', {}, m.history.map((r) => h('li', {}, `${r.text == null ? '(削除)' : r.text}・${r.author}・${jst(r.at)}`)))) : null,
        can(k.may) ? edit : null);
    })),
    notes.some((m) => m.deleted) ? h('details', {}, h('summary', {}, `削除した${word}`),
      h('ul', {}, notes.filter((m) => m.deleted).map((m) => h('li', {}, m.history.map((r) => `${r.text == null ? '(削除)' : r.text}・${r.author}・${jst(r.at)}`).join(' → '))))) : null,
    can(k.may) ? add : null);
}

// A CSV file read in, chosen or pasted: posted as {name, csv} to `path`; on success the
// screen is drawn again and `done` tells what was read.
function csvForm(label, hint, rows, button, path, done) {
  const form = h('form', { novalidate: true },
    field(label, h('input', { type: 'file', name: 'file', accept: '.csv,text/csv' }), { hint }),
    field('または内容を貼り付け', h('textarea', { name: 'csv', rows, dataset: { field: 'csv' } })),
    h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = form.elements.file.files[0];
    const csv = f ? await f.text() : v(form, 'csv');
    const r = await api('POST', path, { name: f ? f.name : '貼り付け', csv });
    if (!r.ok) return showError(form, r);
    await route();
    done(r.data);
  });
  return form;
}

// 出入国在留管理庁長官通知 (4.5.6): a notice file read in; the notices still to process,
// whatever their date, with their 処理結果確認票 (before → after); each applied by 職権
// or set aside with a reason.
async function noticesScreen(main) {
  const res = await api('GET', '/immigration-notices');
  const list = res.ok ? res.data : [];
  const out = h('div', { 'aria-live': 'polite', id: 'notices-out' });
  const upload = csvForm('通知ファイル(CSV)', '見出し: 通知日,在留カード等番号,通知の種類,在留資格,在留期間,満了日,新しい在留カード等番号,消除事由',
    4, h('button', { class: 'button button-primary', type: 'submit' }, '取り込む'), '/immigration-notices',
    (read) => show($('#notices-out'), banner('success', `入管通知を${read.length}件取り込みました`)));
  const settle = async (path, body, done) => {
    const r = await api('POST', path, body);
    if (!r.ok) { show(out, banner('error', r.data ? r.data.message : '処理できませんでした')); return; }
    await route();
    show($('#notices-out'), banner('success', done));
  };
  show(main, h('h1', {}, '入管通知(出入国在留管理庁長官通知)'), !res.ok ? banner('error', res.data.message) : null, out, upload,
    h('h2', {}, `未処理の通知 ${list.length}件`),
    list.length === 0 ? h('p', {}, '未処理の通知はありません。') :
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['通知日', '対象者', '通知', '処理結果確認票(変更前 → 変更後)', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, list.map((n) => {
          const reason = text(`reason-${n.id}`, 'reason', { 'aria-label': `通知${n.card_number}を処理しない理由` });
          return h('tr', {}, h('td', {}, n.notified_on), h('td', {}, n.person_id ? h('a', { href: `#/person/${n.person_id}` }, n.name) : `該当者なし(${n.card_number})`),
            h('td', {}, n.action, h('div', { class: 'muted' }, n.source)),
            h('td', {}, n.before ? [h('div', {}, n.before), h('div', {}, `→ ${n.after}`)] : ''),
            h('td', {}, n.person_id ? h('button', { class: 'button button-secondary button-small', type: 'button',
              onclick: () => settle(`/immigration-notices/${n.id}/apply`, {}, `${n.name} さんに通知を反映しました`) }, '反映') : null,
            reason, h('button', { class: 'button button-text', type: 'button',
              onclick: () => settle(`/immigration-notices/${n.id}/reject`, { reason: reason.value }, '通知を処理しないことにしました') }, '処理しない')));
        }))));
}

// 市町村通知・市町村伝達 (4.5.7): what goes to 出入国在留管理庁, made from the 異動 of
// foreign residents in their order; sent as one file once due (a 転出 on its planned
// day), the 連携端末's results read back, a sent or refused item sent again.
const OUTBOX_STATES = [['', 'すべて'], ['pending', '未送信'], ['sent', '送信済み'], ['failed', 'エラー'], ['accepted', '処理済み']];
async function outboxScreen(main, q) {
  const state = q.get('state') || '';
  const res = await api('GET', `/immigration-outbox${state ? `?state=${state}` : ''}`);
  const list = res.ok ? res.data : [];
  const out = h('div', { 'aria-live': 'polite', id: 'outbox-out' });
  const filter = h('form', { class: 'row', novalidate: true }, field('状態', select('state', OUTBOX_STATES, 'state')),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '表示')));
  filter.elements.state.value = state;
  filter.addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/outbox${v(filter, 'state') ? `?state=${v(filter, 'state')}` : ''}`; });
  const send = h('button', { class: 'button button-primary', type: 'button', onclick: async () => {
    const r = await api('POST', '/immigration-outbox/send', {});
    if (!r.ok) { show(out, banner('error', r.data ? r.data.message : '送信できませんでした')); return; }
    await route();
    if (r.data.batch === 0) { show($('#outbox-out'), banner('info', '送信する通知はありません(送信日が来ていないものを除く)。')); return; }
    const url = URL.createObjectURL(new Blob([r.data.file], { type: 'text/csv' }));
    show($('#outbox-out'), banner('success', `第${r.data.batch}回として${r.data.items.length}件を送信しました`,
      h('a', { href: url, download: `shichoson-tsuchi-${r.data.batch}.csv` }, '送信ファイルを保存する')));
  } }, '送信する(送信日の来たもの)');
  const results = csvForm('処理結果ファイル(CSV)', '見出し: 送信番号,処理結果,エラー内容(処理結果は 正常 または エラー)',
    3, h('button', { class: 'button button-secondary', type: 'submit' }, '処理結果を取り込む'), '/immigration-outbox/results',
    (read) => show($('#outbox-out'), banner('success', `処理結果を${read.length}件取り込みました`)));
  const resend = async (item) => {
    const r = await api('POST', `/immigration-outbox/${item.id}/resend`, {});
    if (!r.ok) { show(out, banner('error', r.data ? r.data.message : '再送信にできませんでした')); return; }
    await route();
    show($('#outbox-out'), banner('success', `送信番号${item.id}を再送信の対象にしました`));
  };
  show(main, h('h1', {}, '入管への通知(市町村通知・市町村伝達)'), !res.ok ? banner('error', res.data.message) : null, out,
    h('div', { class: 'actions' }, send), filter,
    h('h2', {}, `通知 ${list.length}件`),
    list.length === 0 ? h('p', {}, '該当する通知はありません。') :
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['送信番号', '区分', '届出の法令', '異動', '対象者', '送信日', '状態', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, list.map((i) => h('tr', {}, h('td', {}, String(i.id)), h('td', {}, i.kind), h('td', {}, i.class),
          h('td', {}, `${i.reason} ${wareki(i.effective_on)}`), h('td', {}, h('a', { href: `#/person/${i.person_id}` }, i.name), i.card_number ? h('div', { class: 'muted' }, i.card_number) : null),
          h('td', {}, wareki(i.due_on)), h('td', {}, `${i.state_label}${i.batch ? `(第${i.batch}回)` : ''}`, i.error ? h('div', { class: 'error-text' }, i.error) : null),
          h('td', {}, ['sent', 'failed'].includes(i.state) ? h('button', { class: 'button button-secondary button-small', type: 'button', 'aria-label': `送信番号${i.id}を再送信する`, onclick: () => resend(i) }, '再送信') : null))))),
    h('h2', {}, '処理結果の取込み'), results);
}

// 住基ネット (CS) 連携 (7.1.1.1–7.1.1.2, 7.1.2.4, 4.3.1): the 稼働状況, what is still to
// be sent (by state), the error list with 再送信 (the 異動事由 may be changed), 補完 and
// 送信取消し, the characters items wait for and the conversion table, 手動連携, the
// 整合性確認 and the 住民票コード空きコード.
const CS_KINDS = [['', 'すべて'], ...['本人確認情報', '転出証明書情報', '転入通知', '戸籍附票記載事項通知', '送付先情報', '広域交付住民票情報', '交付抑止情報',
  '個人番号生成要求', '個人番号変更要求', '符号取得要求', 'シリアル番号取得要求'].map((k) => [k, k])];
const CS_STATES = [['', 'すべて'], ['pending', '未送信'], ['held', '文字変換待ち'], ['refused', 'エラー'], ['accepted', '送信済み'], ['withdrawn', '送信取消し']];
// 特例転入 (4.1.1.3): the 転入 filled in from a 転出証明書情報 received (the household
// sent with it together); staff give the new address and the 転入日 and correct a name
// whose character this municipality's table lacks (shown as [J+XXXX]).
function specialMoveIn(m, done) {
  const names = h('div', {});
  let pre = null;
  const form = h('form', { novalidate: true }, names,
    field('転入日', text('effective_on', 'effective_on', { placeholder: '例: 令和8年12月3日' })),
    field('住所(町字まで)', text('place', 'change.address')),
    field('番地', text('banchi', 'change.address.banchi')),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary button-small', type: 'submit' }, '特例転入として記録')));
  const box = h('details', {}, h('summary', {}, '特例転入'), form);
  // The request filled in from the 転出証明書情報, loaded when opened: each name may be
  // corrected (a character this municipality's table lacks shows as [J+XXXX]).
  box.addEventListener('toggle', async () => {
    if (!box.open || pre) return;
    const r = await api('GET', `/cs/inbox/${encodeURIComponent(m.key)}/move-in`);
    if (!r.ok) return showError(form, r);
    pre = r.data;
    show(names, ...pre.change.persons.map((p, i) => h('div', { class: 'row' },
      field(`氏(${i + 1}人目)`, text(`family-${i}`, `change.persons[${i}].name`, { value: p.name.family })),
      field(`名(${i + 1}人目)`, text(`given-${i}`, `change.persons[${i}].name.given`, { value: p.name.given })))));
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!pre) return;
    const req = JSON.parse(JSON.stringify(pre));
    req.change.persons.forEach((p, i) => { p.name = { family: v(form, `family-${i}`), given: v(form, `given-${i}`) }; });
    req.effective_on = v(form, 'effective_on');
    req.change.address = { place: v(form, 'place'), banchi: v(form, 'banchi') };
    const r = await api('POST', '/changes', req);
    if (!r.ok) return showError(form, r);
    done(r, `特例転入を記録しました(${req.change.persons.length}人)`);
  });
  return box;
}

// CSから受信した転入通知の受理 (4.1.3.1.2): a 転入通知 not applied by itself (no 転出者
// found, a character garbled, a notice sent again for a 除票 already complete) is taken
// in by staff, the 転出者, the 転出先住所 and the 転入日 corrected where needed.
function noticeFix(m, done) {
  const form = h('form', { novalidate: true },
    field('転出者の宛名番号', text('person_id', 'person_id', { inputmode: 'numeric' }), { hint: '住民票コードで見つからない場合' }),
    field('転出先住所(町字まで)', text('place', 'destination')),
    field('番地', text('banchi', 'destination.banchi')),
    field('転入日', text('moved_on', 'moved_on', { placeholder: '例: 令和8年12月3日' })),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary button-small', type: 'submit' }, '転入通知を反映')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { person_id: v(form, 'person_id') ? Number(v(form, 'person_id')) : undefined, moved_on: opt(v(form, 'moved_on')),
      destination: v(form, 'place') ? { place: v(form, 'place'), banchi: v(form, 'banchi') } : undefined };
    const r = await api('POST', `/cs/inbox/${encodeURIComponent(m.key)}/apply`, body);
    if (!r.ok) return showError(form, r);
    done(r, '転入通知を反映しました');
  });
  return h('details', {}, h('summary', {}, '確認して反映'), form);
}

async function csScreen(main, q) {
  const state = q.get('state') || '';
  const kind = q.get('kind') || '';
  const ward = q.get('ward') || '';
  // 照会・一覧表 by state, kind and (指定都市) 行政区.
  const query = new URLSearchParams(Object.entries({ state, kind, ward }).filter(([, x]) => x)).toString();
  const [stRes, res, inRes, places] = await Promise.all([api('GET', '/cs/status'), api('GET', `/cs/items${query ? `?${query}` : ''}`),
    api('GET', '/cs/inbox?state=new,failed'), api('GET', '/places')]);
  const wards = (places.ok ? places.data : []).filter((p) => p.kind === '区役所' && p.ward).map((p) => p.ward);
  const st = stRes.ok ? stRes.data : null;
  const list = res.ok ? res.data : [];
  const inbox = inRes.ok ? inRes.data : [];
  const out = h('div', { 'aria-live': 'polite', id: 'cs-out' });
  const done = async (r, message) => {
    if (!r.ok) { show($('#cs-out'), banner('error', r.data ? r.data.message : '処理できませんでした')); return; }
    await route();
    show($('#cs-out'), typeof message === 'function' ? message(r.data) : banner('success', message));
  };
  const button = (label, onclick, kind = 'secondary') => h('button', { class: `button button-${kind}`, type: 'button', onclick }, label);
  const send = button('今すぐ送信する', async () => done(await api('POST', '/cs/send', {}), (d) =>
    d.failure ? banner('error', `CSに接続できませんでした: ${d.failure}(未送信のまま、次の送信で再試行します)`)
      : banner('success', `送信済み${d.accepted.length}件、エラー${d.refused.length}件、文字変換待ち${d.held.length}件、待機${d.waiting}件`)), 'primary');
  const manual = st && button(st.settings.manual ? '自動送信に戻す' : '手動連携に切り替える',
    async () => done(await api('PUT', '/cs/settings', { manual: !st.settings.manual }), st.settings.manual ? '自動送信に戻しました' : '手動連携に切り替えました(自動送信を停止)'));
  const reconcile = button('整合性確認', async () => done(await api('POST', '/cs/reconcile', {}), (d) => d.length === 0
    ? banner('success', 'CSの本人確認情報と相違はありません')
    : h('div', {}, banner('warning', `CSの本人確認情報との相違 ${d.length}件`),
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['住民票コード', '宛名番号', '相違', '未送信'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, d.map((x) => h('tr', {}, h('td', {}, x.juminhyo_code), h('td', {}, x.person_id ? h('a', { href: `#/person/${x.person_id}` }, String(x.person_id)) : '—'),
          h('td', {}, x.items.join('・'), x.person_id && x.items.includes('交付抑止')
            ? button('交付抑止情報を再送', async () => done(await api('POST', '/cs/holds', { person_ids: [x.person_id] }), `宛名番号${x.person_id}の交付抑止情報を送信待ちにしました`)) : null),
          h('td', {}, x.unsent ? '未送信あり' : ''))))))));
  const codes = h('form', { class: 'row', novalidate: true },
    field('取得する件数', text('count', 'count', { value: '1000', inputmode: 'numeric' })),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '空きコードを取得')));
  codes.addEventListener('submit', async (e) => { e.preventDefault(); done(await api('POST', '/cs/codes', { count: Number(v(codes, 'count')) }), '空きコードを取得しました'); });
  // Requests about one person (7.1.2.1, 7.1.2.2, 7.1.2.4) and the 送付先 (7.1.1.4).
  const requests = h('form', { class: 'row', novalidate: true },
    field('宛名番号', text('person_id', 'person_id', { inputmode: 'numeric' })),
    field('要求', select('kind', [['number_change', '個人番号変更要求'], ['symbol', '符号取得要求'], ['certificate_serial', '電子証明書シリアル番号の取得']], 'kind')),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '要求を送信待ちにする')));
  requests.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', `/cs/persons/${encodeURIComponent(v(requests, 'person_id'))}/requests`, { kind: v(requests, 'kind') });
    if (!r.ok) return showError(requests, r);
    done(r, `送信番号${r.data.id}(${r.data.kind})を送信待ちにしました`);
  });
  const sending = h('form', { novalidate: true },
    h('div', { class: 'row' },
      field('宛名番号', text('person_id', 'person_id', { inputmode: 'numeric' })),
      field('居所(町字まで)', text('place', 'address.place'), { hint: '空欄で送付先の設定を解除(住所に送付)' }),
      field('番地', text('banchi', 'address.banchi')),
      field('方書', text('katagaki', 'address.katagaki')),
      field('印刷区分', text('print_category', 'print_category'), { hint: '電文仕様のコード(英数字)' })),
    checkbox('special_circumstances', '特別な事情がある者', 'true', false),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '送付先を設定')));
  sending.addEventListener('submit', async (e) => {
    e.preventDefault();
    const place = v(sending, 'place');
    const address = place ? { place, banchi: v(sending, 'banchi'), katagaki: opt(v(sending, 'katagaki')) || null } : null;
    const r = await api('PUT', `/cs/persons/${encodeURIComponent(v(sending, 'person_id'))}/sending-address`,
      { address, print_category: opt(v(sending, 'print_category')), special_circumstances: sending.elements.special_circumstances.checked });
    if (!r.ok) return showError(sending, r);
    done(r, place ? '送付先(居所)を設定し、送付先情報を送信待ちにしました' : '送付先の設定を解除し、送付先情報を送信待ちにしました');
  });
  const chars = csvForm('変換表(CSV)', '見出しに 住基ネット統一文字コード と 実装したMoji_JohoコレクションIVS または 対応するUCS(MJ文字情報一覧表の列)',
    3, h('button', { class: 'button button-secondary', type: 'submit' }, '変換表を取り込む'), '/cs/chars',
    (d) => show($('#cs-out'), banner('success', `変換表を${d.loaded}件取り込みました(計${d.total}件)`)));
  const filter = h('form', { class: 'row', novalidate: true }, field('状態', select('state', CS_STATES, 'state')),
    field('電文', select('kind', CS_KINDS, 'kind')),
    wards.length ? field('行政区', select('ward', [['', 'すべての区'], ...wards.map((w) => [w, w])], 'ward')) : null,
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '表示'),
      button('一覧表(CSV)', async () => {
        const r = await api('GET', `/cs/items?format=csv${query ? `&${query}` : ''}`);
        show($('#cs-out'), r.ok ? pdfLink(r.data, '一覧表を保存する', 'cs-items.csv') : banner('error', r.data ? r.data.message : '作成できませんでした'));
      })));
  filter.elements.state.value = state;
  filter.elements.kind.value = kind;
  if (filter.elements.ward) filter.elements.ward.value = ward;
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    const asked = new URLSearchParams(['state', 'kind', 'ward'].map((k) => [k, filter.elements[k] ? v(filter, k) : '']).filter(([, x]) => x)).toString();
    location.hash = `#/cs${asked ? `?${asked}` : ''}`;
  });
  const actions = (i) => {
    const cells = [];
    if (['refused', 'accepted'].includes(i.state)) {
      const reason = text(`reason-${i.id}`, 'reason', { placeholder: i.reason, 'aria-label': `送信番号${i.id}の再送信時の異動事由` });
      cells.push(reason, button('再送信', async () => done(await api('POST', `/cs/items/${i.id}/resend`, { reason: reason.value }), `送信番号${i.id}を再送信の対象にしました`)));
    }
    if (['pending', 'held', 'refused'].includes(i.state)) {
      const fieldName = select(`sup-field-${i.id}`, ['氏名', '振り仮名', '旧氏', '住所'], 'field');
      const value = text(`sup-${i.id}`, 'value', { placeholder: '[J+XXXX] で文字コードを指定', 'aria-label': `送信番号${i.id}の補完する内容` });
      cells.push(h('details', {}, h('summary', {}, '補完'), fieldName, value,
        button('補完して送信待ちにする', async () => done(await api('POST', `/cs/items/${i.id}/supplement`, { fields: { [fieldName.value]: value.value } }), `送信番号${i.id}を補完しました`))),
      button('送信取消し', async () => done(await api('POST', `/cs/items/${i.id}/withdraw`, {}), `送信番号${i.id}の送信を取り消しました`)));
    }
    return cells;
  };
  const waiting = st ? Object.entries(st.waiting_chars) : [];
  show(main, h('h1', {}, '住基ネット連携(CS)'), !res.ok ? banner('error', res.data.message) : null,
    st && !st.configured ? banner('warning', 'このサーバにはCSとの連携が設定されていません(KIKAN_CS)。送信データは蓄積されます。') : null,
    st && st.codes.alert ? banner('warning', `住民票コードの空きコードが残り${st.codes.free}件です(${st.codes.alert_below}件未満)。CSから取得してください。`) : null,
    st && st.settings.manual ? banner('info', `手動連携中(${st.settings.manual_by || ''}が切替): 自動送信を停止しています`) : null,
    out,
    st ? h('dl', { class: 'summary' },
      h('dt', {}, '連携先'), h('dd', {}, st.link || '未設定'),
      h('dt', {}, '稼働状況'), h('dd', {}, st.failures ? `接続できません(${st.failures}回連続): ${st.last_failure || ''}` : (st.last_ok ? `正常(最終応答 ${st.last_ok.replace('T', ' ').slice(0, 19)})` : '未接続')),
      h('dt', {}, '送信待ち'), h('dd', {}, `未送信 ${st.pending}件、文字変換待ち ${st.held}件、エラー ${st.refused}件`),
      h('dt', {}, '住民票コード空きコード'), h('dd', {}, `${st.codes.free}件`)) : null,
    h('div', { class: 'actions' }, send, reconcile, manual),
    waiting.length ? h('div', {}, h('h2', {}, '住基ネット統一文字に変換できない文字'),
      h('ul', {}, waiting.map(([c, ids]) => h('li', {}, h('span', { class: 'glyph' }, c), ` U+${[...c].map((x) => x.codePointAt(0).toString(16).toUpperCase()).join(' U+')}(送信番号 ${ids.join('、')})`)))) : null,
    h('h2', {}, `受信した電文(未処理・取込エラー) ${inbox.length}件`),
    button('今すぐ受信する', async () => done(await api('POST', '/cs/receive', {}), (d) =>
      d.failure ? banner('error', `CSに接続できませんでした: ${d.failure}`)
        : banner('success', `受信${d.kept}件、転入通知の反映${d.applied.length}件、取込エラー${d.failed.length}件`))),
    inbox.length === 0 ? h('p', {}, '未処理の受信データはありません。') :
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['受信', '送信元', '対象者', '内容', '状態', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, inbox.map((m) => h('tr', {}, h('td', {}, m.kind, h('div', { class: 'muted' }, m.key)), h('td', {}, m.from),
          h('td', {}, m.name, h('div', { class: 'muted' }, `住民票コード ${m.juminhyo_code}`)),
          h('td', {}, m.kind === '転出証明書情報' ? `転出先 ${m.other_address || ''}(転出予定 ${wareki(m.moved_on)})` : m.kind === '転入通知' ? `転入先 ${m.address}(転入 ${wareki(m.moved_on)})` : m.address),
          h('td', {}, m.state_label, m.error ? h('div', { class: 'error-text' }, m.error) : null),
          h('td', {}, m.kind === '転出証明書情報' && m.state === 'new' ? specialMoveIn(m, done) : m.kind === '転入通知' ? noticeFix(m, done) : null))))),
    filter,
    h('h2', {}, `送信データ ${list.length}件`),
    list.length === 0 ? h('p', {}, '該当する送信データはありません。') :
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['送信番号', '電文・異動', '対象者', '住民票コード', '状態', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, list.map((i) => h('tr', {}, h('td', {}, String(i.id), i.resends ? h('div', { class: 'muted' }, `再送元 ${i.resends}`) : null),
          h('td', {}, h('div', {}, i.kind), `${i.reason} ${wareki(i.effective_on)}`, i.removed_on ? h('div', { class: 'muted' }, '消除') : null,
            i.to ? h('div', { class: 'muted' }, `宛先 ${i.to}`) : null, i.detail ? h('div', { class: 'muted' }, i.detail) : null),
          h('td', {}, h('a', { href: `#/person/${i.person_id}` }, i.name), h('div', { class: 'muted' }, i.address)),
          h('td', {}, i.juminhyo_code),
          h('td', {}, i.state_label, i.error ? h('div', { class: 'error-text' }, `${i.error_code} ${i.error}`) : null,
            i.chars.length ? h('div', { class: 'error-text' }, `変換できない文字: ${i.chars.join(' ')}`) : null,
            i.attempts ? h('div', { class: 'muted' }, `未達${i.attempts}回: ${i.last_failure || ''}`) : null,
            Object.keys(i.supplement).length ? h('div', { class: 'muted' }, `補完: ${Object.entries(i.supplement).map(([k, x]) => `${k}=${x}`).join('、')}`) : null),
          h('td', {}, actions(i)))))),
    h('h2', {}, '個人番号・符号・電子証明書シリアル番号の要求'), requests,
    h('h2', {}, '送付先(居所)の設定'), sending,
    h('h2', {}, '住民票コード空きコードの取得'), codes,
    h('h2', {}, '住基ネット統一文字との変換表'), chars);
}

// ---------- 異動: 受付 (draft) ----------
// 続柄 (1.1.11): 世帯主; the eleven terms, or up to four of them joined by 「の」 (子の子,
// 妻の父, 子の子の子の子); 縁故者; 同居人. The list (every term and every pair) comes from
// the server once; longer chains are typed, and the server checks every form (孫 or 祖父
// are refused with the form to use).
// 国名 (1.3.3): the 住所辞書's country list, offered for a 国籍・地域 (loaded once).
function countryInput(name, dataField) {
  if (!document.getElementById('countries')) {
    const list = h('datalist', { id: 'countries' });
    (document.body || document.documentElement).append(list);
    api('GET', '/address-dictionary/countries').then((r) => { if (r.ok) list.replaceChildren(...r.data.map((c) => h('option', { value: c.name }))); });
  }
  return text(name, dataField, { list: 'countries', autocomplete: 'off' });
}
function relationshipInput(name, dataField, value, attrs) {
  if (!document.getElementById('relationships')) {
    const list = h('datalist', { id: 'relationships' });
    (document.body || document.documentElement).append(list);
    api('GET', '/relationships').then((r) => { if (r.ok) list.replaceChildren(...r.data.map((x) => h('option', { value: x }))); });
  }
  return text(name, dataField, Object.assign({ list: 'relationships', value, autocomplete: 'off' }, attrs || {}));
}

// 4.0.3: the 異動日 starts blank; 4.1.0.2, 4.2.0.4, 4.2.0.5: the 届出日 (one item with the
// 戸籍届出・通知日 and the 申出日, as the standard allows) starts as today, and its label
// follows the basis chosen.
const DATE_OF_BASIS = { 届出: '届出日', 職権: '戸籍届出・通知日', 申出: '申出日' };
function notificationFields(prefix) {
  const notified = field('届出日', text('notified_on', 'notified_on', { value: japanToday() }), { required: true, hint: '処理当日を表示しています。14日を過ぎた届出は遅延として記録されます' });
  const basis = select('basis', [['届出', '届出'], ['職権', '職権(届出によらない)'], ['申出', '申出による職権']], 'basis');
  basis.addEventListener('change', () => {
    const label = $('label', notified);
    if (label && label.firstChild) label.firstChild.textContent = DATE_OF_BASIS[basis.value] || '届出日';
  });
  return h('fieldset', {}, h('legend', {}, '届出'),
    h('div', { class: 'row' },
      field('異動日', text('effective_on', 'effective_on', { value: '' }), { required: true, hint: '例: 令和8年4月1日(出生・死亡・失踪・転入は 令和2年頃 などの不詳日も可)' }),
      notified,
      field('届出人', text('notifier_name', `${prefix}notifier`), { hint: '氏名' }),
      field('資格', select('notifier_capacity', ['本人', '世帯主', '同一世帯員', '代理人'], `${prefix}notifier.capacity`)),
      // 4.2.0.2 / 4.2.0.5: a 届出's change made by 職権, or by 職権 on a 申出.
      field('記載の根拠', basis)));
}
// 住所辞書 (1.3.3): an address is taken from the dictionary by 住所カナ入力 (「ト ヒ シ」), by
// 郵便番号, or by choosing 都道府県 → 市区町村 → 大字 → 小字 from lists; the 町字 fills the
// 住所 and its 住所コード (kept in a hidden field, cleared when the text is typed over).
// 方書入力補助 (4.0.7): the 方書 registered at the 番地 entered are offered as candidates
// (never the other way round: the standard forbids choosing an address from a 方書).
// The look-ups of the 住所辞書: 住所カナ・郵便番号 and the lists; `take` gets the 町字
// chosen, `takeLine` a line of the postal code file (an address outside the dictionary).
function addressPicker(name, abolishedToo, take, takeLine) {
  const found = h('div', { class: 'address-found', 'aria-live': 'polite' });
  const chosen = (t) => { show(found); take(t); };
  const offer = (towns, postalLines) => {
    if (!towns.length && !(postalLines || []).length) { show(found, h('p', { class: 'muted' }, '住所辞書に該当がありません。')); return; }
    show(found, h('ul', { class: 'plain' },
      towns.map((t) => h('li', {}, h('button', { class: 'button button-secondary button-small', type: 'button', onclick: () => chosen(t) },
        `${t.text}${t.postal_code ? `(〒${t.postal_code})` : ''}${t.abolished_on ? '(廃止)' : ''}`))),
      takeLine ? (postalLines || []).map((e) => h('li', {}, h('button', { class: 'button button-secondary button-small', type: 'button',
        onclick: () => { show(found); takeLine(e); } }, `${e.text}(郵便番号簿)`))) : []));
  };
  const lookup = text(`${name}lookup`, `${name}lookup`, { size: 16, autocomplete: 'off' });
  const abolished = abolishedToo ? '&abolished=true' : '';
  const search = async () => {
    const q = lookup.value.trim();
    if (!q) return;
    const digits = q.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0)).replace(/[-－ー]/g, '');
    const path = /^\d{7}$/.test(digits) ? `/address-dictionary/towns?postal_code=${digits}${abolished}` : `/address-dictionary/towns?kana=${encodeURIComponent(q)}${abolished}`;
    const r = await api('GET', path);
    if (!r.ok) { show(found, banner('error', r.data ? r.data.message : '検索できませんでした')); return; }
    offer(r.data.towns, r.data.postal);
  };
  lookup.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); search(); } });
  // The lists 都道府県 → 市区町村 → 大字 → 小字.
  const levels = h('div', { class: 'row address-levels' });
  const LEVEL_NAMES = ['都道府県', '市区町村', '大字・町', '小字・丁目'];
  const openLevel = async (parent, depth) => {
    $$('.field', levels).slice(depth).forEach((el) => el.remove());
    const r = depth < 4 ? await api('GET', `/address-dictionary/levels?parent=${parent}${abolished}`) : { ok: true, data: [] };
    if (!r.ok) return;
    if (!r.data.length) {
      // The bottom: the 町字 itself (a 大字 without 小字 is one).
      const t = await api('GET', `/address-dictionary/towns?code=${parent}${abolished}`);
      const exact = t.ok ? t.data.towns.find((x) => x.code === parent.padEnd(11, '0')) : null;
      if (exact) { $$('.field', levels).forEach((el) => el.remove()); chosen(exact); }
      return;
    }
    const sel = select(`${name}level${depth}`, [['', '(選択)'], ...r.data.map((i) => [i.code, i.name || '(大字なし)'])], `${name}level${depth}`);
    sel.addEventListener('change', () => { if (sel.value) openLevel(sel.value, depth + 1); });
    levels.append(field(LEVEL_NAMES[depth], sel));
    if (depth === 3) {
      // A 大字 may be chosen without a 小字.
      levels.append(h('div', { class: 'actions' }, h('button', { class: 'button button-secondary button-small', type: 'button', onclick: () => openLevel(parent, 4) }, '小字・丁目なしで選ぶ')));
    }
  };
  return { offer, take: chosen, element: h('div', { class: 'address-picker' },
    h('div', { class: 'row' },
      field('住所カナ・郵便番号で探す', lookup, { hint: '例: ト ヒ シ(各階層の読みの頭文字を空白で区切る)または 1910016' }),
      h('div', { class: 'actions' }, h('button', { class: 'button button-secondary button-small', type: 'button', onclick: search }, '住所辞書を検索'),
        h('button', { class: 'button button-secondary button-small', type: 'button', onclick: () => { show(found); openLevel('', 0); } }, '一覧から選ぶ'))),
    levels, found) };
}

// 住所辞書 (1.3.3): an address is taken from the dictionary by 住所カナ入力 (「ト ヒ シ」), by
// 郵便番号, or by choosing 都道府県 → 市区町村 → 大字 → 小字 from lists; the 町字 fills the
// 住所 and its 住所コード (kept in a hidden field, cleared when the text is typed over).
// 方書入力補助 (4.0.7): the 方書 registered at the 番地 entered are offered as candidates
// (never the other way round: the standard forbids choosing an address from a 方書).
function addressFields(legend, prefix, dataPrefix, opts) {
  const o = opts || {};
  const place = text(`${prefix}place`, `${dataPrefix}.place`, { size: 30 });
  const postal = text(`${prefix}postal_code`, `${dataPrefix}.postal_code`, { inputmode: 'numeric' });
  const code = h('input', { type: 'hidden', name: `${prefix}code`, dataset: { field: `${dataPrefix}.code` } });
  // 1.3.2: the 町字's 住居表示・地番 from the master, offered for the 番地.
  const banchiId = nextId('banchi');
  const banchi = text(`${prefix}banchi`, `${dataPrefix}.banchi`, { list: banchiId, autocomplete: 'off' });
  const banchiList = h('datalist', { id: banchiId });
  const loadNumbers = async () => {
    if (!code.value) { banchiList.replaceChildren(); return; }
    const r = await api('GET', `/address-dictionary/numbers?town=${code.value}`);
    banchiList.replaceChildren(...(r.ok ? r.data.filter((n) => !n.abolished_on).map((n) => h('option', { value: n.text })) : []));
  };
  const listId = nextId('katagaki');
  const katagaki = text(`${prefix}katagaki`, `${dataPrefix}.katagaki`, { list: listId, autocomplete: 'off' });
  const katagakiList = h('datalist', { id: listId });
  const codeShown = h('p', { class: 'muted' });
  const loadKatagaki = async () => {
    if (!code.value || !banchi.value.trim()) { katagakiList.replaceChildren(); return; }
    const r = await api('GET', `/address-dictionary/katagaki?town=${code.value}&banchi=${encodeURIComponent(banchi.value)}`);
    katagakiList.replaceChildren(...(r.ok ? r.data.map((k) => h('option', { value: k.name })) : []));
  };
  const picker = addressPicker(prefix, o.abolished, (t) => {
    place.value = t.text;
    code.value = t.code;
    if (t.postal_code) postal.value = t.postal_code;
    codeShown.textContent = `住所コード ${t.code}`;
    loadNumbers();
    loadKatagaki();
  }, (e) => { place.value = e.text; code.value = ''; postal.value = e.postal_code; codeShown.textContent = ''; });
  place.addEventListener('input', () => { code.value = ''; codeShown.textContent = ''; });
  postal.addEventListener('change', async () => {
    const digits = postal.value.replace(/[^0-9０-９]/g, '');
    if (digits.length !== 7 || place.value.trim()) return;
    const r = await api('GET', `/address-dictionary/towns?postal_code=${encodeURIComponent(postal.value)}${o.abolished ? '&abolished=true' : ''}`);
    if (!r.ok) return;
    if (r.data.towns.length === 1) picker.take(r.data.towns[0]); else picker.offer(r.data.towns, r.data.postal);
  });
  banchi.addEventListener('change', loadKatagaki);
  return h('fieldset', {}, h('legend', {}, legend), picker.element,
    h('div', { class: 'row' },
      field('郵便番号', postal),
      field('都道府県・市区町村・町字', place, { required: true }),
      field('番地', banchi),
      field('方書', katagaki, { hint: '建物名・部屋番号(登録された方書は候補に出ます)' })),
    banchiList, katagakiList, code, codeShown);
}
function addressOf(form, prefix) {
  return { postal_code: opt(v(form, `${prefix}postal_code`)), place: v(form, `${prefix}place`), banchi: v(form, `${prefix}banchi`), katagaki: opt(v(form, `${prefix}katagaki`)), code: opt(v(form, `${prefix}code`)) };
}
function notifier(form) {
  const name = v(form, 'notifier_name');
  return name ? { name, capacity: v(form, 'notifier_capacity') } : undefined;
}

function personFields(i, opts) {
  const p = `persons[${i}]`;
  const d = `change.persons[${i}]`;
  return h('fieldset', { class: 'person-block', dataset: { person: String(i) } }, h('legend', {}, `${i + 1}人目`),
    h('div', { class: 'row' },
      field('氏', text(`${p}.family`, `${d}.name`), { required: true }),
      field('名', text(`${p}.given`, `${d}.name.given`)),
      field('氏(振り仮名)', text(`${p}.kana_family`, `${d}.furigana`), { required: true }),
      field('名(振り仮名)', text(`${p}.kana_given`, `${d}.furigana.given`))),
    checkbox(`${p}.kana_confirmed`, '振り仮名を本人に確認した(フリガナ確認フラグ)'),
    // 旧氏 (1.1.7) as the 転出証明書 gives it (4.1.1.1).
    opts && opts.moveIn ? h('div', { class: 'row' },
      field('旧氏', text(`${p}.former_surname`, `${d}.former_surname`), { hint: '転出証明書に記載があるとき(日本人住民)' }),
      field('旧氏の振り仮名', text(`${p}.former_surname_kana`, `${d}.former_surname.furigana`)),
      checkbox(`${p}.former_surname_kana_confirmed`, '旧氏の振り仮名を本人に確認した')) : null,
    h('div', { class: 'actions' },
      i > 0 ? h('button', { class: 'button button-secondary button-small', type: 'button', onclick: (e) => applyHeadSurname(e.target.closest('fieldset')) }, '世帯主の氏を適用') : null,
      h('button', { class: 'button button-secondary button-small', type: 'button', onclick: (e) => applyHonsekiHeadSurname(e.target.closest('fieldset')) }, '筆頭者の氏を適用')),
    h('div', { class: 'row' },
      field('生年月日', text(`${p}.birth_date`, `${d}.birth_date`), { required: true }),
      field('性別', select(`${p}.sex`, ['男', '女'], `${d}.sex`), { required: true }),
      field('続柄', relationshipInput(`${p}.relationship`, `${d}.relationship`, i === 0 ? '世帯主' : '子'), { required: true, hint: '例: 妻、子、子の子、妻の父(4世代まで「の」でつなぐ)' }),
      field('個人番号', text(`${p}.individual_number`, `${d}.individual_number`, { inputmode: 'numeric', autocomplete: 'off' }), { hint: '12桁(任意)' })),
    h('div', { class: 'row' },
      field('本籍', honsekiInput(p, d), { hint: '候補から選べます。「なし」「不明」も可' }),
      field('筆頭者', headNameInput(p, d), { hint: '候補: 入力した人の氏名' }),
      // 本籍 from the 住所辞書 (1.3.3), old 町名 included.
      h('details', { class: 'honseki-dictionary' }, h('summary', {}, '本籍を住所辞書から選ぶ'),
        addressPicker(`${p}.honseki_`, true, (t) => { const el = $(`[name="${p}.domicile"]`); if (el) el.value = t.text; }).element),
      // 再転入者 (4.1.1.2): the 宛名番号 of their 除票, which the record takes up again;
      // the 除票's items can be taken into the form and corrected there.
      field('再転入者の宛名番号', text(`${p}.returning_person_id`, `${d}.returning_person_id`, { inputmode: 'numeric' }), { hint: '除票がある人のみ(個人番号・住民票コード・在留カード等番号が除票と一致するときは必須)' }),
      h('div', { class: 'field' }, h('button', { class: 'button button-secondary button-small', type: 'button', onclick: (e) => takeFromRemoved(e.target.closest('fieldset'), p) }, '除票から取り込む'),
        h('span', { class: 'hint', 'aria-live': 'polite', dataset: { taken: p } })),
      // 1.1.7: back from abroad where they emigrated from, the 旧氏・通称 kept on the 除票 return.
      checkbox(`${p}.keep_former_names`, '旧氏・通称を引き継ぐ(国外転出後、最初の国外からの転入)'),
      // 4.1.0.1: a child whose 出生届 comes with the 転入届 is recorded as moving in.
      checkbox(`${p}.with_birth`, '出生届と同時に届け出た子(転出証明書に記載なし。異動事由は転入)')),
    // 外国人住民 (1.1.2): the 法第30条の45 items; 国籍・地域 makes the record a foreign one.
    h('fieldset', { class: 'subgroup' }, h('legend', {}, '外国人住民の事項(外国人住民のみ)'),
      h('div', { class: 'row' },
        field('国籍・地域', countryInput(`${p}.nationality`, `${d}.foreign.nationality`), { hint: '住所辞書の国名から選べます' }),
        field('30条45規定区分', select(`${p}.category`, FOREIGN_CATEGORIES, `${d}.foreign.category`)),
        field('在留資格', text(`${p}.status`, `${d}.foreign.status`), { hint: '中長期在留者のみ' }),
        field('在留期間', text(`${p}.period`, `${d}.foreign.period`), { hint: '例: 3年' }),
        field('在留期間の満了日', text(`${p}.expires_on`, `${d}.foreign.expires_on`), { hint: '西暦・和暦どちらでも' }),
        field('在留カード等番号', text(`${p}.card_number`, `${d}.foreign.card_number`, { autocomplete: 'off' }), { hint: '英字2・数字8・英字2' })),
      h('div', { class: 'row' },
        field('氏名（漢字）(氏)', text(`${p}.kanji_family`, `${d}.foreign.kanji_name`)), field('氏名（漢字）(名)', text(`${p}.kanji_given`, `${d}.foreign.kanji_name.given`)),
        field('漢字氏名の振り仮名(氏)', text(`${p}.kanji_kana_family`, `${d}.foreign.kanji_furigana`)), field('漢字氏名の振り仮名(名)', text(`${p}.kanji_kana_given`, `${d}.foreign.kanji_furigana.given`))),
      h('div', { class: 'row' },
        field('外国人住民となった年月日', text(`${p}.foreign_resident_since`, `${d}.foreign.foreign_resident_since`), { hint: '転出証明書の日付(「平成24年頃」等の不詳日も可)。空欄で異動日' }),
        field('旧外登法による登録年月日', text(`${p}.old_law_registered_on`, `${d}.foreign.old_law_registered_on`), { hint: '不詳可(例: 昭和60年頃)' }),
        field('住居地の届出', select(`${p}.residence_notified`, YES_NO, `${d}.foreign.residence_notified`)),
        field('上陸許可証による転入', select(`${p}.landing_permit`, YES_NO, `${d}.foreign.landing_permit`))),
      h('div', { class: 'row' },
        field('通称(転出証明書)', text(`${p}.alias`, `${d}.foreign.alias.name`)), field('通称の振り仮名', text(`${p}.alias_kana`, `${d}.foreign.alias.furigana`)),
        field('通称を記載した年月日', text(`${p}.alias_on`, `${d}.foreign.alias.recorded_on`)),
        field('通称を記載した市区町村コード', text(`${p}.alias_code`, `${d}.foreign.alias.municipality_code`, { inputmode: 'numeric' })),
        field('通称を記載した市区町村', text(`${p}.alias_body`, `${d}.foreign.alias.municipality_name`)))));
}

const YES_NO = [['', 'なし'], ['yes', 'あり']];
const KEEP_YES_NO = [['', '変更しない'], ['yes', 'あり'], ['no', 'なし']];

// The 1.1.2 items beside the 30条の45 ones (g reads a block's fields; prefix p): a field
// left blank is not sent.
function foreignMore(g, p) {
  const name = (fam, giv) => (g(fam) ? { family: g(fam), given: g(giv) } : undefined);
  return {
    kanji_name: name(`${p}kanji_family`, `${p}kanji_given`), kanji_furigana: name(`${p}kanji_kana_family`, `${p}kanji_kana_given`),
    old_law_registered_on: opt(g(`${p}old_law_registered_on`)),
    residence_notified: g(`${p}residence_notified`) === '' ? undefined : g(`${p}residence_notified`) === 'yes',
    landing_permit: g(`${p}landing_permit`) === '' ? undefined : g(`${p}landing_permit`) === 'yes',
  };
}

// The person items every form of a new person sends: the name, birth, 本籍 of a Japanese
// resident or the 30条の45 items of a foreign one (g reads the block's fields).
function personBody(g) {
  const person = {
    name: { family: g('family'), given: g('given') }, furigana: { family: g('kana_family'), given: g('kana_given'), confirmed: !!g('kana_confirmed') },
    birth_date: g('birth_date'), sex: g('sex'), relationship: g('relationship'),
    former_surname: g('former_surname') ? { surname: g('former_surname'), furigana: opt(g('former_surname_kana')), furigana_confirmed: !!g('former_surname_kana_confirmed') } : undefined,
    individual_number: opt(g('individual_number')),
  };
  if (g('domicile')) person.honseki = { domicile: g('domicile'), head_name: g('head_name') };
  if (g('nationality')) {
    person.foreign = Object.assign({ nationality: g('nationality'), category: g('category'), status: opt(g('status')), period: opt(g('period')),
      expires_on: opt(g('expires_on')), card_number: opt(g('card_number')), foreign_resident_since: opt(g('foreign_resident_since')),
      alias: g('alias') ? { name: { family: g('alias'), given: '' }, furigana: g('alias_kana') ? { family: g('alias_kana'), given: '' } : undefined,
        recorded_on: g('alias_on'), municipality_code: g('alias_code'), municipality_name: g('alias_body') } : undefined }, foreignMore(g, ''));
  }
  return person;
}

// 一括入力 (4.0.10): a person added takes what the person before them was entered with —
// the 氏 and its reading, and for a Japanese the 本籍 and 筆頭者, for a foreign resident the
// 国籍・地域 and 30条45規定区分 (the two kept apart); never a 旧氏. The 異動日, 届出日 and
// addresses are the form's, one for all.
function carryOver(from, to) {
  const get = (k) => { const el = from.querySelector(`[name$=".${k}"]`); return el ? el.value : ''; };
  const put = (k, val) => { const el = to.querySelector(`[name$=".${k}"]`); if (el && val && !el.value) el.value = val; };
  put('family', get('family')); put('kana_family', get('kana_family'));
  if (get('nationality')) {
    put('nationality', get('nationality'));
    const category = to.querySelector('[name$=".category"]');
    if (category) category.value = get('category');
  }
  else { put('domicile', get('domicile')); put('head_name', get('head_name')); }
}

// 一括入力 (4.0.10): the 氏 of the 世帯主 entered (or of the household's, on its form).
function applyHeadSurname(block) {
  const form = block.closest('form');
  const head = $$('[data-person]', form).find((fs) => { const r = fs.querySelector('[name$=".relationship"]'); return r && r.value === '世帯主'; });
  const family = head ? head.querySelector('[name$=".family"]').value : '';
  const kana = head ? head.querySelector('[name$=".kana_family"]').value : '';
  if (!family) return;
  block.querySelector('[name$=".family"]').value = family;
  if (kana) block.querySelector('[name$=".kana_family"]').value = kana;
}

// 一括入力 (4.0.10): the 氏 of the 筆頭者 entered for this person (up to the space).
function applyHonsekiHeadSurname(block) {
  const head = block.querySelector('[name$=".head_name"]').value.trim();
  const family = head.split(/[\s　]+/)[0];
  if (family) block.querySelector('[name$=".family"]').value = family;
}

// 一括入力 (4.0.10): 氏名, 筆頭者, 転入前・転出先の世帯主の氏名 and the 世帯主's apply to each
// other: a name field offers the names entered on the form and the household's members
// (data-names on the form).
function nameInput(name, dataField) {
  const listId = nextId('names');
  const input = text(name, dataField, { list: listId, autocomplete: 'off', 'data-names': '1' });
  const list = h('datalist', { id: listId });
  (document.body || document.documentElement).append(list);
  input.addEventListener('focus', () => {
    const form = input.form;
    if (!form) return;
    const names = new Set(JSON.parse(form.dataset.names || '[]'));
    for (const fs of $$('[data-person]', form)) {
      const f = fs.querySelector('[name$=".family"]').value;
      const g = fs.querySelector('[name$=".given"]').value;
      if (f) names.add(g ? `${f}　${g}` : f);
    }
    for (const el of $$('input[data-names]', form)) if (el !== input && el.value) names.add(el.value);
    list.replaceChildren(...[...names].map((x) => h('option', { value: x })));
  });
  return input;
}
// 筆頭者: one of those name fields.
const headNameInput = (p, d) => nameInput(`${p}.head_name`, `${d}.honseki.head_name`);

// 本籍入力補助 (4.0.6): the 本籍 field proposes the 現住所 and 転入前住所 entered, the 本籍 of
// the household's members (data-household on the form) and of the other persons entered,
// and なし・不明 (1.1.12). A member's 本籍 chosen brings its 筆頭者 when that is empty.
function honsekiInput(p, d) {
  const listId = nextId('honseki');
  const input = text(`${p}.domicile`, `${d}.honseki`, { size: 30, list: listId, autocomplete: 'off' });
  const list = h('datalist', { id: listId });
  (document.body || document.documentElement).append(list);
  const heads = new Map();
  input.addEventListener('focus', () => {
    const form = input.form;
    if (!form) return;
    heads.clear();
    const add = (val, head) => { if (val && !heads.has(val)) heads.set(val, head || ''); };
    const addr = (prefix) => { if (v(form, `${prefix}place`)) add(v(form, `${prefix}place`) + v(form, `${prefix}banchi`)); };
    addr('to_'); addr('from_');
    for (const m of JSON.parse(form.dataset.household || '[]')) add(m.honseki, m.head);
    // 再転入者 (4.0.6): the 本籍 of their own history that still exist (市町村合併).
    for (const c of JSON.parse(input.dataset.history || '[]')) add(c.domicile, c.head_name);
    for (const el of $$('input[name$=".domicile"]', form)) if (el !== input) add(el.value, v(form, el.name.replace(/domicile$/, 'head_name')));
    add('なし'); add('不明');
    list.replaceChildren(...[...heads.keys()].map((x) => h('option', { value: x })));
  });
  input.addEventListener('change', () => {
    const head = input.form && input.form.elements[`${p}.head_name`];
    if (head && !head.value && heads.get(input.value)) head.value = heads.get(input.value);
  });
  return input;
}

// 再転入者 (4.1.1.2): the 除票's items as they were at the 転出, into the form.
async function takeFromRemoved(block, p) {
  const note = $(`[data-taken="${p}"]`, block);
  const id = v(block, `${p}.returning_person_id`);
  if (!id) { note.replaceChildren('再転入者の宛名番号を入力してください'); return; }
  const r = await api('GET', `/persons/${encodeURIComponent(id)}`);
  if (!r.ok || r.data.register !== 'B') { note.replaceChildren(r.ok ? 'この宛名番号は除票ではありません' : (r.data && r.data.message) || '除票を表示できません'); return; }
  const x = r.data;
  const set = (k, val) => { const el = block.querySelector(`[name="${p}.${k}"]`); if (el && val != null) el.value = val; };
  set('family', x.name.family); set('given', x.name.given);
  set('kana_family', x.furigana.family); set('kana_given', x.furigana.given);
  set('birth_date', x.birth_date.shown); set('sex', x.sex);
  // 本籍 (4.0.6): from the person's history, never one whose municipality no longer exists.
  const hc = await api('GET', `/persons/${encodeURIComponent(id)}/honseki-candidates`);
  const offered = hc.ok ? hc.data.candidates : [];
  const domicile = block.querySelector(`[name="${p}.domicile"]`);
  if (domicile) domicile.dataset.history = JSON.stringify(offered);
  const current = offered.find((c) => c.domicile === x.honseki);
  if (current) { set('domicile', current.domicile); set('head_name', current.head_name); }
  const left = hc.ok && x.honseki && !current && !['なし', '不明'].includes(x.honseki)
    ? (hc.data.checked ? `本籍「${x.honseki}」は現在の市区町村にない(市町村合併等)ため取り込みませんでした。` : '郵便番号データが未登録のため、本籍は取り込みませんでした。')
    : '';
  if (['なし', '不明'].includes(x.honseki)) set('domicile', x.honseki);
  note.replaceChildren(`${x.name.full}さんの除票から取り込みました。${left}内容を確認し、必要なら修正してください。`);
}

// Where a change entered on `form` goes: committed at once (審査, when asked) or a draft.
const changePath = (form) => (can('commit_change') && form.elements.commit_now && form.elements.commit_now.checked ? '/changes' : '/drafts');
async function submitDraft(form, body, done) {
  clearErrors(form);
  const path = changePath(form);
  const res = await api('POST', path, body);
  if (!res.ok) return showError(form, res);
  done(res.data, path === '/changes');
}

// 排他制御 (10.3): a household's 異動 form holds it for this clerk; others may read it
// but not change it until the change is entered (the server gives the lock back then),
// the form is left, or 30 minutes pass.
async function holdHousehold(hid, purpose) {
  const r = await api('POST', '/locks', { subjects: [{ kind: 'household', id: Number(hid) }], purpose });
  if (r.ok) S.held = true;
  return r;
}
async function giveBack(leaving) {
  if (!S.held) return;
  S.held = false;
  await api('POST', '/locks/release', {}, leaving);
}
const lockedOut = (r) => banner('error', '他の職員が入力中です', ` ${r.data ? r.data.message : ''}`);

function draftDone(main, d, committed) {
  const box = h('div', { class: 'result', role: 'status', tabindex: '-1' },
    committed ? [h('p', { class: 'big' }, '異動を確定しました'), h('p', {}, `台帳番号 ${d.entry ? d.entry.seq : ''}`)]
      : [h('p', { class: 'big' }, `受付番号 ${d.id} を審査に回しました`), h('p', {}, '審査担当が内容を確認して確定します。'),
        h('a', { href: '#/drafts' }, '審査待ちの一覧へ')],
    // Alerts (11.1): what the change allowed but staff must act on (a household left without a head …).
    (d.warnings || []).map((w) => banner('warning', '注意', ` ${w}`)),
    committed && d.entry ? entryLetters(d.entry) : null,
    // A 転出 (not abroad) goes on to its 転出証明書.
    committed && d.entry && d.entry.change && d.entry.change.type === 'MoveOut' && !d.entry.change.abroad ? moveOutCertificate(d.entry.change.persons) : null);
  main.append(box);
  box.focus();
}

async function moveInScreen(main) {
  let count = 1;
  const people = h('div', {}, personFields(0, { moveIn: true }));
  const form = h('form', { novalidate: true },
    field('種類', select('kind', ['転入', '国外からの転入', '職権記載', '法第30条の46転入', '法第30条の47届出'], 'change.kind'), { hint: '国外からの転入・職権記載・法第30条の46転入・第30条の47届出では転入前住所は空欄でかまいません' }),
    notificationFields(''),
    addressFields('新しい住所', 'to_', 'change.address'),
    addressFields('転入前住所', 'from_', 'change.previous_address', { abolished: true }),
    field('転入前の世帯主の氏名', nameInput('previous_head', 'change.previous_head'), { hint: '転出証明書のとおり(入力した氏名・筆頭者から選べます)' }),
    // 未届転入・住所設定 (4.1.1.4, 4.2.1.1).
    h('div', { class: 'row' },
      checkbox('unnotified', '未届転入(転入前住所は届出のなかった直近の住所)'),
      field('最終登録住所地', text('last_registered', 'change.last_registered_address', { size: 30 }), { hint: '住民登録のあった最後の住所(任意)' })),
    h('h2', {}, '転入する人'), people,
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'button', id: 'add-person', onclick: () => {
      const added = personFields(count++, { moveIn: true });
      people.append(added);
      const before = $$('[data-person]', people);
      if (before.length > 1) carryOver(before[before.length - 2], added);
    } }, '人を追加')),
    can('commit_change') ? checkbox('commit_now', '審査を経ずにこのまま確定する(審査担当のみ)') : null,
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, can('commit_change') ? '登録' : '受付(審査へ)')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const persons = $$('[data-person]', form).map((fs) => {
      const i = fs.dataset.person;
      const g = (k) => v(form, `persons[${i}].${k}`);
      return Object.assign(personBody(g), {
        returning_person_id: g('returning_person_id') ? Number(g('returning_person_id')) : undefined,
        keep_former_names: !!(form.elements[`persons[${i}].keep_former_names`] || {}).checked,
        with_birth: !!(form.elements[`persons[${i}].with_birth`] || {}).checked,
      });
    });
    submitDraft(form, {
      effective_on: v(form, 'effective_on'), notified_on: v(form, 'notified_on'), notifier: notifier(form), basis: v(form, 'basis'),
      change: { type: 'move_in', kind: v(form, 'kind'), persons, address: addressOf(form, 'to_'),
        previous_address: v(form, 'from_place') ? addressOf(form, 'from_') : undefined,
        unnotified: form.elements.unnotified.checked || undefined,
        last_registered_address: v(form, 'last_registered') ? { place: v(form, 'last_registered') } : undefined,
        previous_head: opt(v(form, 'previous_head')) },
    }, (d, committed) => draftDone(main, d, committed));
  });
  show(main, h('h1', {}, '転入の受付'), h('p', {}, '転出証明書(または特例転入の転出証明書情報)の内容を入力します。入力内容はすぐに住民記録と照合されます。'), form);
}

async function relocationScreen(main, q) {
  const hid = q.get('household');
  const res = await api('GET', `/households/${hid}`);
  if (!res.ok) { show(main, h('h1', {}, '転居の受付'), banner('error', res.data ? res.data.message : '世帯を表示できません')); return; }
  const hh = res.data;
  const lock = await holdHousehold(hid, '転居の受付');
  if (!lock.ok) { show(main, h('h1', {}, '転居の受付'), lockedOut(lock)); return; }
  const form = h('form', { novalidate: true },
    h('p', {}, `世帯: ${hh.address.line}(世帯番号 ${hh.id})`),
    hh.head_id == null ? banner('warning', '世帯主がいません', ' 世帯主変更で新しい世帯主を定めてください。') : null,
    h('fieldset', {}, h('legend', {}, '転居する人'),
      h('p', { class: 'hint' }, '世帯の一部が転居するときは、転居する人だけを選び、転居後の続柄(新しい世帯なら世帯主を1人)を入力します。既存の世帯に加わるときはその世帯番号も入力します。'),
      h('div', { class: 'checks', dataset: { field: 'change.person_ids' } },
        hh.members.map((m, i) => h('div', { class: 'row' }, checkbox('person_ids', `${m.name.full}(${m.relationship})`, m.id, true),
          field(`${m.name.full}の転居後の続柄`, relationshipInput(`rel-${m.id}`, `change.relationships[${i}].relationship`, m.relationship))))),
      field('加わる世帯の世帯番号', text('join_household_id', 'change.join_household_id', { inputmode: 'numeric' }), { hint: '一部の人が転居先の既存の世帯に加わるときのみ' })),
    notificationFields(''),
    addressFields('新しい住所', 'to_', 'change.address'),
    can('commit_change') ? checkbox('commit_now', '審査を経ずにこのまま確定する(審査担当のみ)') : null,
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, can('commit_change') ? '登録' : '受付(審査へ)')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const ids = $$('input[name=person_ids]:checked', form).map((c) => Number(c.value));
    const change = { type: 'relocation', person_ids: ids, address: addressOf(form, 'to_') };
    // Some of the household: into a new household, or joining one at the new address.
    if (ids.length < hh.members.length) {
      change.relationships = ids.map((id) => ({ person_id: id, relationship: v(form, `rel-${id}`) }));
      if (v(form, 'join_household_id')) change.join_household_id = Number(v(form, 'join_household_id'));
    }
    submitDraft(form, {
      effective_on: v(form, 'effective_on'), notified_on: v(form, 'notified_on'), notifier: notifier(form), basis: v(form, 'basis'),
      expect: [{ household_id: hh.id, version: hh.version }], change,
    }, (d, committed) => draftDone(main, d, committed));
  });
  show(main, h('h1', {}, '転居の受付'), form);
}

// The other 異動 of a household: one screen, the fields by type.
const HOUSEHOLD_CHANGES = [
  ['move_out', '転出'], ['move_out_confirmed', '転出確定(転入通知の受理)'], ['household_split', '世帯分離'],
  ['head_change', '世帯主変更'], ['household_merge', '世帯合併(この世帯を他の世帯へ)'],
  ['composition_change', '世帯構成変更(選んだ人を他の世帯へ)'], ['birth', '出生'], ['death', '死亡'],
  ['ex_officio_removal', '職権消除'], ['correction', '修正(職権修正・軽微な修正・誤記修正)'], ['residence_status_change', '在留資格等の変更(法第30条の50)'],
  ['foreign_removal', '法第30条の50による消除'], ['alias_record', '通称の記載'], ['alias_deletion', '通称の削除'],
  ['former_surname_record', '旧氏の記載'], ['former_surname_change', '旧氏の変更'], ['former_surname_deletion', '旧氏の削除'],
  ['nationality_change', '帰化・国籍取得・国籍喪失'], ['remake', '改製・再製(住民票を作り直す)'],
];
const FOREIGN_CATEGORIES = ['中長期在留者', '特別永住者', '一時庇護許可者', '仮滞在許可者', '出生による経過滞在者', '国籍喪失による経過滞在者'];
// 修正 (4.2.3): every item the record keeps, as 職権修正, 軽微な修正 (氏名・住所 only) or 誤記修正.
const CORRECTABLE = [['address', '住所(方書・郵便番号を含む。世帯全員)'], ['name', '氏名'], ['furigana', '振り仮名'], ['birth_date', '生年月日'], ['sex', '性別'], ['honseki', '本籍・筆頭者'],
  ['relationship', '続柄'], ['previous_address', '転入前住所'], ['became_resident_on', '住民となった年月日'], ['address_since', '住所を定めた年月日'],
  ['notified_on', '届出の年月日(転入)'], ['residence', '30条45規定区分・在留資格等(外国人住民)']];
const CORRECTION_KINDS = ['職権修正', '軽微な修正', '誤記修正'];

async function householdChangeScreen(main, q) {
  const hid = q.get('household');
  const res = await api('GET', `/households/${hid}`);
  if (!res.ok) { show(main, h('h1', {}, '異動の受付'), banner('error', res.data ? res.data.message : '世帯を表示できません')); return; }
  const hh = res.data;
  const lock = await holdHousehold(hid, '異動の受付');
  if (!lock.ok) { show(main, h('h1', {}, '異動の受付'), lockedOut(lock)); return; }
  const type = select('type', HOUSEHOLD_CHANGES, 'change.type');
  type.value = q.get('type') || 'move_out';
  const rows = hh.members.map((m, i) => h('tr', {},
    h('td', {}, h('input', { type: 'checkbox', name: 'target', value: String(m.id), id: `t-${m.id}`, 'aria-label': `${m.name.full}を対象にする` })),
    h('td', {}, h('label', { for: `t-${m.id}` }, m.name.full), m.id === hh.head_id ? h('span', { class: 'badge badge-ivs' }, '世帯主') : null),
    h('td', {}, (() => {
      return relationshipInput(`rel-${m.id}`, `change.relationships[${i}].relationship`, m.relationship, { 'aria-label': `${m.name.full}の続柄(異動後)` });
    })())));
  const specific = h('div', {});
  // 本籍入力補助 (4.0.6): the 現住所 and the members' 本籍 for the 出生 form.
  const candidates = [{ honseki: `${hh.address.place}${hh.address.banchi || ''}` },
    ...hh.members.filter((m) => m.honseki).map((m) => ({ honseki: m.honseki, head: m.honseki_head }))];
  const form = h('form', { novalidate: true, dataset: { household: JSON.stringify(candidates), names: JSON.stringify(hh.members.map((m) => m.name.full)) } },
    h('p', {}, `世帯: ${hh.address.line}(世帯番号 ${hh.id})`),
    hh.head_id == null ? banner('warning', '世帯主がいません', ' 世帯主変更で新しい世帯主を定めてください。') : null,
    field('異動の種類', type, { required: true }),
    h('fieldset', { dataset: { field: 'change.person_ids' } }, h('legend', {}, '世帯員'),
      h('p', { class: 'hint' }, '対象の人を選び、異動後の続柄を確認してください。世帯主が抜けるときは、残る人から新しい世帯主を選びます(選ばないときは、残る人が1人ならその人が職権で世帯主に、2人以上なら世帯主のいない世帯になります)。'),
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['対象', '氏名', '異動後の続柄'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows))),
    notificationFields(''), specific,
    can('commit_change') ? checkbox('commit_now', '審査を経ずにこのまま確定する(審査担当のみ)') : null,
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, can('commit_change') ? '登録' : '受付(審査へ)')));
  const drawSpecific = () => {
    const t = type.value;
    const parts = [];
    if (t === 'move_out') {
      parts.push(h('div', { class: 'row' }, field('転出予定日', text('planned_on', 'change.planned_on'), { required: true })), checkbox('abroad', '国外への転出'));
    }
    if (t === 'move_out_confirmed') parts.push(field('転入通知を送った団体のコード', text('notice_from', 'change.notice_from', { inputmode: 'numeric' }), { hint: '6桁' }));
    if (t === 'move_out' || t === 'move_out_confirmed') parts.push(addressFields('転出先', 'dest_', 'change.destination'));
    if (t === 'move_out') parts.push(field('転出先の世帯主の氏名', nameInput('destination_head', 'change.destination_head'), { hint: '世帯員・入力した氏名から選べます' }));
    if (t === 'birth') parts.push(personFields(0));
    if (t === 'household_merge' || t === 'composition_change') {
      parts.push(field('移る先の世帯番号', text('into_household_id', 'change.into_household_id', { inputmode: 'numeric' }), { required: true, hint: '同じ住所の世帯。続柄は移る先の世帯主から見たもの' }));
    }
    if (t === 'correction') {
      const item = select('correction_item', CORRECTABLE, 'change.correction.item');
      const values = h('div', {});
      const drawValues = () => {
        const i = item.value;
        if (i === 'address' || i === 'previous_address') show(values, addressFields('修正後の住所', 'corr_', 'change.correction.new'));
        // 本籍入力補助 (4.0.6): the same 本籍・筆頭者 of others in the household corrected with it.
        else if (i === 'honseki') {
          show(values, h('div', { class: 'row' },
            field('修正後の本籍', honsekiInput('corr', 'change.correction.new'), { required: true, hint: '現住所・世帯員の本籍から選べます' }),
            field('修正後の筆頭者', headNameInput('corr', 'change.correction.new'))),
          checkbox('same_honseki', '世帯内で同じ本籍・筆頭者の人も一括して修正する'));
        }
        else if (i === 'residence') {
          show(values, h('div', { class: 'row' },
            field('30条45規定区分', select('res_category', FOREIGN_CATEGORIES, 'change.correction.new.category'), { required: true }),
            field('在留資格', text('res_status', 'change.correction.new.status')), field('在留期間', text('res_period', 'change.correction.new.period'), { hint: '例: 3年' }),
            field('満了日', text('res_expires_on', 'change.correction.new.expires_on'), { hint: '在留期間・上陸期間・仮滞在期間の満了日' }),
            field('在留カード等番号', text('res_card_number', 'change.correction.new.card_number'))),
          h('p', { class: 'hint' }, '次の事項は、空欄のまま・「変更しない」のときは現在の内容のままです。'),
          h('div', { class: 'row' },
            field('氏名（漢字）(氏)', text('res_kanji_family', 'change.correction.new.kanji_name')), field('氏名（漢字）(名)', text('res_kanji_given', 'change.correction.new.kanji_name.given')),
            field('漢字氏名の振り仮名(氏)', text('res_kanji_kana_family', 'change.correction.new.kanji_furigana')), field('漢字氏名の振り仮名(名)', text('res_kanji_kana_given', 'change.correction.new.kanji_furigana.given'))),
          h('div', { class: 'row' },
            field('旧外登法による登録年月日', text('res_old_law_registered_on', 'change.correction.new.old_law_registered_on')),
            field('住居地の届出', select('res_residence_notified', KEEP_YES_NO, 'change.correction.new.residence_notified')),
            field('上陸許可証による転入', select('res_landing_permit', KEEP_YES_NO, 'change.correction.new.landing_permit'))));
        } else {
          show(values, h('div', { class: 'row' },
            field('修正後(氏・値)', text('new_value', 'change.correction.new'), { required: true, hint: '日付は和暦・西暦どちらでも' }),
            ['name', 'furigana'].includes(i) ? field('修正後(名)', text('new_given', 'change.correction.new.given')) : null),
          i === 'furigana' ? checkbox('new_kana_confirmed', '振り仮名を本人に確認した(フリガナ確認フラグ。読みが同じでも確認の記録として修正できます)') : null);
        }
      };
      item.addEventListener('change', drawValues);
      drawValues();
      parts.push(h('div', { class: 'row' },
        field('修正する事項', item, { required: true }),
        field('修正の種類', select('correction_kind', CORRECTION_KINDS, 'change.kind'), { required: true, hint: '軽微な修正は氏名・住所のみ' })), values);
    }
    if (t === 'residence_status_change') {
      parts.push(h('div', { class: 'row' },
        field('在留資格', text('status', 'change.status')), field('在留期間', text('period', 'change.period'), { hint: '例: 3年' }),
        field('満了日', text('expires_on', 'change.expires_on')), field('在留カード等番号', text('card_number', 'change.card_number'))));
    }
    // 改製・再製 (1.1.4): by 職権, on the 異動日; no item changes.
    if (t === 'remake') {
      parts.push(field('改製・再製の区分', select('remake_kind', [['改製', '改製(以前の履歴は改製原住民票へ)'], ['再製', '再製(滅失・き損した住民票を作り直す)']], 'change.kind'), { required: true }),
        h('p', { class: 'hint' }, '職権で行います。異動日が改製年月日(再製年月日)になります。'));
    }
    if (t === 'foreign_removal') parts.push(field('消除事由', select('reason', ['出国', '在留期間満了', '在留資格取消', '退去強制', '日本国籍取得'], 'change.reason'), { required: true }));
    if (t === 'former_surname_record' || t === 'former_surname_change') {
      parts.push(h('div', { class: 'row' },
        field('旧氏', text('surname', 'change.surname'), { required: true, hint: '請求日は届出日欄に入力' }),
        field('旧氏の振り仮名', text('surname_kana', 'change.furigana'))), checkbox('surname_kana_confirmed', '旧氏の振り仮名を本人に確認した'));
    }
    // 帰化・国籍取得・国籍喪失 (4.5.3–4.5.5): the same person, a new kind of record.
    if (t === 'nationality_change') {
      const kind = select('nat_kind', ['帰化', '国籍取得', '国籍喪失'], 'change.kind');
      const more = h('div', {});
      const drawMore = () => show(more, kind.value === '国籍喪失'
        ? h('div', { class: 'row' },
          field('国籍・地域', countryInput('nat_nationality', 'change.foreign.nationality'), { required: true }),
          field('30条45規定区分', select('nat_category', FOREIGN_CATEGORIES, 'change.foreign.category'), { required: true }),
          field('在留資格', text('nat_status', 'change.foreign.status')), field('在留期間', text('nat_period', 'change.foreign.period'), { hint: '例: 3年' }),
          field('満了日', text('nat_expires_on', 'change.foreign.expires_on')), field('在留カード等番号', text('nat_card_number', 'change.foreign.card_number')))
        : h('div', { class: 'row' },
          field('本籍', text('nat_domicile', 'change.honseki.domicile'), { required: true }),
          field('筆頭者', text('nat_head', 'change.honseki.head_name'), { required: true })));
      kind.addEventListener('change', drawMore);
      kind.value = q.get('kind') || '帰化';
      drawMore();
      parts.push(h('p', { class: 'hint' }, '宛名番号・住所・生年月日・性別・続柄・住所を定めた年月日・住民票コード・個人番号・転入前住所は引き継ぎます。異動日は帰化・国籍取得・国籍喪失の日、届出日は戸籍の届出・通知の日です。'),
        h('div', { class: 'row' }, field('種類', kind, { required: true }),
          field('異動後の氏名(氏)', text('nat_family', 'change.name'), { required: true }), field('異動後の氏名(名)', text('nat_given', 'change.name.given')),
          field('振り仮名(氏)', text('nat_kana_family', 'change.furigana'), { required: true }), field('振り仮名(名)', text('nat_kana_given', 'change.furigana.given'))),
        more);
    }
    if (t === 'alias_record') {
      parts.push(h('div', { class: 'row' },
        field('通称(氏)', text('alias_family', 'change.alias'), { required: true }), field('通称(名)', text('alias_given', 'change.alias.given')),
        field('通称の振り仮名(氏)', text('alias_kana_family', 'change.furigana')), field('通称の振り仮名(名)', text('alias_kana_given', 'change.furigana.given'))),
        checkbox('alias_kana_confirmed', '通称の振り仮名を本人に確認した'));
    }
    show(specific, parts);
  };
  type.addEventListener('change', drawSpecific);
  drawSpecific();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const t = type.value;
    const targets = $$('input[name=target]:checked', form).map((c) => Number(c.value));
    const rel = (ids) => ids.map((id) => ({ person_id: id, relationship: v(form, `rel-${id}`) }));
    const stay = hh.members.map((m) => m.id).filter((id) => !targets.includes(id));
    // The head leaving: the one set as 世帯主 among those who stay succeeds; with none
    // set, one who stays alone becomes head by 職権 and two or more stay without a head.
    const succession = targets.includes(hh.head_id) && stay.some((id) => v(form, `rel-${id}`) === '世帯主') ? rel(stay) : undefined;
    let change;
    if (t === 'move_out') change = { type: t, person_ids: targets, destination: addressOf(form, 'dest_'), planned_on: v(form, 'planned_on'), abroad: form.elements.abroad.checked, succession, destination_head: opt(v(form, 'destination_head')) };
    else if (t === 'move_out_confirmed') change = { type: t, person_ids: targets, destination: addressOf(form, 'dest_'), notice_from: opt(v(form, 'notice_from')), succession };
    else if (t === 'household_split') change = { type: t, person_ids: targets, relationships: rel(targets) };
    else if (t === 'head_change') change = { type: t, household_id: hh.id, relationships: rel(hh.members.map((m) => m.id)) };
    else if (t === 'birth') {
      // 出生: the 本籍 (or a foreign child's 30条の45 items) goes with the rest.
      change = { type: t, household_id: hh.id, person: personBody((k) => v(form, `persons[0].${k}`)) };
    } else if (t === 'household_merge') change = { type: t, absorbed_household_id: hh.id, into_household_id: Number(v(form, 'into_household_id')), relationships: rel(hh.members.map((m) => m.id)) };
    else if (t === 'composition_change') change = { type: t, person_ids: targets, into_household_id: Number(v(form, 'into_household_id')), relationships: rel(targets) };
    else if (t === 'correction') {
      const item = v(form, 'correction_item');
      let value;
      if (item === 'name') value = { family: v(form, 'new_value'), given: v(form, 'new_given') };
      else if (item === 'furigana') value = { family: v(form, 'new_value'), given: v(form, 'new_given'), confirmed: !!v(form, 'new_kana_confirmed') };
      else if (item === 'address') value = addressOf(form, 'corr_');
      else if (item === 'honseki') value = { domicile: v(form, 'corr.domicile'), head_name: v(form, 'corr.head_name') };
      else if (item === 'previous_address') value = v(form, 'corr_place') ? addressOf(form, 'corr_') : null;
      else if (item === 'residence') {
        value = Object.assign({ category: v(form, 'res_category'), status: opt(v(form, 'res_status')), period: opt(v(form, 'res_period')),
          expires_on: opt(v(form, 'res_expires_on')), card_number: opt(v(form, 'res_card_number')) }, foreignMore((k) => v(form, k), 'res_'));
        for (const k of ['residence_notified', 'landing_permit']) if (v(form, `res_${k}`) === 'no') value[k] = false;
      } else value = v(form, 'new_value');
      change = { type: t, person_id: targets[0], correction: { item, new: value }, kind: v(form, 'correction_kind') };
    } else if (t === 'residence_status_change') {
      change = { type: t, person_id: targets[0], status: opt(v(form, 'status')), period: opt(v(form, 'period')), expires_on: opt(v(form, 'expires_on')), card_number: opt(v(form, 'card_number')) };
    } else if (t === 'foreign_removal') change = { type: t, person_id: targets[0], reason: v(form, 'reason'), succession };
    else if (t === 'remake') change = { type: t, person_ids: targets, kind: v(form, 'remake_kind') };
    else if (t === 'alias_record') {
      change = { type: t, person_id: targets[0], alias: { family: v(form, 'alias_family'), given: v(form, 'alias_given') },
        furigana: v(form, 'alias_kana_family') ? { family: v(form, 'alias_kana_family'), given: v(form, 'alias_kana_given'), confirmed: !!v(form, 'alias_kana_confirmed') } : undefined };
    } else if (t === 'alias_deletion') change = { type: t, person_id: targets[0] };
    else if (t === 'former_surname_record' || t === 'former_surname_change') {
      change = { type: t, person_id: targets[0], surname: v(form, 'surname'), furigana: opt(v(form, 'surname_kana')), furigana_confirmed: !!v(form, 'surname_kana_confirmed') };
    } else if (t === 'former_surname_deletion') change = { type: t, person_id: targets[0] };
    else if (t === 'nationality_change') {
      const kind = v(form, 'nat_kind');
      change = { type: t, person_id: targets[0], kind, name: { family: v(form, 'nat_family'), given: v(form, 'nat_given') },
        furigana: { family: v(form, 'nat_kana_family'), given: v(form, 'nat_kana_given') } };
      if (kind === '国籍喪失') {
        change.foreign = { nationality: v(form, 'nat_nationality'), category: v(form, 'nat_category'), status: opt(v(form, 'nat_status')),
          period: opt(v(form, 'nat_period')), expires_on: opt(v(form, 'nat_expires_on')), card_number: opt(v(form, 'nat_card_number')) };
      } else change.honseki = { domicile: v(form, 'nat_domicile'), head_name: v(form, 'nat_head') };
    } else change = { type: t, person_id: targets[0], succession };
    if (change.person_id === undefined && 'person_id' in change) {
      // Nobody chosen: say so at the member list, like any other error.
      return showError(form, { status: 422, data: { code: 'E-IDO-043', message: '対象者が指定されていません', field: 'change.person_ids' } });
    }
    const body = { effective_on: opt(v(form, 'effective_on')), notified_on: v(form, 'notified_on'), notifier: notifier(form), basis: t === 'remake' ? '職権' : v(form, 'basis'),
      expect: [{ household_id: hh.id, version: hh.version }], change };
    if (t === 'correction' && change.correction.item === 'honseki' && v(form, 'same_honseki')) {
      return correctHonsekiTogether(main, form, hh, body);
    }
    submitDraft(form, body, (d, committed) => draftDone(main, d, committed));
  });
  show(main, h('h1', {}, '異動の受付'), form);
}

// 本籍入力補助 (4.0.6): the 本籍・筆頭者 corrected for the one chosen, then the same for each
// member of the household who had the same 本籍・筆頭者, one 修正 each, in member order;
// the first refusal stops there and says who was corrected.
async function correctHonsekiTogether(main, form, hh, body) {
  clearErrors(form);
  const first = hh.members.find((m) => m.id === body.change.person_id);
  if (!first) return showError(form, { status: 422, data: { code: 'E-IDO-043', message: '対象者が指定されていません', field: 'change.person_ids' } });
  const same = hh.members.filter((m) => m.id !== first.id && (m.honseki || '') === (first.honseki || '') && (m.honseki_head || '') === (first.honseki_head || ''));
  const path = changePath(form);
  const done = [];
  let last;
  for (const m of [first, ...same]) {
    const res = await api('POST', path, Object.assign({}, body, { change: Object.assign({}, body.change, { person_id: m.id }) }));
    if (!res.ok) {
      showError(form, res);
      if (done.length) form.prepend(banner('warning', '一部のみ修正', ` ${done.join('、')}は修正済みです。`));
      return;
    }
    done.push(m.name.full);
    last = res.data;
  }
  draftDone(main, last, path === '/changes');
  main.prepend(banner('success', '一括して修正しました', ` 本籍・筆頭者: ${done.join('、')}`));
}

// ---------- 審査 ----------
const KINDS = { move_in: '転入', foreign_removal: '法第30条の50による消除', residence_status_change: '在留資格等の変更', alias_record: '通称の記載', alias_deletion: '通称の削除', former_surname_record: '旧氏の記載', former_surname_change: '旧氏の変更', former_surname_deletion: '旧氏の削除', nationality_change: '帰化・国籍取得・国籍喪失', relocation: '転居', move_out: '転出', move_out_confirmed: '転出確定', household_split: '世帯分離', household_merge: '世帯合併', head_change: '世帯主変更', composition_change: '世帯構成変更', birth: '出生', death: '死亡', ex_officio_removal: '職権消除', correction: '職権修正', remake: '改製・再製' };

function draftSummary(d) {
  const c = d.request.change || {};
  const names = (c.persons || []).map((p) => `${p.name.family}　${p.name.given}`).join('、');
  const addr = c.address ? `${c.address.place}${c.address.banchi || ''}${c.address.katagaki ? '　' + c.address.katagaki : ''}` : '';
  return [names, c.person_ids ? `対象 ${c.person_ids.length}人` : '', addr ? `住所: ${addr}` : ''].filter(Boolean).join(' / ');
}

async function draftsScreen(main, q) {
  const place = q.get('place') || '';
  const [res, places] = await Promise.all([api('GET', `/drafts${place ? `?place=${encodeURIComponent(place)}` : ''}`), api('GET', '/places')]);
  const list = res.ok ? res.data : [];
  // 仮登録一覧 (4.0.8) by 入力場所, and 一括本登録 of the chosen ones or of the whole list.
  const filter = h('form', { novalidate: true, role: 'search', class: 'row' },
    field('入力場所', select('place', [['', 'すべて'], ...(places.ok ? places.data : []).map((x) => [x.code, `${x.name}(${x.code})`])], 'place')),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '表示')));
  filter.elements.place.value = place;
  filter.addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/drafts${v(filter, 'place') ? `?place=${encodeURIComponent(v(filter, 'place'))}` : ''}`; });
  const out = h('div', { 'aria-live': 'polite' });
  const many = async (body) => {
    const r = await api('POST', '/drafts/commit', body);
    if (!r.ok) return show(out, banner('error', r.data.message, ` (${r.data.code})`));
    await draftsScreen(main, q);
    show($('div[aria-live]', main), banner(r.data.failed.length ? 'warning' : 'success', `${r.data.committed.length}件を本登録しました`,
      r.data.left ? ` 上限を超えた${r.data.left}件は残っています。` : '',
      ...r.data.failed.map((f) => h('p', {}, `受付番号 ${f.id}: ${f.message}(${f.code})`))));
  };
  const bulk = can('commit_change') && list.length ? h('div', { class: 'actions' },
    h('button', { class: 'button button-primary', type: 'button', onclick: () => {
      const ids = $$('input[name="chosen"]:checked', main).map((c) => Number(c.value));
      if (!ids.length) return show(out, banner('error', '本登録する異動を選んでください'));
      many({ ids });
    } }, '選択した異動を本登録'),
    h('button', { class: 'button button-secondary', type: 'button', onclick: () => many(place ? { place } : {}) }, `一覧の全部を本登録(上限100件)`)) : null;
  show(main, h('h1', {}, '審査待ちの異動'), out, filter, bulk,
    !res.ok ? banner('error', res.data.message) : null,
    list.length === 0 ? h('p', {}, '審査待ちの異動はありません。') : null,
    ...list.map((d) => {
      const warn = d.warnings || [];
      const form = h('form', { class: 'person-block', novalidate: true, dataset: { draft: String(d.id) } },
        h('h2', {}, `受付番号 ${d.id}: ${KINDS[d.kind] || d.kind}`),
        can('commit_change') ? checkbox('chosen', `受付番号 ${d.id} を選択`, String(d.id)) : null,
        d.place ? h('p', { class: 'muted' }, `入力場所 ${d.place}`) : null,
        h('p', {}, draftSummary(d)),
        h('p', { class: 'muted' }, `異動日 ${d.request.effective_on || ''}・届出日 ${d.request.notified_on || ''}・受付 ${d.created_by}(${jst(d.created_at)})`),
        warn.map((w) => banner('warning', w)),
        // 確認用帳票 (4.0.9): the 仮登録 as it would write the register, before and after.
        h('div', { class: 'actions' }, letterButton(`/drafts/${d.id}/confirmation`, '確認用帳票', `確認用帳票-${d.id}.pdf`)),
        can('commit_change') ? [
          field('差戻しの理由', text('note', 'note'), { hint: '差し戻すときに入力' }),
          h('div', { class: 'actions' },
            h('button', { class: 'button button-primary', type: 'submit', name: 'commit' }, '確定'),
            h('button', { class: 'button button-danger', type: 'button', onclick: async () => {
              const r = await api('POST', `/drafts/${d.id}/reject`, { note: v(form, 'note') });
              if (!r.ok) return showError(form, r);
              show(form, banner('info', `受付番号 ${d.id} を差し戻しました`));
            } }, '差戻し'))] : null);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const r = await api('POST', `/drafts/${d.id}/commit`, {});
        if (!r.ok) {
          if (r.status === 409) r.data.message = `${r.data.message}(他の職員が同じ世帯を先に変更しました。差し戻して、最新の内容で受け付け直してください)`;
          return showError(form, r);
        }
        show(form, banner('success', `受付番号 ${d.id} を確定しました`, ` 台帳番号 ${r.data.seq || (r.data.entry && r.data.entry.seq) || ''}`));
      });
      return form;
    }));
}

// ---------- certificates ----------
const CERT_KINDS = [['resident_copy', '住民票の写し'], ['resident_items', '住民票記載事項証明書'], ['removed_copy', '除票の写し'], ['removed_items', '除票記載事項証明書']];
const OPTIONAL = [['honseki', '本籍・筆頭者'], ['relationship', '続柄'], ['juminhyo_code', '住民票コード'], ['individual_number', '個人番号'], ['residence_details', '在留資格・在留期間等'], ['card_number', '在留カード等番号'],
  ['alias_history', '通称の記載及び削除に関する事項(別紙)'], ['business_items', '法第7条の業務事項'], ['history', '異動履歴'], ['special_history', '特別な事由の異動履歴(特別養子縁組・性別の変更)']];
const ITEMS = [['birth_date', '生年月日'], ['sex', '性別'], ['head', '世帯主'], ['address', '住所'], ['address_since', '住所を定めた年月日'], ['became_resident', '住民となった年月日'], ['previous_address', '前住所'], ['moved_in_from', '転入前住所'],
  ['nationality', '国籍・地域'], ['category', '法第30条の45に規定する区分'], ['alias', '通称'], ['removal', '消除'], ['remarks', '備考']];
// 写し: what is printed unless the requester asks to leave it out (5.1).
const OMITTABLE = [['head', '世帯主'], ['nationality', '国籍・地域'], ['category', '法第30条の45に規定する区分'], ['alias', '通称']];
const REQUESTERS = [['self', '本人'], ['same_household', '同一世帯'], ['third_party', '第三者'], ['professional', '弁護士等(職務上請求)']];

// 文字溢れ (5.8): the alert when a value did not fit its box.
function overflowAlert(r) {
  const n = r.headers.get('x-kikan-overflow');
  return n ? banner('warning', '文字溢れ', ` ${n}項目が枠に収まりません。証明書交付簿の文字超過リストで内容を確認してください。`) : null;
}

function pdfLink(blob, label, name) {
  const url = URL.createObjectURL(blob);
  return h('a', { class: 'button button-secondary', href: url, target: '_blank', rel: 'noopener', download: name }, label);
}

// 成年被後見人 (9.4): set or cleared by 審査 with the day the 後見開始の審判 became final.
// No list of them is made (the section forbids one).
function wardForm(main, p, q, current) {
  const now = current.find((b) => b.business === 'adult_ward');
  const items = now ? now.items : { ward: false, since: null };
  const form = h('form', { class: 'row', novalidate: true, 'aria-label': '成年被後見人の設定' },
    h('div', { class: 'field' }, checkbox('ward', '成年被後見人', 'true', !!items.ward)),
    field('後見開始の審判確定日', text('since', 'items', { value: items.since || '' }), { hint: '西暦(例: 2020-04-01)' }),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '成年被後見人を設定')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const ward = form.elements.ward.checked;
    const r = await api('POST', `/persons/${p.id}/business-items`, { items: { business: 'adult_ward', ward, since: v(form, 'since') || null, until: null } });
    if (!r.ok) return showError(form, r);
    await personScreen(main, p.id, q);
  });
  return h('details', { class: 'ward' }, h('summary', {}, '成年被後見人の設定'), form);
}

// 特別永住者証明書 (4.5.7): an application or 届出 taken at the counter (passed on as a
// 市町村伝達), or the new certificate handed over with its number (a 市町村通知).
const SP_KINDS = ['有効期間更新申請', '紛失等による再交付申請', '汚損等による再交付申請', '記載事項変更届出', '交付'];
function specialPermanentForm(main, p, q) {
  const today = new Date().toISOString().slice(0, 10);
  const form = h('form', { class: 'row', novalidate: true, 'aria-label': '特別永住者証明書の申請等' },
    field('申請等の種類', select('kind', SP_KINDS, 'change.kind'), { required: true }),
    field('受付日', text('on', 'notified_on', { value: today })),
    field('新しい特別永住者証明書番号', text('card_number', 'change.card_number', { size: 14 }), { hint: '交付のときのみ(例: AB12345678CD)' }),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '受け付ける')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const on = v(form, 'on');
    const r = await api('POST', '/changes', { effective_on: on, notified_on: on,
      change: { type: 'special_permanent_certificate', person_id: p.id, kind: v(form, 'kind'), card_number: opt(v(form, 'card_number')) } });
    if (!r.ok) return showError(form, r);
    await personScreen(main, p.id, q);
    const out = $('#sp-h');
    if (out) out.after(banner('success', `${v(form, 'kind')}を受け付けました(市町村通知・市町村伝達の一覧に載ります)`));
  });
  return h('section', { 'aria-labelledby': 'sp-h' }, h('h2', { id: 'sp-h' }, '特別永住者証明書の申請等'), form);
}

// The documents an entry gives, any day after it (4.1.0.3, 4.2.0.1): the 住民異動届受理通知
// of a 転入・転居・転出・世帯変更届 (and of a 転出 recorded by 職権 for its 準ずる証明書), the
// 職権記載等通知書 and 職権記録書 of a change made by 職権.
const RECEIPT_TYPES = ['MoveIn', 'Relocation', 'MoveOut', 'HouseholdSplit', 'HouseholdMerge', 'HeadChange', 'CompositionChange'];
// 券面記載 (7.1.1.3): the 追記 of this 異動 for the person's card, for the card printer.
function cardEndorsement(e, id) {
  const status = h('span', { 'aria-live': 'polite' });
  const card = select('card', ['個人番号カード', '住基カード', '在留カード', '特別永住者証明書'], 'card');
  card.setAttribute('aria-label', `券面記載のカード 台帳番号${e.seq}`);
  const left = h('input', { type: 'number', name: 'lines_left', min: '1', max: '20', value: '6', size: 3, 'aria-label': `残行数 台帳番号${e.seq}` });
  const button = h('button', { class: 'button button-secondary button-small', type: 'submit' }, '券面記載');
  const form = h('form', { class: 'inline', novalidate: true }, card, ' 残行数 ', left, button, status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await api('POST', `/persons/${id}/card-endorsement`, { seq: e.seq, card: card.value, lines_left: Number(left.value) });
    if (!r.ok) { status.replaceChildren(r.data && r.data.message ? r.data.message : '作成できませんでした'); return; }
    status.replaceChildren(pdfLink(r.data, `追記を開く(${r.headers.get('x-kikan-lines-used')}行)`, `card-endorsement-${e.seq}.pdf`));
  });
  return form;
}

function entryLetters(e, isWard) {
  const c = e.change || {};
  const out = [];
  // 成年被後見人に関する通知書 (9.4): a 転出 of a 成年被後見人, to the new municipality.
  if (isWard && c.type === 'MoveOut' && !c.abroad) {
    out.push(letterButton(`/entries/${e.seq}/ward-notice`, '成年被後見人に関する通知書', `成年被後見人に関する通知書-${e.seq}.pdf`));
  }
  if (c.type === 'MoveOut' || (RECEIPT_TYPES.includes(c.type) && e.basis === '届出' && c.kind !== 'ExOfficio')) {
    out.push(letterButton(`/entries/${e.seq}/receipt-notice`, '住民異動届受理通知', `住民異動届受理通知-${e.seq}.pdf`));
  }
  // 住民票コード通知票 (4.3.3): a code recorded (出生, 国外からの転入, 職権記載), changed or
  // corrected; its 変更・修正通知票 as the entry calls for.
  const newCodes = c.type === 'Birth' || (c.type === 'MoveIn' && c.kind !== 'Domestic');
  if (newCodes || (c.type === 'Correction' && (c.correction || {}).item === 'JuminhyoCode')) {
    for (const id of e.person_ids || []) out.push(letterButton(`/persons/${id}/code-notice`, `住民票コード通知票(宛名番号 ${id})`, `住民票コード通知票-${id}.pdf`));
  }
  if (e.basis !== '届出') {
    out.push(letterButton(`/entries/${e.seq}/ex-officio-notice`, '職権記載等通知書', `職権記載等通知書-${e.seq}.pdf`),
      letterButton(`/entries/${e.seq}/ex-officio-record`, '職権記録書', `職権記録書-${e.seq}.pdf`));
  }
  return out.length ? h('div', { class: 'actions' }, out) : null;
}

// 転出証明書 (4.1.3.0.3), in the flow of the 転出: the movers of one 転出届, to one of them
// (or the 準ずる証明書 when the 転出 was recorded by 職権); free of charge.
function moveOutCertificate(personIds) {
  const output = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'inline', novalidate: true, 'aria-label': '転出証明書の交付' },
    h('h2', {}, '転出証明書'),
    field('交付を受ける人(宛名番号)', select('requester', personIds.map(String), 'requester.person_id')),
    field('本人確認書類', text('identity_check', 'identity_check', { size: 20 })),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '転出証明書を交付')), output);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const r = await api('POST', '/certificates', { kind: 'move_out', persons: personIds,
      requester: { kind: personIds.length > 1 ? 'same_household' : 'self', person_id: Number(v(form, 'requester')) },
      identity_check: v(form, 'identity_check') });
    if (!r.ok) return showError(form, r);
    const serial = r.headers.get('x-kikan-certificate-serial');
    show(output, h('div', { class: 'result', role: 'status' }, h('p', { class: 'big' }, `交付番号 第${String(serial).padStart(6, '0')}号 を交付しました(手数料なし)`),
      pdfLink(r.data, '転出証明書を開いて印刷', `転出証明書-${serial}.pdf`)));
  });
  return form;
}

// A letter (通知書・照会書): a button that draws it, then gives way to a link that opens it.
function letterButton(path, label, name) {
  const status = h('span', { 'aria-live': 'polite' });
  const button = h('button', { class: 'button button-secondary button-small', type: 'button', onclick: async () => {
    button.disabled = true;
    const r = await api('GET', path);
    if (r.ok) button.replaceWith(pdfLink(r.data, `${label}を開く`, name));
    else { button.disabled = false; status.replaceChildren(r.data && r.data.message ? r.data.message : '作成できませんでした'); }
  } }, `${label}を作成`);
  return h('span', {}, button, status);
}

// 印刷 (10.7): the chosen output (`printer|tray`) as the API takes it.
function outputOf(value) {
  if (!value) return undefined;
  const [printer, tray] = value.split('|');
  return { printer: Number(printer), tray };
}

function printerLabel(p) {
  return `プリンタ${String(p.printer).padStart(3, '0')} ${p.printer_name}・${p.tray}`;
}

async function certificateScreen(main, q) {
  const hid = q.get('household');
  const [res, settings, printersRes] = await Promise.all([api('GET', `/households/${hid}`), api('GET', '/certificate-settings'), api('GET', '/printers')]);
  const phrases = settings.ok ? settings.data.phrases : [];
  // 印刷 (10.7): PDF for the browser, or a registered printer and tray; this terminal's
  // printer is the default.
  const printers = (printersRes.ok ? printersRes.data : []).filter((p) => p.in_use);
  const outputs = [['', 'PDF(画面に表示して印刷)']].concat(printers.flatMap((p) => p.trays.map((t) => [`${p.id}|${t.keyword}`, `${p.number} ${p.name}・${t.label}`])));
  const here = localStorage.getItem(`kikan.terminal.${S.tenant}`);
  const mine = printers.find((p) => here && p.terminals.includes(here));
  if (!res.ok) { show(main, h('h1', {}, '証明書の交付'), banner('error', res.data ? res.data.message : '世帯を表示できません')); return; }
  const hh = res.data;
  const chosen = q.get('person');
  // 区間異動による除票 (4.0.2): the one person's 除票 of the ward they left.
  let ward = null;
  if (q.get('ward_removal')) {
    const wr = await api('GET', `/persons/${chosen}/ward-removals`);
    ward = wr.ok ? wr.data.find((r) => String(r.seq) === q.get('ward_removal')) : null;
    if (!ward) { show(main, h('h1', {}, '証明書の交付'), banner('error', wr.ok ? '区間異動による除票が見つかりません' : wr.data.message)); return; }
  }
  const output = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true },
    h('fieldset', {}, h('legend', {}, '証明書'), h('div', { class: 'row' },
      field('種類', select('kind', ward ? CERT_KINDS.filter(([k]) => k.startsWith('removed')) : CERT_KINDS, 'kind'), { required: true }),
      field('様式', select('layout', [['household', '世帯連記式'], ['individual', '個人票']], 'layout')))),
    h('fieldset', {}, h('legend', {}, '記載する人'), h('div', { class: 'checks', dataset: { field: 'persons' } },
      ward ? [checkbox('persons', `${ward.record.name.full}(${ward.ward}の除票)`, ward.record.id, true)]
        : hh.members.map((m) => checkbox('persons', `${m.name.full}(${m.relationship})`, m.id, !chosen || String(m.id) === chosen))),
    ward ? null : h('p', { class: 'hint' }, '全員を選ぶと「世帯全員の写し」になります。')),
    h('fieldset', {}, h('legend', {}, '記載事項'),
      h('p', { class: 'hint' }, '写し: 省略される事項のうち記載を求められたもの。記載事項証明書: 証明する事項(氏名は必ず記載)。'),
      h('div', { class: 'checks', dataset: { field: 'items' } }, OPTIONAL.concat(ITEMS).map(([k, l]) => checkbox('items', l, k, false)))),
    h('fieldset', {}, h('legend', {}, '省略する事項(写し)'),
      h('p', { class: 'hint' }, '通常は記載される事項のうち、請求者が省略を求めたもの。外国人住民の国籍・地域などを含みます。'),
      h('div', { class: 'checks', dataset: { field: 'omit' } }, OMITTABLE.map(([k, l]) => checkbox('omit', l, k, false)))),
    h('fieldset', {}, h('legend', {}, '請求者'),
      h('div', { class: 'row' },
        field('区分', select('requester_kind', REQUESTERS, 'requester.kind'), { required: true }),
        field('請求者(世帯員の場合)', select('requester_person', [['', '(住民以外)']].concat(hh.members.map((m) => [String(m.id), m.name.full])), 'requester.person_id')),
        field('氏名(住民以外の場合)', text('requester_name', 'requester.name')),
        field('請求者の生年月日', text('requester_birth_date', 'requester.birth_date'), { hint: '支援措置の確認に使います' })),
      h('div', { class: 'row' },
        field('請求の事由', text('reason', 'requester.reason', { size: 30 }), { hint: '第三者・職務上請求では必須' }),
        field('資格・登録番号', text('qualification', 'requester.qualification'), { hint: '職務上請求のみ' }))),
    h('fieldset', {}, h('legend', {}, '受付'), h('div', { class: 'row' },
      field('使用目的', text('purpose', 'purpose', { size: 24 }), { required: true }),
      field('本人確認書類', select('identity_check', ['運転免許証', 'マイナンバーカード', '旅券', '在留カード', '健康保険証等2点', 'その他'], 'identity_check'), { required: true }),
      field('通数', h('input', { type: 'number', name: 'copies', min: '1', max: '20', value: '1', dataset: { field: 'copies' } }), { required: true }),
      field('出力先', select('output', outputs, 'output'), { hint: 'プリンタを選ぶと交付と同時に印刷します' }),
      can('approve_exception') ? field('承認理由(支援措置・審査担当)', text('approval_reason', 'approval_reason', { size: 30 })) : null)),
    // 認証者・公印・固定文言 (5.6) and 公用 (5.7): by default the 認証者 of the day and the
    // registered seal.
    h('fieldset', {}, h('legend', {}, '認証'), h('div', { class: 'row' },
      field('認証者', select('certifier', [['', `自動(${settings.ok ? settings.data.today : '本日の認証者'})`], ['市区町村長', '市区町村長'], ['職務代理者', '職務代理者']], 'certifier')),
      field('公印', select('seal', [['', '自動(証明書専用印など)'], ['証明書専用印', '証明書専用印'], ['市区町村長印', '市区町村長印'], ['職務代理者印', '職務代理者印'], ['なし', '押印しない']], 'seal')),
      field('固定文言', select('phrase', [['', 'なし']].concat(phrases.map((x) => [x, x])), 'phrase')),
      h('div', { class: 'field' }, checkbox('official', '公用(「公用」と印字する)')))),
    h('div', { class: 'actions' },
      h('button', { class: 'button button-secondary', type: 'button', id: 'preview', onclick: () => send(true) }, '見本を表示'),
      h('button', { class: 'button button-primary', type: 'submit' }, '交付する')),
    output);
  const mePerson = hh.members.find((m) => String(m.id) === chosen);
  if (mePerson) form.elements.requester_person.value = String(mePerson.id);
  if (ward) form.elements.layout.value = 'individual';
  if (chosen) form.elements.requester_kind.value = 'self';
  if (mine) form.elements.output.value = `${mine.id}|${mine.trays[0].keyword}`;
  function body() {
    const persons = $$('input[name=persons]:checked', form).map((c) => Number(c.value));
    const whole = !ward && persons.length === hh.members.length && form.elements.kind.value.startsWith('resident');
    const rp = v(form, 'requester_person');
    return {
      kind: v(form, 'kind'), layout: v(form, 'layout'),
      household_id: whole ? hh.id : undefined, persons: whole ? [] : persons,
      items: $$('input[name=items]:checked', form).map((c) => c.value),
      omit: $$('input[name=omit]:checked', form).map((c) => c.value),
      requester: { kind: v(form, 'requester_kind'), person_id: rp ? Number(rp) : undefined, name: opt(v(form, 'requester_name')),
        birth_date: opt(v(form, 'requester_birth_date')), reason: opt(v(form, 'reason')), qualification: opt(v(form, 'qualification')) },
      purpose: v(form, 'purpose'), identity_check: v(form, 'identity_check'), copies: Number(v(form, 'copies') || 1),
      approval_reason: form.elements.approval_reason ? opt(v(form, 'approval_reason')) : undefined,
      certifier: opt(v(form, 'certifier')), seal: opt(v(form, 'seal')), phrase: opt(v(form, 'phrase')),
      official: form.elements.official.checked, ward_removal: ward ? ward.seq : undefined,
      output: outputOf(v(form, 'output')),
    };
  }
  async function send(preview) {
    clearErrors(form);
    show(output, );
    const r = await api('POST', preview ? '/certificates/preview' : '/certificates', body());
    if (!r.ok) return showError(form, r);
    if (preview) {
      show(output, h('div', { class: 'result', role: 'status' }, h('p', { class: 'big' }, '見本を作成しました(交付はまだです)'), overflowAlert(r),
        h('p', {}, `${r.headers.get('x-kikan-pages')}頁`), pdfLink(r.data, '見本PDFを開く', 'preview.pdf')));
      return;
    }
    const serial = r.headers.get('x-kikan-certificate-serial');
    const last = r.headers.get('x-kikan-certificate-last-serial') || serial;
    const numbers = last === serial ? `第${String(serial).padStart(6, '0')}号` : `第${String(serial).padStart(6, '0')}号〜第${String(last).padStart(6, '0')}号(1通ずつ)`;
    const code = (r.headers.get('x-kikan-verification-code') || '').replace(/(.{4})(?=.)/g, '$1-');
    const paper = r.data instanceof Blob ? null : r.data;
    const box = h('div', { class: 'result', role: 'status', tabindex: '-1' },
      h('p', { class: 'big', id: 'issued' }, `交付番号 ${numbers} を交付しました`),
      overflowAlert(r),
      paper ? h('p', { id: 'printed' }, `${printerLabel(paper)}に印刷しました(ジョブ ${paper.job})`) : null,
      h('p', {}, `照合番号 ${code}・${paper ? paper.pages : r.headers.get('x-kikan-pages')}頁・手数料 ${300 * Number(v(form, 'copies') || 1)}円`),
      h('div', { class: 'actions' }, paper ? null : pdfLink(r.data, 'PDFを開いて印刷', `certificate-${serial}.pdf`), h('a', { href: '#/certificates' }, '証明書交付簿へ')));
    show(output, box);
    box.focus();
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); send(false); });
  show(main, h('h1', {}, '証明書の交付'), h('p', {}, ward ? `${ward.ward}の除票(${ward.to}への区間異動): ${ward.record.address.line}` : `世帯: ${hh.address.line}`), form);
}

// 認証者・公印・固定文言 (1.3.7, 1.3.9, 5.6): 管理者 registers the 市区町村長 and 職務代理者
// with their periods (the one of the day certifies), the seal images (printed black, at
// most 25 mm) and the phrases the counter may print.
async function certSettingsScreen(main) {
  const [res, printersRes, jpkiRes] = await Promise.all([api('GET', '/certificate-settings'), api('GET', '/printers'), api('GET', '/jpki')]);
  const printers = printersRes.ok ? printersRes.data : [];
  const jpki = jpkiRes.ok ? jpkiRes.data : { authorities: [], crls: [] };
  const st = res.ok ? res.data : { certifiers: [], seals: [], phrases: [], today: '' };
  const out = h('div', { 'aria-live': 'polite', id: 'settings-out' });
  const done = async (r, message, form) => {
    if (!r.ok) return showError(form, r);
    await route();
    show($('#settings-out'), banner('success', message));
  };
  const add = h('form', { novalidate: true }, h('div', { class: 'row' },
    field('区分', select('role', ['市区町村長', '職務代理者'], 'role'), { required: true }),
    field('職名', text('title', 'title', { size: 28 }), { required: true, hint: '都道府県名は自動で付きます(例: 横浜市長職務代理者　横浜市副市長)' }),
    field('氏名', text('name', 'name'), { required: true }),
    field('開始日', text('from', 'from'), { required: true, hint: '和暦・西暦どちらでも' }),
    field('終了日', text('to', 'to'), { hint: '空欄で期間の定めなし' }),
    field('行政区', text('ward', 'ward', { size: 8 }), { hint: '指定都市の区長・区長の職務代理者のみ(例: 中区)' })),
  h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '認証者を登録')));
  add.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/certifiers', { role: v(add, 'role'), title: v(add, 'title'), name: v(add, 'name'), from: v(add, 'from'), to: opt(v(add, 'to')), ward: opt(v(add, 'ward')) });
    done(r, '認証者を登録しました', add);
  });
  const seal = h('form', { novalidate: true }, h('div', { class: 'row' },
    field('種類', select('kind', ['証明書専用印', '市区町村長印', '職務代理者印', 'カード券面用印'], 'kind'), { required: true }),
    field('印影の画像(PNG)', h('input', { type: 'file', name: 'file', accept: 'image/png', dataset: { field: 'png' } }), { required: true }),
    field('大きさ(mm角)', h('input', { type: 'number', name: 'size_mm', min: '5', max: '25', step: '0.5', value: '21', dataset: { field: 'size_mm' } }), { required: true, hint: '25mm以内。黒色で印字します' }),
    h('div', { class: 'field' }, checkbox('red', '赤色(カード券面用印のみ)'))),
  h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '公印を登録')));
  seal.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = seal.elements.file.files[0];
    const png = f ? btoa(String.fromCharCode(...new Uint8Array(await f.arrayBuffer()))) : '';
    const r = await api('POST', '/seals', { kind: v(seal, 'kind'), png, size_mm: Number(v(seal, 'size_mm')), red: seal.elements.red.checked });
    done(r, '公印を登録しました', seal);
  });
  const phrases = h('form', { novalidate: true },
    field('固定文言(1行に1つ)', h('textarea', { name: 'phrases', rows: 3, dataset: { field: 'phrases' } }, st.phrases.join('\n')), { hint: '例: 公印省略、この印は黒色です' }),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '固定文言を保存')));
  phrases.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('PUT', '/certificate-phrases', { phrases: v(phrases, 'phrases').split('\n') });
    done(r, '固定文言を保存しました', phrases);
  });
  // 文字溢れ (5.8): a value too long for its box is printed as far as it fits or blank.
  const overflow = h('form', { class: 'inline', novalidate: true },
    field('文字溢れ時の出力', select('mode', [['limit', '限界まで出力'], ['blank', '空白で出力']], 'mode')),
    h('button', { class: 'button button-secondary', type: 'submit' }, '文字溢れ時の出力を保存'));
  overflow.elements.mode.value = st.overflow === '空白で出力' ? 'blank' : 'limit';
  overflow.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('PUT', '/certificate-overflow', { mode: v(overflow, 'mode') });
    done(r, '文字溢れ時の出力を保存しました', overflow);
  });
  // 世帯員の並び順 (5.2): as the members joined, or the standard's 順位.
  const order = h('form', { class: 'inline', novalidate: true },
    field('世帯員の並び順', select('order', [['joined', '記載順(異動の順)'], ['standard', '標準の順位(世帯主・配偶者・子…)']], 'order')),
    h('button', { class: 'button button-secondary', type: 'submit' }, '並び順を保存'));
  order.elements.order.value = st.member_order;
  order.addEventListener('submit', async (e) => {
    e.preventDefault();
    done(await api('PUT', '/certificate-member-order', { order: v(order, 'order') }), '世帯員の並び順を保存しました', order);
  });
  // 印刷 (10.7): the counter's printers (IPP) and their trays; a terminal's default.
  const printer = h('form', { novalidate: true, id: 'printer-form' },
    h('div', { class: 'row' },
      field('プリンタの名称', text('name', 'name', { size: 20 }), { required: true }),
      field('アドレス', text('uri', 'uri', { size: 32, placeholder: 'ipp://192.0.2.10/ipp/print' }), { required: true, hint: 'IPPのURI(ipp://、ipps://)' }),
      field('トレー', text('trays', 'trays', { size: 36, value: 'tray-1=トレー1, tray-2=トレー2' }), { required: true, hint: 'media-sourceのキーワード=表示名 をカンマ区切りで(先頭が既定)' }),
      field('既定とする端末', text('terminals', 'terminals', { size: 12 }), { hint: '端末コードをカンマ区切りで' })),
    h('button', { class: 'button button-secondary', type: 'submit' }, 'プリンタを登録'));
  printer.addEventListener('submit', async (e) => {
    e.preventDefault();
    const list = (x) => x.split(/[,、]/).map((t) => t.trim()).filter(Boolean);
    const trays = list(v(printer, 'trays')).map((t) => { const [keyword, label] = t.split('='); return { keyword: keyword.trim(), label: (label || '').trim() }; });
    const r = await api('POST', '/printers', { name: v(printer, 'name'), uri: v(printer, 'uri'), trays, terminals: list(v(printer, 'terminals')) });
    done(r, 'プリンタを登録しました', printer);
  });
  const printerTable = printers.length === 0 ? h('p', {}, '登録されていません(証明書はPDFで画面に表示して印刷します)。') :
    h('table', { class: 'table', id: 'printers' }, h('thead', {}, h('tr', {}, ['番号', '名称', 'アドレス', 'トレー', '既定の端末', '状態'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, printers.map((p) => h('tr', {}, h('td', {}, p.number), h('td', {}, p.name), h('td', {}, p.uri),
        h('td', {}, p.trays.map((t) => `${t.label}(${t.keyword})`).join('、')), h('td', {}, p.terminals.join('、')), h('td', {}, p.in_use ? '使用中' : '使用停止')))));
  // 電子申請 (7.2.5): the 署名用認証局 and its CRL (taken in as J-LIS publishes it).
  const pemForm = (label, path, done_) => {
    const f = h('form', { novalidate: true },
      field(label, h('textarea', { name: 'pem', rows: 3, cols: 64, dataset: { field: 'pem' } }), { hint: 'PEM(-----BEGIN …)' }),
      h('button', { class: 'button button-secondary', type: 'submit' }, `${label}を登録`));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      done(await api('POST', path, { pem: v(f, 'pem') }), done_, f);
    });
    return f;
  };
  const trustList = (items, what) => items.length === 0 ? h('p', {}, `${what}は登録されていません。`) :
    h('ul', {}, items.map((x) => h('li', {}, `${x.name}(${what === '失効リスト' ? '次回更新' : '有効期限'} ${x.until})`)));
  const endForm = (c) => {
    const f = h('form', { class: 'inline', novalidate: true },
      text(`to-${c.id}`, 'to', { 'aria-label': `${c.name}の終了日`, value: c.to || '', size: 12 }),
      h('button', { class: 'button button-secondary button-small', type: 'submit' }, '終了日を変更'));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      const r = await api('POST', '/certifiers', { id: c.id, role: c.role, title: c.title, name: c.name, from: c.from, to: opt(v(f, `to-${c.id}`)), ward: c.ward || undefined });
      done(r, `${c.name}の期間を変更しました`, f);
    });
    return f;
  };
  show(main, h('h1', {}, '認証者・公印の設定'), !res.ok ? banner('error', res.data.message) : null, out,
    h('p', {}, `本日の認証者: ${st.today}`),
    h('h2', {}, '認証者'),
    st.certifiers.length === 0 ? h('p', {}, '登録されていません(設定時の市区町村長が認証者になります)。') :
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['区分', '印字', '開始日', '終了日'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, st.certifiers.map((c) => h('tr', {}, h('td', {}, c.role), h('td', {}, c.line), h('td', {}, wareki(c.from)), h('td', {}, c.to ? wareki(c.to) : '定めなし', endForm(c)))))),
    add,
    h('h2', {}, '公印'),
    st.seals.length === 0 ? h('p', {}, '登録されていません(仮の印影を印字します)。') :
      h('ul', { class: 'seals' }, st.seals.map((x) => h('li', {}, h('img', { src: `data:image/png;base64,${x.png}`, alt: `${x.kind}の印影`, width: 64, height: 64 }),
        ` ${x.kind} ${x.size_mm}mm角${x.red ? '(赤)' : ''}`))),
    seal,
    h('h2', {}, '固定文言'), phrases,
    h('h2', {}, '文字溢れ'), h('p', {}, '枠に収まらない値(最小の文字の大きさでも)は、証明書交付簿の文字超過リストに記録されます。'), overflow,
    h('h2', {}, '世帯員の並び順'), h('p', {}, '世帯連記式の住民票の写しの記載順です。世帯ごとに任意の並び順を設定した世帯は、その順になります(住民票の世帯欄から設定)。'), order,
    h('h2', {}, 'プリンタ'), h('p', {}, '証明書の交付時に出力先として選べるプリンタとトレーです。印刷はすべてアクセスログに記録され、プリンタ番号は発行番号に印字されます。'), printerTable, printer,
    h('h2', {}, '電子申請の署名検証(公的個人認証)'), h('p', {}, '署名用電子証明書の認証局と、その失効リスト(CRL)です。失効リストが取り込まれていない、または次回更新日を過ぎているときは、電子申請を受け付けません。'),
    trustList(jpki.authorities, '認証局'), pemForm('認証局の証明書', '/jpki/authorities', '認証局を登録しました'),
    trustList(jpki.crls, '失効リスト'), pemForm('失効リスト', '/jpki/crls', '失効リストを取り込みました'));
}

async function registerScreen(main, q) {
  const form = h('form', { class: 'row', novalidate: true },
    field('交付日(から)', text('from', 'from', { value: q.get('from') || '' })),
    field('交付日(まで)', text('to', 'to', { value: q.get('to') || '' })),
    field('住民(宛名番号)', text('person', 'person', { value: q.get('person') || '', inputmode: 'numeric' })),
    checkbox('overflow', '文字超過リスト(文字溢れのあったものだけ)'),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '検索')));
  form.elements.overflow.checked = q.get('overflow') === 'true';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const k of ['from', 'to', 'person']) if (v(form, k)) p.set(k, v(form, k));
    if (form.elements.overflow.checked) p.set('overflow', 'true');
    location.hash = `#/certificates?${p}`;
  });
  const verify = h('form', { class: 'row', novalidate: true },
    field('照合番号', text('code', 'code', { size: 24 }), { hint: '証明書下部の照合番号' }),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '照合')));
  const verified = h('div', { 'aria-live': 'polite' });
  verify.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/certificates/verify', { code: v(verify, 'code') });
    if (!r.ok) return showError(verify, r);
    show(verified, banner(r.data.genuine ? 'success' : 'error', r.data.message,
      r.data.certificate ? ` 第${String(r.data.certificate.serial).padStart(6, '0')}号 ${r.data.certificate.title} ${r.data.certificate.persons.map((p) => p.name).join('、')}` : ''));
  });
  const [res, printersRes] = await Promise.all([api('GET', `/certificates?${q}`), api('GET', '/printers')]);
  const list = res.ok ? res.data : [];
  const printers = (printersRes.ok ? printersRes.data : []).filter((p) => p.in_use);
  show(main, h('h1', {}, '証明書交付簿'), form,
    !res.ok ? banner('error', res.data.message) : null,
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['交付番号', '交付日時', '証明書', '対象者', '請求者', '使用目的', '通数・手数料', '職員', '再印刷', '再交付', '文字溢れ', '処分'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, list.map((c) => h('tr', {},
        h('td', {}, `第${String(c.serial).padStart(6, '0')}号`), h('td', {}, jst(c.issued_at)),
        h('td', {}, c.title), h('td', {}, c.persons.length ? c.persons.map((p) => p.name).join('、') : (c.about || []).join('、')),
        h('td', {}, `${c.requester_kind}${c.requester_name ? `(${c.requester_name})` : ''}`), h('td', {}, c.purpose),
        h('td', {}, `${c.copies}通 ${c.fee}円`), h('td', {}, c.staff),
        h('td', {}, `${c.reprints.length}回`, c.printer ? h('div', {}, c.printer) : null, c.disposed ? null : reprintButton(c, printers)),
        // 再交付 (4.1.3.0.3): a 転出証明書 lost or damaged, issued again as first printed.
        h('td', {}, c.kind === 'move_out' || c.kind === 'move_out_quasi' ? reissueButton(main, c) : null),
        // 文字超過リスト (5.8, 10.7): the whole value beside what was printed.
        h('td', {}, (c.overflow || []).map((o) => h('div', {}, `${o.label}: ${o.value}(印字: ${o.printed || '空白'})`))),
        // 処分情報 (1.3.8): a certificate issued in error and destroyed.
        h('td', {}, c.disposed ? `処分済み ${jst(c.disposed.at)} ${c.disposed.staff}(${c.disposed.reason})` : disposeButton(main, c)))))),
    h('h2', {}, '照合番号による確認'), verify, verified);
}

// 再印刷 (1.3.8, 10.7): the same certificate again (用紙詰まり …), as a PDF or to a printer.
function reprintButton(c, printers) {
  const no = `第${String(c.serial).padStart(6, '0')}号`;
  const status = h('span', { 'aria-live': 'polite' });
  const reason = h('input', { name: 'reason', value: '用紙詰まり', size: 8, 'aria-label': `再印刷の理由 ${no}` });
  const output = select('output', [['', 'PDF']].concat(printers.flatMap((p) => p.trays.map((t) => [`${p.id}|${t.keyword}`, `${p.number}・${t.label}`]))), 'output');
  output.setAttribute('aria-label', `再印刷の出力先 ${no}`);
  const button = h('button', { class: 'button button-secondary button-small', type: 'submit', 'aria-label': `再印刷 ${no}` }, '再印刷');
  const form = h('form', { class: 'inline', novalidate: true }, reason, output, button, status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    const r = await api('POST', `/certificates/${c.serial}/reprint`, { reason: reason.value, output: outputOf(output.value) });
    button.disabled = false;
    if (!r.ok) { status.replaceChildren(r.data && r.data.message ? r.data.message : '再印刷できませんでした'); return; }
    status.replaceChildren(r.data instanceof Blob ? pdfLink(r.data, 'PDFを開く', `certificate-${c.serial}.pdf`) : `${printerLabel(r.data)}に印刷しました`);
  });
  return form;
}

function disposeButton(main, c) {
  const no = `第${String(c.serial).padStart(6, '0')}号`;
  const status = h('span', { 'aria-live': 'polite' });
  const reason = h('input', { name: 'reason', size: 10, 'aria-label': `処分の理由 ${no}` });
  const button = h('button', { class: 'button button-secondary button-small', type: 'submit', 'aria-label': `処分を記録 ${no}` }, '処分を記録');
  const form = h('form', { class: 'inline', novalidate: true }, reason, button, status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await api('POST', `/certificates/${c.serial}/dispose`, { reason: reason.value });
    if (!r.ok) { status.replaceChildren(r.data && r.data.message ? r.data.message : '記録できませんでした'); return; }
    form.replaceWith(`処分済み ${jst(r.data.disposed.at)} ${r.data.disposed.staff}(${r.data.disposed.reason})`);
  });
  return form;
}

function reissueButton(main, c) {
  const no = `第${String(c.serial).padStart(6, '0')}号`;
  const status = h('span', { 'aria-live': 'polite' });
  const reason = h('input', { name: 'reason', value: '紛失', size: 6, 'aria-label': `再交付の理由 ${no}` });
  const button = h('button', { class: 'button button-secondary button-small', type: 'submit', 'aria-label': `再交付 ${no}` }, '再交付');
  const form = h('form', { class: 'inline', novalidate: true }, reason, button, status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    const r = await api('POST', `/certificates/${c.serial}/reissue`, { reason: reason.value });
    if (!r.ok) { button.disabled = false; status.replaceChildren(r.data && r.data.message ? r.data.message : '再交付できませんでした'); return; }
    const serial = r.headers.get('x-kikan-certificate-serial');
    form.replaceWith(pdfLink(r.data, `再交付 第${String(serial).padStart(6, '0')}号を開く`, `転出証明書-再交付-${serial}.pdf`));
  });
  return form;
}

// ---------- 支援措置, audit, staff ----------
async function supportScreen(main) {
  const stepped = h('div', { 'aria-live': 'polite' });
  async function step(id, what, body) {
    const r = await api('POST', `/support-measures/${id}/${what}`, body);
    if (!r.ok) { show(stepped, banner('error', r.data.message, ` (${r.data.code})`)); return; }
    await route();
  }
  const res = await api('GET', '/support-measures');
  const list = res.ok ? res.data : [];
  const form = h('form', { novalidate: true },
    h('div', { class: 'row' },
      field('申出者(宛名番号)', text('applicant', 'applicant', { inputmode: 'numeric' }), { required: true }),
      field('併せて支援を求める者(宛名番号、カンマ区切り)', text('together', 'together')),
      field('種別', select('kind', ['DV', 'ストーカー', '児童虐待', 'その他'], 'kind'))),
    h('div', { class: 'row' },
      field('開始年月日', text('starts_on', 'starts_on'), { hint: '空欄なら本日。例: 令和8年4月1日' }),
      field('終了年月日', text('ends_on', 'ends_on'), { hint: '空欄なら開始から1年' }),
      field('申出者の連絡先', text('contact', 'contact'), { hint: '電話番号・メールアドレス等' })),
    checkbox('provisional', '仮支援措置として受け付ける(支援の必要性の確認前)', 'true', false),
    h('fieldset', {}, h('legend', {}, '支援を求められている事務'),
      checkbox('s_inspection', '住民基本台帳の一部の写しの閲覧', 'true', true),
      checkbox('s_copies', '住民票の写し等の交付', 'true', true),
      checkbox('s_fuhyo', '戸籍の附票の写し等の交付', 'true', true)),
    h('div', { class: 'row' },
      field('加害者の氏名', text('offender_name', 'offenders[0].name'), { required: true }),
      field('加害者の生年月日', text('offender_birth', 'offenders[0].birth_date')),
      field('続柄・関係', text('offender_relation', 'offenders[0].relation')),
      field('加害者に関するその他', text('offender_note', 'offenders[0].note'))),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '登録')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const together = v(form, 'together').split(/[,、\s]+/).filter(Boolean).map(Number);
    const r = await api('POST', '/support-measures', { applicant: Number(v(form, 'applicant')), together, kind: v(form, 'kind'),
      starts_on: opt(v(form, 'starts_on')), ends_on: opt(v(form, 'ends_on')), contact: opt(v(form, 'contact')),
      provisional: form.elements.provisional.checked,
      services: { inspection: form.elements.s_inspection.checked, copies: form.elements.s_copies.checked, fuhyo: form.elements.s_fuhyo.checked },
      offenders: [{ name: v(form, 'offender_name'), birth_date: opt(v(form, 'offender_birth')), relation: opt(v(form, 'offender_relation')), note: opt(v(form, 'offender_note')) }] });
    if (!r.ok) return showError(form, r);
    route();
  });
  show(main, h('h1', {}, '支援措置'),
    !res.ok ? banner('error', res.data.message) : null,
    h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['番号', '申出者', '対象者', '種別', '期間', '状態', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, list.map((m) => h('tr', {}, h('td', {}, m.id), h('td', {}, h('a', { href: `#/person/${m.applicant}` }, m.applicant)),
        h('td', {}, m.together.join('、')), h('td', {}, m.kind), h('td', {}, `${m.starts_on.wareki}〜${m.ends_on.wareki}`),
        h('td', {}, m.status, m.status === '措置中' ? `(残り${m.days_left}日)` : '', m.alert ? h('div', { class: 'hint' }, m.alert) : null),
        h('td', {}, m.in_force ? [
          m.provisional_since ? h('button', { class: 'button button-text', type: 'button', onclick: () => step(m.id, 'confirm', {}) }, '支援措置を開始')
            : h('button', { class: 'button button-text', type: 'button', disabled: m.extendable_from.iso > japanToday() ? true : null, title: `延長は${m.extendable_from.wareki}から`, onclick: () => step(m.id, 'extend', {}) }, '1年延長'),
          // 3.4 (帳票 20.5.1): told before the period ends.
          m.provisional_since ? null : letterButton(`/support-measures/${m.id}/end-notice`, '期間終了通知', `支援措置期間終了通知-${m.id}.pdf`),
          h('button', { class: 'button button-text', type: 'button', onclick: () => step(m.id, 'end', { note: '申出者の求めにより終了' }) }, '終了')] : null,
        // 1.1.16: the persons as their records show them; once moved away, the 転出先 three ways.
        h('details', {}, h('summary', {}, '対象者の詳細'), h('dl', { class: 'record' }, (m.persons || []).flatMap((x) => [
          h('dt', {}, `${x.role}${x.relation ? `(${x.relation})` : ''}`),
          h('dd', {}, `${x.name}(${x.furigana})${x.alias ? ` 通称 ${x.alias}` : ''} ${x.birth_date} ${x.sex}`,
            h('div', {}, `${x.moved_away ? '前住所(最終住所)' : '住所'}: ${x.address}`),
            x.previous_address ? h('div', {}, `前住所等: ${x.previous_address}`) : null,
            x.honseki ? h('div', {}, `本籍: ${x.honseki}`) : null,
            x.previous_honseki.length ? h('div', {}, `前本籍等: ${x.previous_honseki.join('、')}`) : null,
            x.moved_away ? h('div', {}, `${x.moved_away.on} 転出 — 統合記載欄の転出先: ${x.moved_away.recorded_destination || ''}`,
              `/転出届の転出先(予定): ${x.moved_away.planned_destination || ''}`, `/転入通知の転出先: ${x.moved_away.notified_destination || '未着'}`) : null)])))))))),
    stepped,
    h('h2', {}, '新しい支援措置の登録'), form);
}

// 10.2 アクセスログ管理: the log searched by period, staff, action, resident, outcome and
// hours, and a summary per staff member over the period.
async function auditScreen(main, q) {
  const params = new URLSearchParams();
  for (const k of ['from', 'to', 'actor', 'action', 'person', 'outcome']) if (q.get(k)) params.set(k, q.get(k));
  if (q.get('after_hours') === 'true') params.set('after_hours', 'true');
  if (q.get('my_number') === 'true') params.set('my_number', 'true');
  params.set('limit', '200');
  const period = new URLSearchParams();
  for (const k of ['from', 'to']) if (q.get(k)) period.set(k, q.get(k));
  const [log, verify, summary] = await Promise.all([api('GET', `/audit?${params}`), api('GET', '/audit/verify'), api('GET', `/audit/summary?${period}`)]);
  const rows = log.ok ? log.data.slice().reverse() : [];
  const form = h('form', { novalidate: true, role: 'search' },
    h('div', { class: 'row' },
      field('期間(から)', text('from', 'from', { value: q.get('from') || '' }), { hint: '例: 令和8年12月1日' }),
      field('期間(まで)', text('to', 'to', { value: q.get('to') || '' })),
      field('職員', text('actor', 'actor', { value: q.get('actor') || '' })),
      field('宛名番号', text('person', 'person', { value: q.get('person') || '', inputmode: 'numeric' })),
      field('結果', select('outcome', [['', 'すべて'], ['ok', '許可'], ['denied', '拒否']], 'outcome'))),
    checkbox('after_hours', '深夜・休業日のみ', 'true', q.get('after_hours') === 'true'),
    checkbox('my_number', '個人番号へのアクセスのみ', 'true', q.get('my_number') === 'true'),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '検索')));
  form.elements.outcome.value = q.get('outcome') || '';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const k of ['from', 'to', 'actor', 'person', 'outcome']) if (v(form, k)) p.set(k, v(form, k));
    if (form.elements.after_hours.checked) p.set('after_hours', 'true');
    if (form.elements.my_number.checked) p.set('my_number', 'true');
    location.hash = `#/audit?${p}`;
  });
  show(main, h('h1', {}, '監査ログ'),
    verify.ok ? banner(verify.data.ok ? 'success' : 'error', verify.data.ok ? 'ハッシュ連鎖は正常です' : '監査ログの改ざんを検出しました', ` ${verify.data.message || ''}`) : null,
    form, !log.ok ? banner('error', log.data.message, ` (${log.data.code})`) : null,
    h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['番号', '日時', '職員', '操作', '対象', '利用目的', '結果', '個人番号', '内容'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((a) => h('tr', {}, h('td', {}, a.seq), h('td', {}, jst(a.at)), h('td', {}, a.actor),
        h('td', {}, a.action), h('td', {}, a.persons.join('、')), h('td', {}, a.purpose || ''),
        h('td', {}, a.outcome === 'ok' ? '許可' : '拒否'), h('td', {}, a.my_number ? '有' : ''), h('td', {}, a.detail))))),
    h('h2', {}, '職員別の集計'),
    summary.ok ? h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['職員', 'ログイン', 'ログイン失敗', '参照', '検索', '検索該当者数', '最大該当者数', '抽出', '拒否', '深夜・休業日', '個人番号'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, summary.data.map((x) => h('tr', {}, [x.actor, x.logins, x.failed_logins, x.reads, x.searches, x.search_hits, x.largest_search, x.exports, x.denied, x.after_hours, x.my_number].map((c) => h('td', {}, c)))))) : null);
}

// 通信ログ (10.2): this server's errors talking to the database, the CS and the IdP.
async function commLogScreen(main, q) {
  const params = new URLSearchParams();
  for (const k of ['from', 'to', 'peer']) if (q.get(k)) params.set(k, q.get(k));
  const [log, period] = await Promise.all([api('GET', `/comm-log?${params}`), api('GET', '/log-retention')]);
  const form = h('form', { novalidate: true, role: 'search' },
    h('div', { class: 'row' },
      field('期間(から)', text('from', 'from', { value: q.get('from') || '' }), { hint: '例: 令和8年12月1日' }),
      field('期間(まで)', text('to', 'to', { value: q.get('to') || '' })),
      field('通信先', select('peer', [['', 'すべて'], ['database', 'データベースサーバ'], ['cs', '住基ネット(CS)'], ['idp', 'IDプロバイダ']], 'peer'))),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '検索')));
  form.elements.peer.value = q.get('peer') || '';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const k of ['from', 'to', 'peer']) if (v(form, k)) p.set(k, v(form, k));
    location.hash = `#/comm-log?${p}`;
  });
  const rows = log.ok ? log.data.records.slice().reverse() : [];
  show(main, h('h1', {}, '通信ログ'),
    period.ok ? h('p', {}, `保管期間: ${period.data.years}年${period.data.set ? '' : '(既定)'}。期間を過ぎた日のログは日次処理で削除します。`) : null,
    log.ok ? banner(log.data.chain_ok ? 'success' : 'error', log.data.chain_ok ? '通信ログのハッシュ連鎖は正常です' : '通信ログの改ざんを検出しました', ` ${log.data.chain_error || ''}`)
      : banner('error', log.data.message, ` (${log.data.code})`),
    form,
    rows.length ? h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['日時', '通信先', '処理', 'エラー'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, h('td', {}, jst(r.at)), h('td', {}, r.peer_label), h('td', {}, r.operation), h('td', {}, r.error)))))
      : h('p', {}, '該当する通信エラーはありません。'));
}

async function staffScreen(main) {
  const [res, deps, table] = await Promise.all([api('GET', '/staff'), api('GET', '/departments'), api('GET', '/staff/permission-table')]);
  const list = res.ok ? res.data : [];
  const departments = deps.ok ? deps.data : [];
  const depOptions = [['', '所属なし'], ...departments.map((d) => [d.code, `${d.name}(${d.code})`])];
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true }, h('div', { class: 'row' },
    field('職員ID', text('login', 'login'), { required: true }), field('氏名', text('name', 'name'), { required: true }),
    field('役割', select('role', [['reception', '窓口'], ['examiner', '審査'], ['admin', '管理者'], ['auditor', '監査']], 'role')),
    field('初期パスワード', h('input', { type: 'password', name: 'password', autocomplete: 'new-password', dataset: { field: 'password' } }), { required: true, hint: '12文字以上' })),
  h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '追加')), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/staff', { login: v(form, 'login'), name: v(form, 'name'), role: v(form, 'role'), password: form.elements.password.value });
    if (!r.ok) return showError(form, r);
    show(out, r.data.staff.awaiting_approval
      ? banner('success', `${r.data.staff.name} さんを承認待ちで登録しました`, ' 住民情報を扱う役割のため、審査の職員が「アクセス承認」で承認すると有効になります。認証アプリの秘密鍵は承認した職員に表示されます。')
      : banner('success', `${r.data.staff.name} さんを追加しました`, ` 認証アプリに登録する秘密鍵(この一度だけ表示): ${r.data.totp_secret || ''}`));
    const fresh = await api('GET', '/staff');
    if (fresh.ok) show(tbody, ...staffRows(fresh.data));
  });
  // 10.4 操作権限設定: the items hidden on a staff member's screens.
  const ITEMS = [['honseki', '戸籍の表示'], ['individual_number', '個人番号'], ['juminhyo_code', '住民票コード'], ['residence_status', '在留資格等']];
  const itemsCell = (s) => {
    const boxes = ITEMS.map(([code, label]) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: `hide-${s.login}-${code}`, value: code, checked: (s.hidden_items || []).includes(code) }), `${label}を隠す`));
    return h('td', {}, h('div', { class: 'row' }, ...boxes),
      h('button', { class: 'button button-text', type: 'button', onclick: async () => {
        const hidden = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
        const r = await api('POST', `/staff/${encodeURIComponent(s.login)}/items`, { hidden_items: hidden });
        show(out, r.ok ? banner('success', `${s.name} さんの表示項目を保存しました`) : banner('error', r.data.message, ` (${r.data.code})`));
      } }, '表示項目を保存'));
  };
  // 10.3: 所属部署 and 利用期間, and a change prepared for a later day (スケジューラー).
  const profileCell = (s) => {
    const dep = select(`dep-${s.login}`, depOptions, 'department', { 'aria-label': `${s.name}の所属部署` });
    dep.value = s.department || '';
    const from = text(`from-${s.login}`, 'valid_from', { value: s.valid_from || '', 'aria-label': `${s.name}の利用開始日` });
    const until = text(`until-${s.login}`, 'valid_until', { value: s.valid_until || '', 'aria-label': `${s.name}の利用終了日` });
    const on = text(`on-${s.login}`, 'on', { 'aria-label': `${s.name}の予定日` });
    const to = select(`to-${s.login}`, [['', '部署は変えない'], ...departments.map((d) => [d.code, `${d.name}へ`])], 'department', { 'aria-label': `${s.name}の予定後の所属部署` });
    const ends = h('input', { type: 'checkbox', name: `ends-${s.login}`, 'aria-label': `${s.name}の利用を予定日の前日で終える` });
    const say = (r, what) => show(out, r.ok ? banner('success', `${s.name} さんの${what}を保存しました`) : banner('error', r.data.message, ` (${r.data.code})`));
    return h('td', {}, h('div', { class: 'row' }, dep, from, until,
      h('button', { class: 'button button-text', type: 'button', onclick: async () => {
        say(await api('POST', `/staff/${encodeURIComponent(s.login)}/profile`, { department: opt(dep.value), valid_from: opt(from.value), valid_until: opt(until.value) }), '所属部署・利用期間');
      } }, '所属・期間を保存')),
      s.scheduled ? h('div', { class: 'hint' }, `予定: ${s.scheduled.on} ${s.scheduled.department ? `${s.scheduled.department}へ異動` : ''}${s.scheduled.ends ? '利用終了' : ''}`) : null,
      h('div', { class: 'row' }, on, to, h('label', { class: 'check' }, ends, '前日で利用終了'),
        h('button', { class: 'button button-text', type: 'button', onclick: async () => {
          const r = await api('POST', `/staff/${encodeURIComponent(s.login)}/schedule`, { on: on.value, department: opt(to.value), ends: ends.checked });
          if (r.ok) { await route(); show($('main div[aria-live]'), banner('success', `${s.name} さんの変更を${on.value}に予定しました`)); } else say(r, '予定');
        } }, '変更を予定')));
  };
  const staffRows = (rows) => rows.map((s) => h('tr', {}, h('td', {}, s.login), h('td', {}, s.name), h('td', {}, s.role_label || s.role),
    h('td', {}, s.awaiting_approval ? '承認待ち' : s.active === false ? '停止' : '有効', s.locked ? h('span', { class: 'badge badge-late' }, 'ロック中') : null),
    itemsCell(s), profileCell(s),
    h('td', {}, (s.active !== false || s.awaiting_approval) && s.login !== S.me.actor ? h('button', { class: 'button button-text', type: 'button', onclick: async () => {
      const r = await api('POST', `/staff/${encodeURIComponent(s.login)}/deactivate`, {});
      if (!r.ok) { show(out, banner('error', r.data.message)); return; }
      route();
    } }, s.awaiting_approval ? '取下げ' : '利用停止') : null,
    s.login !== S.me.actor ? h('button', { class: 'button button-text', type: 'button', onclick: async () => {
      const password = prompt(`${s.name} さんの新しい初期パスワード(12文字以上)`);
      if (!password) return;
      const r = await api('POST', `/staff/${encodeURIComponent(s.login)}/password`, { password });
      show(out, r.ok ? banner('success', `${s.name} さんのパスワードを初期化しました`, ' 確認コード(認証アプリ)は変わりません。') : banner('error', r.data.message, ` (${r.data.code})`));
    } }, 'パスワード初期化') : null,
    s.login !== S.me.actor ? h('button', { class: 'button button-text', type: 'button', onclick: async () => {
      const r = await api('POST', `/staff/${encodeURIComponent(s.login)}/totp-reset`, {});
      if (!r.ok) { show(out, banner('error', r.data.message, ` (${r.data.code})`)); return; }
      await route();
      show($('main div[aria-live]'), r.data.totp_secret ? banner('success', `${s.name} さんの確認コードを再発行しました`, ` 認証アプリに登録する秘密鍵(この一度だけ表示): ${r.data.totp_secret}`)
        : banner('success', `${s.name} さんの確認コードを再発行しました`, ' 審査の職員が「アクセス承認」で承認すると有効になり、秘密鍵は承認した職員に表示されます。'));
    } }, '確認コード再発行') : null)));
  const tbody = h('tbody', {}, staffRows(list));
  // 所属部署 (組織単位): items hidden from every member.
  const depForm = h('form', { novalidate: true }, h('div', { class: 'row' },
    field('部署コード', text('code', 'code'), { required: true, hint: '半角英数字' }), field('部署名', text('name', 'name'), { required: true })),
    h('fieldset', {}, h('legend', {}, '部署の全員に隠す項目'), ...ITEMS.map(([code, label]) => checkbox(`dep_${code}`, label, code, false))),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '部署を保存')));
  depForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const hidden = ITEMS.map(([code]) => code).filter((code) => depForm.elements[`dep_${code}`].checked);
    const r = await api('POST', '/departments', { code: v(depForm, 'code'), name: v(depForm, 'name'), hidden_items: hidden });
    if (!r.ok) return showError(depForm, r);
    await route();
    show($('main div[aria-live]'), banner('success', `所属部署 ${r.data.name} を保存しました`));
  });
  // ログの保管期間 (10.2): set by the municipality (管理者), 1 to 30 years.
  const retention = await api('GET', '/log-retention');
  const periodOut = h('div', { 'aria-live': 'polite' });
  const periodForm = h('form', { novalidate: true },
    field('ログの保管期間(年)', text('years', 'years', { inputmode: 'numeric', value: retention.ok ? String(retention.data.years) : '5' }), { hint: '1〜30年。通信ログは期間を過ぎた日の分を日次処理で削除します' }),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '保管期間を保存')), periodOut);
  periodForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('PUT', '/log-retention', { years: Number(v(periodForm, 'years')) });
    if (!r.ok) return showError(periodForm, r);
    clearErrors(periodForm);
    show(periodOut, banner('success', `ログの保管期間を${r.data.years}年にしました`));
  });
  show(main, h('h1', {}, '職員管理'),
    h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['職員ID', '氏名', '役割', '状態', '非表示項目', '所属・利用期間', '操作'].map((t) => h('th', { scope: 'col' }, t)))), tbody),
    h('h2', {}, '職員の追加'), form,
    h('h2', {}, 'ログの保管期間'), periodForm,
    // 操作権限一覧表 (10.3): each account against each permission of its role.
    table.ok ? [h('h2', {}, '操作権限一覧表'),
      h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': '操作権限一覧表' }, h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['職員ID', '役割', '所属部署', '利用', ...table.data.permissions, '非表示項目'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, table.data.rows.map((r) => h('tr', {}, h('td', {}, r.login), h('td', {}, r.role_label), h('td', {}, r.department || ''),
          h('td', {}, r.usable ? '可' : '不可'), ...r.allowed.map((a) => h('td', {}, a ? '○' : '')), h('td', {}, r.hidden.join('・')))))))] : null,
    h('h2', {}, '所属部署'),
    departments.length ? h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['コード', '部署名', '隠す項目'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, departments.map((d) => h('tr', {}, h('td', {}, d.code), h('td', {}, d.name),
        h('td', {}, d.hidden_items.map((c) => (ITEMS.find(([k]) => k === c) || [c, c])[1]).join('・')))))) : h('p', {}, '所属部署はまだありません。'),
    depForm);
}

const BUSINESSES = { elector: '選挙人名簿', national_health_insurance: '国民健康保険', late_stage_medical: '後期高齢者医療', long_term_care: '介護保険',
  national_pension: '国民年金', child_allowance: '児童手当', card: '住基カード・個人番号カード' };
// アクセス承認: accounts and API tokens an administrator asked for with a role that sees
// personal data work only once 審査 approves them; the approver alone is shown the
// second factor (or the token), once, to hand over.
async function accessScreen(main) {
  const res = await api('GET', '/access-requests');
  const out = h('div', { 'aria-live': 'polite' });
  const data = res.ok ? res.data : { staff: [], tokens: [] };
  async function approve(path, what) {
    const r = await api('POST', path, {});
    if (!r.ok) { show(out, banner('error', r.data.message, ` (${r.data.code})`)); return; }
    const secret = r.data.totp_secret || r.data.token;
    await route();
    show($('#access-out'), banner('success', `${what}を承認しました`,
      r.data.totp_secret ? ` 本人に渡す認証アプリの秘密鍵(この一度だけ表示): ${secret}`
        : r.data.token ? ` 連携システムに設定するトークン(この一度だけ表示): ${secret}` : ' 業務システムはアクセストークンを取得できるようになりました。'));
  }
  out.id = 'access-out';
  show(main, h('h1', {}, 'アクセス承認'),
    !res.ok ? banner('error', res.data.message) : null, out,
    h('h2', {}, '承認待ちの職員'),
    data.staff.length === 0 ? h('p', {}, '承認待ちの職員はいません。') :
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['職員ID', '氏名', '役割', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, data.staff.map((s) => h('tr', {}, h('td', {}, s.login), h('td', {}, s.name), h('td', {}, s.role_label),
          h('td', {}, h('button', { class: 'button button-text', type: 'button', onclick: () => approve(`/staff/${encodeURIComponent(s.login)}/approve`, `${s.name} さん`) }, '承認')))))),
    h('h2', {}, '承認待ちのAPIトークン'),
    data.tokens.length === 0 ? h('p', {}, '承認待ちのAPIトークンはありません。') :
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['名称', '役割', '業務範囲(法第7条)', '依頼者', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, data.tokens.map((t) => h('tr', {}, h('td', {}, t.name), h('td', {}, t.role_label), h('td', {}, (t.businesses || []).map((b) => BUSINESSES[b] || b).join('、')), h('td', {}, t.created_by || ''),
          h('td', {}, h('button', { class: 'button button-text', type: 'button', onclick: () => approve(`/tokens/${t.id}/approve`, `「${t.name}」`) }, '承認')))))),
    h('h2', {}, '承認待ちの業務システム(庁内データ連携)'),
    (data.clients || []).length === 0 ? h('p', {}, '承認待ちの業務システムはありません。') :
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['業務システム', 'スコープ', '個人番号利用事務', '依頼者', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, data.clients.map((c) => h('tr', {}, h('td', {}, `${c.name}(${c.system_id})`), h('td', {}, c.scopes.join(' ')), h('td', {}, c.number_use ? '○' : ''), h('td', {}, c.created_by || ''),
          h('td', {}, h('button', { class: 'button button-text', type: 'button', onclick: () => approve(`/link/clients/${encodeURIComponent(c.client_id)}/approve`, `「${c.name}」`) }, '承認')))))));
}

// 異動・発行・照会抑止 (3.1): the suppressions in force (抑止対象者一覧, 9.2), each with
// its temporary release (一時解除: a reason and a time, after which it holds again by
// itself) and its release (解除); and a form to set one on a person or a household.
async function suppressScreen(main, q) {
  const ward = q.get('ward') || '';
  const [res, held, places] = await Promise.all([api('GET', `/suppressions?in_force=true${ward ? `&ward=${encodeURIComponent(ward)}` : ''}`), api('GET', '/locks'), api('GET', '/places')]);
  const list = res.ok ? res.data : [];
  // 9.2: in a designated city the list is split by 行政区.
  const wards = (places.ok ? places.data : []).filter((p) => p.kind === '区役所' && p.ward).map((p) => p.ward);
  const wardPick = wards.length ? select('ward', [['', 'すべての区'], ...wards.map((w) => [w, w])], 'ward', { 'aria-label': '行政区で分ける' }) : null;
  if (wardPick) {
    wardPick.value = ward;
    wardPick.addEventListener('change', () => { location.hash = `#/suppress${wardPick.value ? `?ward=${encodeURIComponent(wardPick.value)}` : ''}`; });
  }
  const locks = held.ok ? held.data : [];
  const lockRows = locks.map((l) => {
    const why = h('input', { type: 'text', name: `why-${l.subject_kind}-${l.subject_id}`, 'aria-label': `${l.subject_kind === 'person' ? '個人' : '世帯'} ${l.subject_id} の排他解除の理由` });
    return h('tr', {}, h('td', {}, l.subject_kind === 'person' ? h('a', { href: `#/person/${l.subject_id}` }, `個人 ${l.subject_id}`) : `世帯 ${l.subject_id}`),
      h('td', {}, l.holder), h('td', {}, l.purpose), h('td', {}, `${jst(l.since)}〜${jst(l.until)}`),
      h('td', {}, h('div', { class: 'row' }, why, h('button', { class: 'button button-text', type: 'button', onclick: async () => {
        const r = await api('POST', '/locks/force-release', { subject: { kind: l.subject_kind, id: l.subject_id }, reason: why.value });
        if (!r.ok) { show($('#suppress-out'), banner('error', r.data.message, ` (${r.data.code})`)); return; }
        await route();
        show($('#suppress-out'), banner('success', `${l.subject_kind === 'person' ? '個人' : '世帯'} ${l.subject_id} の排他を解除しました`));
      } }, '排他を解除'))));
  });
  const out = h('div', { 'aria-live': 'polite', id: 'suppress-out' });
  async function step(path, body) {
    const r = await api('POST', path, body);
    if (!r.ok) { show($('#suppress-out'), banner('error', r.data.message, ` (${r.data.code})`)); return; }
    await route();
    const last = r.data.history[r.data.history.length - 1];
    show($('#suppress-out'), banner('success', `抑止 ${r.data.id} を${last ? last.action : '更新'}しました`));
  }
  const rows = list.map((x) => {
    const reason = h('input', { type: 'text', name: `reason-${x.id}`, 'aria-label': `抑止 ${x.id} の一時解除の理由` });
    const minutes = h('select', { name: `minutes-${x.id}`, 'aria-label': `抑止 ${x.id} の一時解除の時間` },
      [['15', '15分'], ['30', '30分'], ['60', '60分']].map(([val, l]) => h('option', { value: val, selected: val === '30' ? true : null }, l)));
    return h('tr', {}, h('td', {}, x.id),
      h('td', {}, x.subject_kind === 'person' ? h('a', { href: `#/person/${x.subject_id}` }, `個人 ${x.subject_id}`) : `世帯 ${x.subject_id}`),
      wards.length ? h('td', {}, x.ward || '') : null,
      h('td', {}, x.category), h('td', {}, x.process_labels.join('・')), h('td', {}, x.level === 'error' ? 'エラー' : 'アラート'),
      h('td', {}, x.reason),
      h('td', {}, `${x.starts_on.wareki}〜${x.ends_on ? x.ends_on.wareki : ''}`, x.past_end ? h('div', { class: 'hint' }, '終了日経過(解除まで継続)') : null),
      h('td', {}, x.temporarily_released_until ? `一時解除中(${jst(x.temporarily_released_until)}まで)` : '抑止中'),
      h('td', {},
        can('release_suppression') && x.level === 'error' ? h('div', { class: 'row' }, reason, minutes,
          h('button', { class: 'button button-text', type: 'button', onclick: () => step(`/suppressions/${x.id}/release-temporarily`, { reason: reason.value, minutes: Number(minutes.value) }) }, '一時解除')) : null,
        h('button', { class: 'button button-text', type: 'button', onclick: () => step(`/suppressions/${x.id}/release`, { note: '解除' }) }, '解除')));
  });
  const form = h('form', { novalidate: true },
    h('div', { class: 'row' },
      field('対象', select('kind', [['person', '個人(宛名番号)'], ['household', '世帯(世帯番号)']], 'subject.kind')),
      field('番号', text('subject_id', 'subject.id', { inputmode: 'numeric', value: q.get('person') || '' }), { required: true }),
      field('区分', select('category', [['other', 'その他'], ['support', '支援対象者']], 'category')),
      field('レベル', select('level', [['error', 'エラー(処理不可)'], ['alert', 'アラート(処理可)']], 'level'))),
    h('fieldset', {}, h('legend', {}, '抑止する処理'),
      checkbox('p_change', '異動入力', 'change', true), checkbox('p_certificate', '証明書発行', 'certificate', true), checkbox('p_inquiry', '照会', 'inquiry', false)),
    h('div', { class: 'row' },
      field('理由', text('reason', 'reason'), { required: true }),
      field('開始日', text('starts_on', 'starts_on'), { hint: '空欄なら本日' }),
      field('終了日', text('ends_on', 'ends_on'), { hint: '終了日を過ぎても解除するまで抑止は続きます' })),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '抑止を設定')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const processes = ['change', 'certificate', 'inquiry'].filter((p) => form.elements[`p_${p}`].checked);
    const r = await api('POST', '/suppressions', { subject: { kind: v(form, 'kind'), id: Number(v(form, 'subject_id')) },
      category: v(form, 'category'), level: v(form, 'level'), processes, reason: v(form, 'reason'),
      starts_on: opt(v(form, 'starts_on')), ends_on: opt(v(form, 'ends_on')) });
    if (!r.ok) return showError(form, r);
    await route();
    show($('#suppress-out'), banner('success', `抑止 ${r.data.id} を設定しました`));
  });
  show(main, h('h1', {}, '抑止'), !res.ok ? banner('error', res.data.message) : null, out,
    h('h2', {}, '抑止対象者一覧', ward ? `(${ward})` : ''), wardPick,
    list.length === 0 ? h('p', {}, '抑止中の対象はありません。') :
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['番号', '対象', ...(wards.length ? ['行政区'] : []), '区分', '処理', 'レベル', '理由', '期間', '状態', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows)),
    // 排他制御 (10.3): records another clerk is entering a change of.
    h('h2', {}, '排他制御中の記録'),
    locks.length === 0 ? h('p', {}, '入力中で排他している記録はありません。') :
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['対象', '入力中の職員', '作業', '時間', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, lockRows)),
    h('h2', {}, '抑止の設定'), form);
}

// 入力場所・入力端末 (1.3.1): 管理者 registers the places and their terminals.
// ---------- 住所辞書 (1.3.2–1.3.4) ----------
// The dictionary's 町字 found by 住所カナ, 郵便番号 or 住所コード; for those who keep it,
// the edit of a 町字 (kept over later imports), the imports of the public files, and the
// 方書 master of a 町字 with its 住居表示・地番 numbers.
const TOWN_FIELDS = [['pref', '都道府県'], ['pref_kana', '都道府県(カナ)'], ['county', '郡'], ['county_kana', '郡(カナ)'],
  ['city', '市区町村'], ['city_kana', '市区町村(カナ)'], ['ward', '区'], ['ward_kana', '区(カナ)'], ['oaza', '大字・町'],
  ['oaza_kana', '大字・町(カナ)'], ['chome', '丁目'], ['chome_kana', '丁目(カナ)'], ['koaza', '小字'], ['koaza_kana', '小字(カナ)'],
  ['postal_code', '郵便番号'], ['effective_on', '効力発生日'], ['abolished_on', '廃止日']];
async function addressesScreen(main, q) {
  const manage = can('manage_addresses');
  const query = q.get('q') || '';
  const out = h('div', { 'aria-live': 'polite', id: 'addresses-out' });
  const form = h('form', { class: 'row', novalidate: true },
    field('住所カナ・郵便番号・住所コード', text('q', 'q', { value: query, size: 20 }), { hint: '例: ト ヒ シ、1910016、13212(前方一致)' }),
    checkbox('abolished', '廃止された町字も', 'true', q.get('abolished') === 'true'),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '検索')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/addresses?q=${encodeURIComponent(v(form, 'q'))}${form.elements.abolished.checked ? '&abolished=true' : ''}`;
  });
  let towns = [];
  if (query) {
    const digits = query.replace(/[-－]/g, '');
    // Seven digits are a 郵便番号; other digits a 住所コード or its prefix; the rest kana.
    const key = /^\d+$/.test(digits) ? (digits.length === 7 ? 'postal_code' : 'code') : 'kana';
    const r = await api('GET', `/address-dictionary/towns?${key}=${encodeURIComponent(key === 'kana' ? query : digits)}${q.get('abolished') === 'true' ? '&abolished=true' : ''}`);
    if (!r.ok) show(out, banner('error', r.data ? r.data.message : '検索できませんでした'));
    else towns = r.data.towns;
  }
  const detail = h('div', { id: 'town-detail' });
  const open = async (t) => {
    const [nums, kat] = await Promise.all([api('GET', `/address-dictionary/numbers?town=${t.code}`), api('GET', `/address-dictionary/katagaki?town=${t.code}`)]);
    const edit = h('form', { novalidate: true },
      h('div', { class: 'row' }, TOWN_FIELDS.map(([k, label]) => field(label, text(k, k, { value: t[k] || '', size: 14 })))),
      checkbox('residential', '住居表示実施済み', 'true', t.residential),
      h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '町字を修正')));
    edit.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = { code: t.code, residential: edit.elements.residential.checked };
      for (const [k] of TOWN_FIELDS) body[k] = v(edit, k);
      for (const k of ['postal_code', 'effective_on', 'abolished_on']) body[k] = opt(body[k]);
      const r = await api('POST', '/address-dictionary/towns', body);
      if (!r.ok) { showError(edit, r); return; }
      show(out, banner('success', `${r.data.text}(${r.data.code})を修正しました`, '以後の取込みでも職員の修正が保たれます。'));
      open(r.data);
    });
    const katForm = h('form', { novalidate: true },
      h('div', { class: 'row' },
        field('番地', text('banchi', 'banchi'), { required: true, hint: '例: 1番2号' }),
        field('建物名', text('name', 'name'), { required: true }),
        field('建物名(カナ)', text('kana', 'kana'))),
      h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '方書を登録')));
    katForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const r = await api('POST', '/address-dictionary/katagaki', { town: t.code, banchi: v(katForm, 'banchi'), name: v(katForm, 'name'), kana: v(katForm, 'kana') });
      if (!r.ok) { showError(katForm, r); return; }
      show(out, banner('success', `方書「${r.data.name}」(${r.data.banchi})を登録しました`));
      open(t);
    });
    const retire = async (k) => {
      const r = await api('POST', '/address-dictionary/katagaki', { id: k.id, town: t.code, banchi: k.banchi, name: k.name, kana: k.kana, active: !k.active });
      if (!r.ok) { show(out, banner('error', r.data.message)); return; }
      open(t);
    };
    const numbers = nums.ok ? nums.data : [];
    const katagaki = kat.ok ? kat.data : [];
    show(detail, h('h2', {}, `${t.text}(住所コード ${t.code})`),
      t.edited ? h('p', { class: 'muted' }, '職員が修正した町字です(取込みで上書きされません)。') : null,
      manage ? edit : null,
      h('h3', {}, `住居表示・地番 ${numbers.length}件`),
      numbers.length ? h('p', {}, numbers.map((n) => `${n.kind === 'residence' ? '住居表示' : '地番'} ${n.text}${n.abolished_on ? '(廃止)' : ''}`).join('、')) : h('p', { class: 'muted' }, '登録されていません。'),
      h('h3', {}, `方書 ${katagaki.length}件`),
      katagaki.length ? h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['番地', '建物名', '状態', '操作'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, katagaki.map((k) => h('tr', {}, h('td', {}, k.banchi), h('td', {}, k.name, k.kana ? h('div', { class: 'muted' }, k.kana) : null),
          h('td', {}, k.active ? '使用中' : '使用停止'),
          h('td', {}, manage ? h('button', { class: 'button button-secondary button-small', type: 'button', onclick: () => retire(k) }, k.active ? '使用停止' : '再使用') : null))))) : h('p', { class: 'muted' }, '登録されていません。'),
      manage ? katForm : null);
  };
  const importForm = h('form', { novalidate: true },
    h('div', { class: 'row' },
      field('ファイルの種類', select('kind', [['towns', '町字マスター(アドレス・ベース・レジストリ)'], ['residence', '住居表示-住居マスター'], ['parcel', '地番マスター'], ['postal', '郵便番号データ(KEN_ALL.CSV, Shift_JIS)'], ['countries', '国名(code,name,alpha2,kana)']], 'kind')),
      field('ファイル', h('input', { type: 'file', name: 'file', accept: '.csv,.CSV,text/csv' }), { hint: '1 MiB まで。大きなファイルは kikan address import で取り込みます' })),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '取り込む')));
  importForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = importForm.elements.file.files[0];
    if (!file) { show(out, banner('error', 'ファイルを選んでください')); return; }
    const bytes = new Uint8Array(await file.arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    const r = await api('POST', '/address-dictionary/import', { kind: v(importForm, 'kind'), base64: btoa(bin) });
    if (!r.ok) { showError(importForm, r); return; }
    show(out, banner('success', `${r.data.lines}行を取り込みました(書込み${r.data.written}件、職員修正済み${r.data.kept}件を保持)`,
      r.data.ambiguous.length ? ` 郵便番号が複数あり設定しなかった町字: ${r.data.ambiguous.join('、')}` : ''));
  });
  show(main, h('h1', {}, '住所辞書'), out, form,
    query ? h('h2', {}, `町字 ${towns.length}件`) : null,
    query && towns.length ? h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['住所コード', '住所', '郵便番号', '住居表示', '廃止日', '操作'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, towns.map((t) => h('tr', {}, h('td', {}, t.code), h('td', {}, t.text, h('div', { class: 'muted' }, t.kana)),
        h('td', {}, t.postal_code || ''), h('td', {}, t.residential ? '実施済み' : ''), h('td', {}, t.abolished_on ? wareki(t.abolished_on) : ''),
        h('td', {}, h('button', { class: 'button button-secondary button-small', type: 'button', 'aria-label': `${t.text}を開く`, onclick: () => open(t) }, '開く')))))) : null,
    detail,
    manage ? [h('h2', {}, 'ファイルの取込み'), importForm] : null);
}

// 住所一括変更 (9.7): a 住居表示の実施, 町名変更, 地番変更 or 区画整理 from a CSV of 世帯番号
// (現住所) or 宛名番号 (本籍) with the values before and after; 仮処理 lists what would be
// done, 本処理 records it (a second run applies nothing twice); the notices to the
// households before or after, as one PDF.
async function addressChangesScreen(main) {
  const out = h('div', { 'aria-live': 'polite', id: 'address-changes-out' });
  const result = h('div', { id: 'address-changes-result' });
  const form = h('form', { novalidate: true },
    h('div', { class: 'row' },
      field('変更する項目', select('kind', [['address', '現住所(世帯番号ごと)'], ['honseki', '本籍(宛名番号ごと)']], 'kind')),
      field('事由', select('reason', ['住居表示の実施', '町名変更', '地番変更', '区画整理'], 'reason')),
      field('実施日', text('effective_on', 'effective_on'), { required: true, hint: '例: 令和8年10月1日' })),
    field('変更ファイル(CSV)', h('input', { type: 'file', name: 'file', accept: '.csv,text/csv' }),
      { hint: '現住所: 世帯番号,変更前住所,変更前番地,変更後住所,変更後番地(任意: 変更後住所コード,変更後郵便番号)/本籍: 宛名番号,変更前本籍,変更後本籍' }),
    field('または内容を貼り付け', h('textarea', { name: 'csv', rows: 5, dataset: { field: 'csv' } })),
    h('div', { class: 'actions' },
      h('button', { class: 'button button-secondary', type: 'submit', value: 'preview' }, '仮処理(一覧の作成)'),
      h('button', { class: 'button button-primary', type: 'submit', value: 'apply' }, '本処理(一括更新)'),
      h('button', { class: 'button button-secondary', type: 'submit', value: 'before' }, '事前通知を作成'),
      h('button', { class: 'button button-secondary', type: 'submit', value: 'after' }, '事後通知を作成')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const action = e.submitter ? e.submitter.value : 'preview';
    const f = form.elements.file.files[0];
    const body = { kind: v(form, 'kind'), reason: v(form, 'reason'), effective_on: v(form, 'effective_on'), csv: f ? await f.text() : v(form, 'csv'), apply: action === 'apply' };
    if (action === 'apply' && !window.confirm('一括更新を実行します。よろしいですか。')) return;
    if (action === 'before' || action === 'after') {
      const r = await api('POST', '/address-changes/notices', Object.assign(body, { when: action }));
      if (!r.ok) { showError(form, r); return; }
      const url = URL.createObjectURL(r.data);
      show(out, banner('success', '通知を作成しました', h('a', { href: url, download: `address-change-${action}.pdf` }, 'PDFを保存する')));
      return;
    }
    const r = await api('POST', '/address-changes', body);
    if (!r.ok) { showError(form, r); return; }
    const d = r.data;
    show(out, banner('success', d.applied ? `本処理を行いました: 変更${d.changed}件、除外${d.excluded}件` : `仮処理の一覧を作成しました(まだ更新していません): 除外${d.excluded}件`));
    show(result, h('h2', {}, `処理結果確認一覧 ${d.items.length}件`),
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['行', '世帯番号', '氏名', '変更前', '変更後', '結果'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, d.items.map((i) => h('tr', {}, h('td', {}, String(i.line)), h('td', {}, i.household_id ? String(i.household_id) : ''),
          h('td', {}, i.names.join('、')), h('td', {}, i.before), h('td', {}, i.after),
          h('td', {}, i.status, i.reason ? h('div', { class: 'error-text' }, i.reason) : null))))));
  });
  show(main, h('h1', {}, '住所一括変更'), out, form, result);
}

// CSV形式のデータの取込 (10.8): a file (UTF-8 or Shift_JIS, sent as base64) or text.
async function csvBody(form) {
  const f = form.elements.file.files[0];
  if (!f) return { csv: v(form, 'csv') };
  const bytes = new Uint8Array(await f.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { base64: btoa(bin) };
}
function csvFields(hint) {
  return [
    field('ファイル(CSV)', h('input', { type: 'file', name: 'file', accept: '.csv,text/csv' }), { hint }),
    field('または内容を貼り付け', h('textarea', { name: 'csv', rows: 4, dataset: { field: 'csv' } })),
  ];
}
// A certificate request read in (a 交付申請書, a verified 電子申請): what it asks, a
// preview, and the issue.
function requestReview(req) {
  const result = h('div', { 'aria-live': 'polite' });
  const send = async (preview) => {
    const res = await api('POST', preview ? '/certificates/preview' : '/certificates', req);
    if (!res.ok) return show(result, banner('error', res.data.message || '交付できません'));
    const serial = res.headers.get('x-kikan-certificate-serial');
    show(result, h('div', { class: 'result', role: 'status' },
      h('p', { class: 'big' }, preview ? '見本を作成しました(交付はまだです)' : `交付番号 第${String(serial).padStart(6, '0')}号 を交付しました`),
      pdfLink(res.data, preview ? '見本PDFを開く' : 'PDFを開いて印刷', preview ? 'preview.pdf' : `certificate-${serial}.pdf`)));
  };
  return h('div', {},
    h('dl', { class: 'summary' },
      h('dt', {}, '証明書'), h('dd', {}, req.kind),
      h('dt', {}, '対象'), h('dd', {}, req.household_id ? `世帯番号 ${req.household_id}(世帯全員)` : `宛名番号 ${(req.persons || []).join('、')}`),
      h('dt', {}, '記載事項'), h('dd', {}, (req.items || []).join('、') || '既定'),
      h('dt', {}, '請求者'), h('dd', {}, `${req.requester.kind}${req.requester.name ? ' ' + req.requester.name : ''}`),
      h('dt', {}, '利用目的'), h('dd', {}, req.purpose || ''),
      h('dt', {}, '本人確認書類'), h('dd', {}, req.identity_check), h('dt', {}, '通数'), h('dd', {}, String(req.copies))),
    h('div', { class: 'actions' },
      h('button', { class: 'button button-secondary', type: 'button', onclick: () => send(true) }, '見本を作成'),
      h('button', { class: 'button button-primary', type: 'button', onclick: () => send(false) }, '交付する')),
    result);
}

async function intakeScreen(main) {
  const out = h('div', { 'aria-live': 'polite', id: 'intake-out' });
  const changes = h('form', { novalidate: true, 'aria-labelledby': 'intake-changes-h' },
    field('様式', select('kind', ['転出証明書', '住民異動届'], 'kind')),
    ...csvFields('1行目に項目名(氏,名,氏フリガナ,生年月日,性別,続柄 … 様式ごとの項目は利用の手引き)、1人1行。UTF-8 または Shift_JIS'),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '取り込んで審査待ちに登録')));
  changes.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(changes);
    const r = await api('POST', '/intake/changes', Object.assign({ kind: v(changes, 'kind') }, await csvBody(changes)));
    if (!r.ok) return showError(changes, r);
    show(out, banner('success', `審査待ちに登録しました(入力番号 ${r.data.id})`, h('a', { href: '#/drafts' }, '審査待ちの一覧へ')));
  });
  const certOut = h('div', { id: 'intake-certificate-out' });
  const certs = h('form', { novalidate: true, 'aria-labelledby': 'intake-certificates-h' },
    ...csvFields('証明書の種類,記載方式,世帯番号,宛名番号,記載事項,請求者の種類,請求者宛名番号,請求者氏名,利用目的,本人確認書類,通数 …'),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '申請書を読み込む')));
  certs.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(certs);
    const r = await api('POST', '/intake/certificates', await csvBody(certs));
    if (!r.ok) return showError(certs, r);
    show(certOut, h('h3', {}, '読み込んだ申請'), requestReview(r.data.request));
  });
  // 電子申請 (7.2.5): an application signed with the 署名用電子証明書, verified, then issued
  // here and mailed to the registered address.
  const eappOut = h('div', { id: 'intake-eapp-out' });
  const eapp = h('form', { novalidate: true, 'aria-labelledby': 'intake-eapp-h' },
    h('div', { class: 'row' },
      field('申請データ', h('input', { type: 'file', name: 'document', dataset: { field: 'document' } }), { required: true }),
      field('電子署名', h('input', { type: 'file', name: 'signature', dataset: { field: 'signature' } }), { required: true }),
      field('署名用電子証明書', h('input', { type: 'file', name: 'certificate', dataset: { field: 'certificate' } }), { required: true, hint: 'PEMまたはDER' })),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '署名を検証する')));
  eapp.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(eapp);
    const b64 = async (name) => {
      const f = eapp.elements[name].files[0];
      if (!f) return '';
      const bytes = new Uint8Array(await f.arrayBuffer());
      let bin = '';
      for (const b of bytes) bin += String.fromCharCode(b);
      return btoa(bin);
    };
    const r = await api('POST', '/e-applications/verify', { document: await b64('document'), signature: await b64('signature'), certificate: await b64('certificate') });
    if (!r.ok) { show(eappOut); return showError(eapp, r); }
    const d = r.data;
    show(eappOut, banner('success', '電子署名を検証しました', ` 署名用電子証明書 ${d.signer.serial}(有効期限 ${d.signer.not_after})`),
      h('dl', { class: 'summary' },
        h('dt', {}, '申請者(電子証明書)'), h('dd', {}, `${d.signer.name}・${d.signer.birth}・${d.signer.sex || ''}・${d.signer.address || ''}`),
        h('dt', {}, '住民'), h('dd', {}, h('a', { href: `#/person/${d.applicant.id}` }, `${d.applicant.name}(宛名番号 ${d.applicant.id})`), ` ${d.applicant.address}`),
        h('dt', {}, '住所の照合'), h('dd', {}, d.address_matches ? '一致' : '一致しません(住所を確認してください)')),
      requestReview(d.request));
  });
  const cardOut = h('div', { id: 'intake-card-out' });
  const card = h('form', { novalidate: true, 'aria-labelledby': 'intake-card-h' },
    ...csvFields('氏名,住所,生年月日,性別,個人番号(任意: 旧氏,通称)の1行'),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '住民を探す')));
  card.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(card);
    const r = await api('POST', '/intake/card', await csvBody(card));
    if (!r.ok) return showError(card, r);
    const d = r.data;
    show(cardOut, h('p', {}, `券面: ${d.card.name}・${d.card.birth_date}・${d.card.sex}・${d.card.address}(${d.found_by}で検索)`),
      d.matches.length ? h('ul', {}, d.matches.map((m) => h('li', {}, h('a', { href: `#/person/${m.id}` }, `${m.name.full}(宛名番号 ${m.id})`))))
        : banner('warning', '該当する住民はいません'));
  });
  show(main, h('h1', {}, 'CSV形式のデータの取込'), out,
    h('h2', { id: 'intake-changes-h' }, '異動(転出証明書・住民異動届)'), changes,
    can('issue_certificate') ? h('h2', { id: 'intake-certificates-h' }, '証明書の交付申請書') : null, can('issue_certificate') ? certs : null, certOut,
    can('issue_certificate') ? h('h2', { id: 'intake-eapp-h' }, '電子申請(公的個人認証)') : null, can('issue_certificate') ? eapp : null, eappOut,
    h('h2', { id: 'intake-card-h' }, '個人番号カードの券面事項'), card, cardOut);
}

// 庁内データ連携 (7.1.2.3, 7.2.3): the business systems that read the register as OAuth
// clients. 管理者 registers one (its secret shown once), 審査 lets it in on アクセス承認;
// revoking it or giving it a new secret ends its tokens at once.
const LINK_RESOURCES = [['residents', '住民情報(全件)'], ['changes', '異動差分'], ['atena', '団体内統合宛名'], ['individual_number', '個人番号(個人番号利用事務のみ)'],
  ['issuance_holds', '証明書発行抑止(コンビニ交付システム)'], ['kiosk_certificates', 'コンビニ交付(証明書交付センター: 証明書の交付)']];
async function linkScreen(main) {
  const res = await api('GET', '/link/clients');
  const list = res.ok ? res.data : [];
  const out = h('div', { 'aria-live': 'polite', id: 'link-out' });
  const secretShown = (what, r) => banner('success', what,
    ` クライアントID: ${r.client.client_id} / クライアントシークレット(この一度だけ表示): ${r.client_secret} / トークンエンドポイント: ${r.token_endpoint}`);
  const form = h('form', { novalidate: true },
    h('div', { class: 'row' },
      field('業務システムID', text('system_id', 'system_id'), { required: true, hint: '半角英数字・ハイフン・下線(32文字まで)。スコープの先頭になります' }),
      field('業務システム名', text('name', 'name'), { required: true }),
      field('業務の利用目的', text('purpose', 'purpose'), { required: true, hint: '利用目的を送らない参照はこの目的で記録されます' })),
    h('fieldset', { class: 'field', dataset: { field: 'resources' } }, h('legend', {}, '参照・交付できる情報'),
      ...LINK_RESOURCES.map(([code, label]) => checkbox('resources', label, code, false))),
    checkbox('number_use', '個人番号利用事務の業務システム', 'true', false),
    checkbox('allow_basic', 'Basic認証を暫定的に許可する(通常は client_secret_jwt)', 'true', false),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '登録')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const resources = $$('input[name="resources"]', form).filter((i) => i.checked).map((i) => i.value);
    const r = await api('POST', '/link/clients', { system_id: v(form, 'system_id'), name: v(form, 'name'), purpose: v(form, 'purpose'),
      resources, number_use: form.elements.number_use.checked, allow_basic: form.elements.allow_basic.checked });
    if (!r.ok) return showError(form, r);
    await route();
    show($('#link-out'), secretShown(`業務システム「${r.data.client.name}」を承認待ちで登録しました。審査の職員が「アクセス承認」で承認すると使えます。`, r.data));
  });
  const act = async (c, path, what) => {
    const r = await api('POST', `/link/clients/${encodeURIComponent(c.client_id)}/${path}`, {});
    if (!r.ok) { show(out, banner('error', r.data.message, ` (${r.data.code})`)); return; }
    await route();
    show($('#link-out'), path === 'secret' ? secretShown(`「${c.name}」のシークレットを再発行しました(以前のトークンは無効です)`, r.data)
      : banner('success', `「${c.name}」を${what}しました`));
  };
  const state = (c) => (c.revoked ? '取消済み' : c.awaiting_approval ? '承認待ち' : '利用中');
  show(main, h('h1', {}, '庁内データ連携'),
    h('p', {}, '他業務の業務システムは OAuth 2.0 クライアントクレデンシャル(client_secret_jwt)で短時間有効のアクセストークンを得て、スコープ「業務システムID:リソース名:操作名」の範囲だけを参照します。'),
    !res.ok ? banner('error', res.data.message) : null, out,
    list.length === 0 ? h('p', {}, '登録された業務システムはありません。') :
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['業務システム', 'クライアントID', 'スコープ', '個人番号利用事務', '状態', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, list.map((c) => h('tr', {}, h('td', {}, `${c.name}(${c.system_id})`), h('td', {}, c.client_id), h('td', {}, c.scopes.join(' ')),
          h('td', {}, c.number_use ? '○' : ''), h('td', {}, state(c)),
          h('td', {}, c.revoked ? null : [
            h('button', { class: 'button button-text', type: 'button', onclick: () => act(c, 'secret', '') }, 'シークレット再発行'),
            h('button', { class: 'button button-text', type: 'button', onclick: () => act(c, 'revoke', '取消') }, '取消')]))))),
    h('h2', {}, '業務システムの登録'), form);
}

async function placesScreen(main) {
  const [places, terminals] = await Promise.all([api('GET', '/places'), api('GET', '/terminals')]);
  const ps = places.ok ? places.data : [];
  const ts = terminals.ok ? terminals.data : [];
  const out = h('div', { 'aria-live': 'polite', id: 'places-out' });
  const placeForm = h('form', { novalidate: true },
    h('div', { class: 'row' },
      field('場所コード', text('code', 'code'), { required: true, hint: '半角英数字' }),
      field('名称', text('name', 'name'), { required: true }),
      field('種別', select('kind', ['本庁', '支所', '出張所', '利用課', '区役所'], 'kind')),
      field('行政区', text('ward', 'ward'), { hint: '指定都市のみ。区役所はその区(例: 中区)、他の場所は所在の区' }),
      field('行政区のコード', text('ward_code', 'ward_code'), { hint: '区役所のみ。全国地方公共団体コード(例: 141038)' })),
    checkbox('limit_changes', '区役所の端末の異動を自区の住民に限る(区間転入を除く)', 'true', false),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '場所を登録')));
  placeForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/places', { code: v(placeForm, 'code'), name: v(placeForm, 'name'), kind: v(placeForm, 'kind'), ward: opt(v(placeForm, 'ward')), ward_code: opt(v(placeForm, 'ward_code')), limit_changes: placeForm.elements.limit_changes.checked });
    if (!r.ok) return showError(placeForm, r);
    await route();
    show($('#places-out'), banner('success', `入力場所 ${r.data.code} を登録しました`));
  });
  const terminalForm = h('form', { novalidate: true },
    h('div', { class: 'row' },
      field('端末コード', text('code', 'code'), { required: true, hint: '半角英数字' }),
      field('端末名', text('name', 'name'), { required: true }),
      field('入力場所', select('place', ps.map((p) => [p.code, p.name]), 'place'))),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '端末を登録')));
  terminalForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/terminals', { code: v(terminalForm, 'code'), name: v(terminalForm, 'name'), place: v(terminalForm, 'place') });
    if (!r.ok) return showError(terminalForm, r);
    await route();
    show($('#places-out'), banner('success', `入力端末 ${r.data.code} を登録しました`));
  });
  show(main, h('h1', {}, '入力場所・端末'), out,
    h('h2', {}, '入力場所'),
    h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['コード', '名称', '種別', '行政区', '状態'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ps.map((p) => h('tr', {}, h('td', {}, p.code), h('td', {}, p.name), h('td', {}, p.kind), h('td', {}, p.ward || ''), h('td', {}, p.active ? '使用中' : '停止'))))),
    placeForm,
    h('h2', {}, '入力端末'),
    h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['コード', '端末名', '入力場所', '状態'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ts.map((t) => h('tr', {}, h('td', {}, t.code), h('td', {}, t.name), h('td', {}, t.place), h('td', {}, t.active ? '使用中' : '停止'))))),
    terminalForm);
}

// パスワード変更 (10.3): the staff member's own password; they sign in again after.
async function passwordScreen(main) {
  const pw = (name, label) => field(label, h('input', { type: 'password', name, autocomplete: name === 'current' ? 'current-password' : 'new-password', dataset: { field: name } }), { required: true });
  const form = h('form', { novalidate: true }, pw('current', '現在のパスワード'), pw('new', '新しいパスワード(12文字以上)'),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '変更')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/me/password', { current: form.elements.current.value, new: form.elements.new.value });
    if (!r.ok) return showError(form, r);
    signedOut('パスワードを変更しました。新しいパスワードでログインしてください。');
  });
  show(main, h('h1', {}, 'パスワード変更'), form);
}

// セキュリティキー (10.3): the signed-in staff member's IC cards and biometric readers.
async function keysScreen(main) {
  const res = await api('GET', '/me/security-keys');
  const keys = res.ok ? res.data : [];
  const when = (t) => (t ? new Date(t).toLocaleString('ja-JP') : '未使用');
  const form = h('form', { novalidate: true },
    field('キーの名前', text('key_name', 'key_name', { maxlength: '40' }), { required: true, hint: '例: 庁内ICカード、指紋リーダー' }),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, 'キーを登録')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const opts = await api('POST', '/me/security-keys/options', { name: v(form, 'key_name') });
    if (!opts.ok) return showError(form, opts);
    let credential;
    try { credential = await webauthn.create(opts.data.options); } catch (err) {
      return show($('div[aria-live]', main), banner('error', 'キーを登録できませんでした', ` ${err.message || err}`));
    }
    const r = await api('POST', '/me/security-keys', { credential });
    if (!r.ok) return showError(form, r);
    await keysScreen(main);
    show($('div[aria-live]', main), banner('success', `セキュリティキー「${r.data.name}」を登録しました`, ' 次回からパスワードとこのキーでログインします。'));
  });
  const rows = keys.map((k) => {
    const del = h('button', { class: 'button button-secondary button-small', type: 'button' }, '削除');
    del.addEventListener('click', async () => {
      if (!window.confirm(`「${k.name}」を削除しますか`)) return;
      const r = await api('DELETE', `/me/security-keys/${encodeURIComponent(k.id)}`);
      if (!r.ok) return show($('div[aria-live]', main), banner('error', r.data.message || '削除できませんでした'));
      await keysScreen(main);
    });
    return h('tr', {}, h('td', {}, k.name), h('td', {}, when(k.created_at)), h('td', {}, when(k.last_used_at)), h('td', {}, del));
  });
  show(main, h('h1', {}, 'セキュリティキー'), h('div', { 'aria-live': 'polite' }),
    h('p', {}, 'ICカード(PIN入力)や指紋・顔認証のリーダーを二要素目として登録します。登録すると、ログインにはパスワードとキーが必要になり、認証アプリの確認コードは使えなくなります。キーをなくしたときは管理者に確認コードの再発行を依頼してください(登録したキーはすべて削除されます)。'),
    keys.length ? h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['名前', '登録日時', '最終使用', ''].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows))
      : h('p', {}, '登録されたキーはありません(確認コードでログインします)。'),
    h('h2', {}, 'キーの登録'), form);
}

// この端末: which registered terminal this browser is; every request then names it.
async function terminalScreen(main) {
  const res = await api('GET', '/terminals');
  const list = res.ok ? res.data.filter((t) => t.active) : [];
  const key = `kikan.terminal.${S.tenant}`;
  const form = h('form', { novalidate: true },
    field('この端末', select('terminal', [['', '(設定しない)'], ...list.map((t) => [t.code, `${t.code} ${t.name}(${t.place})`])], 'terminal')),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '保存')));
  form.elements.terminal.value = localStorage.getItem(key) || '';
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = v(form, 'terminal');
    if (code) localStorage.setItem(key, code); else localStorage.removeItem(key);
    await loadMe();
    show($('#terminal-out'), banner('success', code ? `この端末を ${code} として記録します` : '端末を設定しません'));
  });
  show(main, h('h1', {}, 'この端末'), h('div', { 'aria-live': 'polite', id: 'terminal-out' }),
    h('p', {}, '操作の記録(監査ログ・異動・証明書交付簿)に、ここで選んだ端末と入力場所が残ります。'), form);
}

// ---------- 日次処理 (9.1) and 転入通知未着者一覧 (4.1.3.1.4) ----------
async function awaitingScreen(main) {
  const res = await api('GET', '/move-outs/awaiting-notice');
  if (!res.ok) { show(main, h('h1', {}, '転入通知未着者一覧'), banner('error', res.data ? res.data.message : '表示できません')); return; }
  const rows = res.data;
  show(main, h('h1', {}, '転入通知未着者一覧'),
    h('p', {}, '転出予定日の到来により消除した人と職権で消除した人のうち、転入地からの転入通知がまだ届いていない人です。転入通知が届いたら、世帯の「その他の異動」から転出確定(転入通知の受理)を入力してください。'),
    rows.length === 0 ? h('p', {}, '転入通知の届いていない人はいません。') :
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['氏名', '生年月日', '消除事由', '転出予定日', '転出先(予定)', '消除日', '照会書'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows.map((p) => h('tr', {},
          h('td', {}, h('a', { href: `#/person/${p.id}` }, p.name.full), badges(p)), h('td', {}, p.birth_date.shown),
          h('td', {}, p.status.reason || ''),
          h('td', {}, p.status.moved_out ? p.status.moved_out.planned_on.wareki : ''),
          h('td', {}, p.status.moved_out ? p.status.moved_out.planned_destination.line : ''),
          h('td', {}, p.status.removed_on ? p.status.removed_on.wareki : ''),
          h('td', {}, p.status.moved_out ? letterButton(`/persons/${p.id}/move-in-inquiry`, '照会書', `照会書-${p.id}.pdf`) : ''))))));
}

// ---------- 世帯主不在世帯 (4.0.4, 4.0.5): the 対象者リスト of the 世帯主変更依頼通知書 ----------
// 住民基本台帳の一部の写し（閲覧用） (9.5): the list by the conditions set, as CSV or PDF;
// a random order keeps its seed, so the same list can be drawn again.
async function inspectionScreen(main) {
  const output = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true },
    h('p', {}, '氏名・生年月日・性別・住所の4項目です。支援措置の対象者は常に除かれます。'),
    h('div', { class: 'row' },
      field('基準日', text('as_of', 'as_of'), { hint: '空欄は本日' }),
      field('住所(町字まで)', text('place_prefix', 'place_prefix', { size: 30 }), { hint: '例: 神奈川県みほん市中央四丁目' }),
      field('性別', select('sex', ['', '男', '女'], 'sex'))),
    h('div', { class: 'row' },
      field('生年月日(から)', text('born_from', 'born_from')), field('生年月日(まで)', text('born_to', 'born_to'))),
    h('div', { class: 'row' },
      field('並び順', select('order', ['住所順', 'ランダム'], 'order')),
      field('シード', text('seed', 'seed', { inputmode: 'numeric' }), { hint: 'ランダム順位を再現するとき' }),
      field('出力形式', select('format', ['csv', 'pdf'], 'format'))),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '閲覧用リストを作成')), output);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const format = v(form, 'format');
    const r = await api('POST', '/inspection-list', { as_of: opt(v(form, 'as_of')), place_prefix: opt(v(form, 'place_prefix')), sex: opt(v(form, 'sex')),
      born_from: opt(v(form, 'born_from')), born_to: opt(v(form, 'born_to')), order: v(form, 'order'),
      seed: v(form, 'seed') ? Number(v(form, 'seed')) : undefined, format });
    if (!r.ok) return showError(form, r);
    const seed = r.headers.get('x-kikan-seed');
    show(output, h('div', { class: 'result', role: 'status' },
      h('p', { class: 'big' }, `${r.headers.get('x-kikan-rows')}人の閲覧用リストを作成しました`),
      seed ? h('p', {}, `シード ${seed}(同じ条件とシードで同じ順位になります)`) : null,
      pdfLink(r.data, `閲覧用リスト(${format.toUpperCase()})を開く`, `閲覧用リスト.${format}`)));
  });
  show(main, h('h1', {}, '住民基本台帳の一部の写し(閲覧用)'), form);
}

async function headlessScreen(main) {
  const res = await api('GET', '/households/headless');
  if (!res.ok) { show(main, h('h1', {}, '世帯主不在世帯'), banner('error', res.data ? res.data.message : '表示できません')); return; }
  const rows = res.data;
  show(main, h('h1', {}, '世帯主不在世帯'),
    h('p', {}, '世帯主がいなくなり、世帯員が2人以上残っている世帯です。世帯主変更届を出すよう世帯主変更依頼通知書を送るか、職権で世帯主を定めて(世帯主変更)世帯主変更通知書を送ってください。'),
    rows.length === 0 ? h('p', {}, '世帯主のいない世帯はありません。') :
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['世帯', '住所', '世帯主が不在となった日', '送付先', '世帯員', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows.map((r) => h('tr', {},
          h('td', {}, String(r.household_id)), h('td', {}, r.address.line),
          h('td', {}, r.since.wareki), h('td', {}, r.addressee_id ? h('a', { href: `#/person/${r.addressee_id}` }, r.addressee) : r.addressee), h('td', {}, `${r.members}人`),
          h('td', {}, letterButton(`/households/${r.household_id}/head-letter`, '世帯主変更依頼通知書', `世帯主変更依頼通知書-${r.household_id}.pdf`)))))));
}

async function dailyScreen(main, message) {
  const res = await api('GET', '/jobs/daily');
  const runs = res.ok ? res.data : [];
  const runNow = can('commit_change') ? h('button', { class: 'button button-primary', type: 'button', onclick: async () => {
    const r = await api('POST', '/jobs/daily');
    await dailyScreen(main, r.ok ? banner('success', '日次処理を実行しました', ` ${r.data.detail}`) : banner('error', r.data ? r.data.message : '実行できませんでした'));
  } }, '今すぐ実行') : null;
  show(main, h('h1', {}, '日次処理'), message || null,
    h('p', {}, '転出予定日が到来した転出予定者の消除など、日付の到来で必要な処理です。サーバーが毎日自動で実行し、失敗したときは1時間ごとに再実行します。同じ処理が二度適用されることはありません。'),
    h('div', { class: 'actions' }, runNow),
    runs.length === 0 ? h('p', {}, '実行記録はまだありません。') :
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['開始', '処理日', '結果', '内容', '実行元'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, runs.map((r) => h('tr', {},
          h('td', {}, jst(r.started_at)), h('td', {}, r.on.wareki), h('td', {}, r.ok ? '正常終了' : '異常終了'),
          h('td', {}, r.detail), h('td', {}, r.by))))));
}

// ---------- バッチ処理 (9.1) ----------
// A job run now from the previous run's parameters (each field changed since is marked),
// its schedules (年月日時分, 毎日, 毎週, 毎月, 毎月末) and its runs with their files.
const BATCH_FIELDS = {
  statistics: [
    ['on', '基準日', 'text', { hint: '日付、run_day(実行日)、month_start(実行月の1日)。空欄は実行日' }],
    ['period', '集計期間', [['previous_month', '前月'], ['previous_year', '前年'], ['', '日付で指定(から・まで)']]],
    ['from', '集計期間(から)', 'text'], ['to', '集計期間(まで)', 'text'],
    ['format', '出力形式', [['csv', 'CSV(UTF-8)'], ['xlsx', 'XLSX(提出用の集計表)']]],
  ],
  euc: [
    ['sql', '抽出条件(SQL)', 'textarea', { hint: 'EUC(データ抽出)の画面で作成したSQLを貼り付けます' }],
    ['on', '基準日', 'text', { hint: '空欄は実行日' }],
    ['format', '出力形式', [['csv', 'CSV(UTF-8)'], ['csv_sjis', 'CSV(Shift_JIS)'], ['xml', 'XML']]],
    ['purpose', '利用目的', 'text'],
  ],
  inspection: [
    ['on', '基準日', 'text', { hint: '空欄は実行日' }],
    ['place_prefix', '住所(町字まで)', 'text', { hint: '例: 神奈川県みほん市中央四丁目' }],
    ['sex', '性別', [['', '指定なし'], ['男', '男'], ['女', '女']]],
    ['born_from', '生年月日(から)', 'text'], ['born_to', '生年月日(まで)', 'text'],
  ],
  random_extract: [
    ['count', '抽出人数', 'text', { hint: '1〜100000' }],
    ['seed', 'シード', 'text', { hint: '空欄で新しいシード(実行結果に記録されます)。同じシードで同じ抽出をやり直せます' }],
    ['on', '基準日', 'text', { hint: '空欄は実行日' }],
    ['place_prefix', '住所(町字まで)', 'text'],
    ['sex', '性別', [['', '指定なし'], ['男', '男'], ['女', '女']]],
    ['born_from', '生年月日(から)', 'text'], ['born_to', '生年月日(まで)', 'text'],
  ],
  daily: [],
  cs_reconcile: [],
  suppressed: [],
  archive_removed: [],
};
// Parameters as staff read them: 基準日: 2026-12-03、集計期間: 前年.
function paramText(job, params) {
  return Object.entries(params || {}).filter(([k]) => k !== 'hidden').map(([k, val]) => {
    const f = BATCH_FIELDS[job].find((x) => x[0] === k);
    const shown = f && Array.isArray(f[2]) ? (f[2].find((o) => o[0] === val) || [val, val])[1] : val;
    return `${f ? f[1] : k}: ${shown}`;
  }).join('、');
}
async function batchScreen(main, message, chosen) {
  const jobsRes = await api('GET', '/jobs');
  if (!jobsRes.ok) { show(main, h('h1', {}, 'バッチ処理'), banner('error', jobsRes.data ? jobsRes.data.message : '表示できません')); return; }
  const jobs = jobsRes.data;
  const job = chosen || 'statistics';
  const info = jobs.find((j) => j.job === job) || jobs[0];
  const last = info.last_params || {};
  const jobSel = select('job', jobs.map((j) => [j.job, j.label]), 'job');
  jobSel.value = job;
  jobSel.addEventListener('change', () => batchScreen(main, null, jobSel.value));
  const inputs = {};
  const fields = BATCH_FIELDS[job].map(([name, label, kind, o]) => {
    const input = kind === 'textarea' ? h('textarea', { name, rows: 3, cols: 70, dataset: { field: `params.${name}` }, class: 'euc-sql' })
      : Array.isArray(kind) ? select(name, kind, `params.${name}`) : text(name, `params.${name}`, { size: 24 });
    if (last[name] !== undefined && last[name] !== null) input.value = String(last[name]);
    const before = input.value;
    inputs[name] = input;
    const mark = h('span', { class: 'badge badge-late', hidden: true }, '前回から変更');
    const update = () => { mark.hidden = !info.last_params || input.value.trim() === before; };
    input.addEventListener('input', update); input.addEventListener('change', update);
    const f = field(label, input, o || {});
    $('label', f).after(mark);
    return f;
  });
  const params = () => {
    const out = {};
    for (const [name, input] of Object.entries(inputs)) if (input.value.trim() !== '') out[name] = input.value.trim();
    return out;
  };
  const runForm = h('form', { novalidate: true },
    h('div', { class: 'row' }, field('処理', jobSel)),
    info.last_params ? h('p', {}, '前回実行したときのパラメータを表示しています。変更した項目には「前回から変更」と表示されます。') : h('p', {}, 'この処理はまだ実行されていません。'),
    ...fields,
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '今すぐ実行')));
  runForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await api('POST', `/jobs/${job}/run`, { params: params() });
    if (!r.ok) return showError(runForm, r);
    await batchScreen(main, banner(r.data.ok ? 'success' : 'error', r.data.ok ? '正常終了しました' : '異常終了しました', ` ${r.data.detail}`), job);
  });

  // スケジュール
  const schedRes = await api('GET', '/jobs/schedules');
  const schedules = (schedRes.ok ? schedRes.data : []).filter((x) => x.job === job);
  const kindSel = select('kind', [['daily', '毎日'], ['weekly', '毎週(曜日)'], ['monthly', '毎月(日)'], ['month_end', '毎月末'], ['yearly', '毎年(月日)'], ['once', '年月日時分(1回)']], 'schedule');
  const schedForm = h('form', { novalidate: true },
    h('div', { class: 'row' },
      field('起動方法', kindSel),
      field('時刻', text('time', 'schedule.time', { size: 6, value: '02:00' }), { hint: '例: 02:00' }),
      field('曜日', select('weekday', ['月', '火', '水', '木', '金', '土', '日'].map((d, i) => [String(i), `${d}曜日`]), 'schedule.weekday')),
      field('月', text('month', 'schedule.month', { size: 3, inputmode: 'numeric' }), { hint: '毎年の月(1〜12)' }),
      field('日', text('day', 'schedule.day', { size: 3, inputmode: 'numeric' }), { hint: '毎月・毎年の日(1〜31)' }),
      field('年月日', text('date', 'schedule.at', { size: 11 }), { hint: '1回だけのとき(2027-01-04)' })),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'submit' }, '上のパラメータでスケジュールを登録')));
  schedForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const kind = v(schedForm, 'kind');
    const time = `${v(schedForm, 'time')}:00`;
    const schedule = { kind, time };
    if (kind === 'weekly') schedule.weekday = Number(v(schedForm, 'weekday'));
    if (kind === 'monthly' || kind === 'yearly') schedule.day = Number(v(schedForm, 'day'));
    if (kind === 'yearly') schedule.month = Number(v(schedForm, 'month'));
    if (kind === 'once') { delete schedule.time; schedule.at = `${v(schedForm, 'date')}T${time}`; }
    const r = await api('POST', '/jobs/schedules', { job, schedule, params: params() });
    if (!r.ok) return showError(schedForm, r);
    await batchScreen(main, banner('success', 'スケジュールを登録しました', ` ${r.data.label}`), job);
  });
  const toggle = (x) => h('button', { class: 'button button-secondary button-small', type: 'button', onclick: async () => {
    const r = await api('POST', '/jobs/schedules', { id: x.id, job: x.job, schedule: x.schedule, params: x.params, active: !x.active });
    await batchScreen(main, r.ok ? banner('success', x.active ? 'スケジュールを停止しました' : 'スケジュールを再開しました') : banner('error', r.data ? r.data.message : '変更できませんでした'), job);
  } }, x.active ? '停止' : '再開');

  // 実行結果
  const runsRes = await api('GET', `/jobs/${job}/runs`);
  const runs = runsRes.ok ? runsRes.data : [];
  show(main, h('h1', {}, 'バッチ処理'), message || null,
    h('p', {}, '統計の集計表やEUCの抽出などを、今すぐ、または日時・曜日・日付・月末を指定して自動で実行します。実行結果は処理時間・処理端末・エラーコードとともに記録され、異常終了は通報システムに連携されます。'),
    h('h2', {}, '実行'), runForm,
    h('h2', {}, 'スケジュール'),
    schedules.length === 0 ? h('p', {}, 'この処理のスケジュールはありません。') :
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['起動', '次回', '状態', 'パラメータ', '設定者', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, schedules.map((x) => h('tr', {},
          h('td', {}, x.label), h('td', {}, x.next ? x.next.replace('T', ' ').slice(0, 16) : '—'), h('td', {}, x.active ? '有効' : '停止中'),
          h('td', {}, paramText(job, x.params)), h('td', {}, x.set_by), h('td', {}, toggle(x)))))),
    schedForm,
    h('h2', {}, '実行結果'),
    runs.length === 0 ? h('p', {}, '実行記録はまだありません。') :
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['開始', '処理時間', '結果', '内容', '処理端末', 'エラーコード', '起動', '出力'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, runs.map((r) => h('tr', {},
          h('td', {}, jst(r.started_at)), h('td', {}, `${(r.duration_ms / 1000).toFixed(1)}秒`), h('td', {}, r.ok ? '正常終了' : '異常終了'),
          h('td', {}, r.detail), h('td', {}, r.by), h('td', {}, r.error_code || ''), h('td', {}, r.schedule ? 'スケジュール' : '手動'),
          h('td', {}, r.has_output ? letterButton(`/jobs/runs/${r.id}/output`, '出力', `${job}-${r.id}.${job === 'euc' && (r.params || {}).format === 'xml' ? 'xml' : 'csv'}`) : ''))))));
}

// ---------- 無作為抽出 (9.6) ----------
// Residents drawn at random by 性別, 生年月日, 地区, 日本人・外国人の別 and a number, from a
// seed shown (the same seed draws them again), as CSV, a list or 宛名シール.
async function randomScreen(main) {
  const output = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true },
    h('p', {}, '条件に合う住民から指定した人数を無作為に抽出します。支援措置の対象者は常に除かれます。'),
    h('div', { class: 'row' },
      field('基準日', text('as_of', 'as_of'), { hint: '空欄は本日' }),
      field('地区(住所の町字まで)', text('place_prefix', 'place_prefix', { size: 30 }), { hint: '例: 神奈川県みほん市中央四丁目' }),
      field('性別', select('sex', ['', '男', '女'], 'sex'))),
    h('div', { class: 'row' },
      field('生年月日(から)', text('born_from', 'born_from')), field('生年月日(まで)', text('born_to', 'born_to')),
      field('日本人・外国人の別', select('nationality', [['', '指定なし'], '日本人', '外国人'], 'nationality'))),
    h('div', { class: 'row' },
      field('抽出人数', text('count', 'count', { inputmode: 'numeric' }), { required: true }),
      field('シード', text('seed', 'seed', { inputmode: 'numeric' }), { hint: '同じ抽出を再現するとき' }),
      field('出力形式', select('format', [['csv', 'CSV'], ['pdf', '一覧(PDF)'], ['labels', '宛名シール(PDF)']], 'format'))),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '抽出')), output);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const format = v(form, 'format');
    const r = await api('POST', '/random-extract', { as_of: opt(v(form, 'as_of')), place_prefix: opt(v(form, 'place_prefix')), sex: opt(v(form, 'sex')),
      born_from: opt(v(form, 'born_from')), born_to: opt(v(form, 'born_to')), nationality: opt(v(form, 'nationality')),
      count: v(form, 'count') ? Number(v(form, 'count')) : undefined, seed: v(form, 'seed') ? Number(v(form, 'seed')) : undefined, format });
    if (!r.ok) return showError(form, r);
    const seed = r.headers.get('x-kikan-seed');
    const ext = format === 'csv' ? 'csv' : 'pdf';
    const label = { csv: '抽出結果(CSV)', pdf: '抽出結果一覧(PDF)', labels: '宛名シール(PDF)' }[format];
    show(output, h('div', { class: 'result', role: 'status' },
      h('p', { class: 'big' }, `${r.headers.get('x-kikan-rows')}人を抽出しました`),
      h('p', {}, `シード ${seed}(同じ条件とシードで同じ人を抽出します)`),
      pdfLink(r.data, `${label}を開く`, `無作為抽出-${seed}.${ext}`)));
  });
  show(main, h('h1', {}, '無作為抽出・条件指定抽出'), form);
}

// ---------- EUC (10.1) ----------
// The wizard: a table of the data source, the items, conditions and the kind of result
// (一覧・件数・集計), turned into SQL by the server and shown; the SQL can be edited and
// run as it stands. Results on the screen (first 500 rows), as CSV (UTF-8 or
// Shift_JIS), XML, a list or 宛名シール.
async function eucScreen(main) {
  const cat = await api('GET', '/euc/tables');
  if (!cat.ok) { show(main, h('h1', {}, 'EUC(データ抽出)'), banner('error', cat.data ? cat.data.message : '表示できません')); return; }
  const tables = cat.data.tables;
  const output = h('div', { 'aria-live': 'polite' });
  const items = h('fieldset', { class: 'euc-items' });
  const conds = h('div', { class: 'euc-conds' });
  const order = select('order', [['', '指定なし']], 'wizard.order');
  const tableSel = select('table', tables.map((t) => [t.name, `${t.name}(${t.about})`]), 'wizard.table');
  const columns = () => tables.find((t) => t.name === tableSel.value).columns;
  const condRow = () => {
    const row = h('div', { class: 'row euc-cond' },
      field('項目', select('c_item', columns().map((c) => [c.name, `${c.name}(${c.kind_label})`]), 'wizard.conditions')),
      field('条件', select('c_op', cat.data.operators, 'wizard.conditions')),
      field('値', text('c_value', 'wizard.conditions', { size: 18 }), { hint: '日付は和暦・西暦どちらでも' }),
      h('button', { class: 'button button-secondary', type: 'button', onclick: () => row.remove() }, 'この条件を削除'));
    conds.append(row);
  };
  const redraw = () => {
    show(items, h('legend', {}, '出力・集計する項目(一覧で何も選ばないときはすべて)'),
      ...columns().map((c) => checkbox('item', c.name, c.name, false)));
    show(conds);
    show(order, h('option', { value: '' }, '指定なし'), ...columns().map((c) => h('option', { value: c.name }, c.name)));
  };
  tableSel.addEventListener('change', redraw);
  redraw();
  const sqlBox = h('textarea', { name: 'sql', id: nextId('f'), rows: 4, cols: 80, dataset: { field: 'sql' }, class: 'euc-sql' });
  const form = h('form', { novalidate: true },
    h('p', {}, '住民記録の全データ(住民・除票・異動履歴・証明書の交付履歴)から、条件に合う住民の一覧・件数・集計を抽出します。支援措置の対象者の住所は抽出されません。抽出は利用目的とともに記録されます。'),
    h('div', { class: 'row' }, field('1. テーブル', tableSel), field('基準日', text('on', 'on'), { hint: '空欄は本日' })),
    items,
    h('h2', {}, '2. 条件'), conds,
    h('div', { class: 'row' },
      h('button', { class: 'button button-secondary', type: 'button', onclick: condRow }, '条件を追加'),
      field('条件の組合せ', select('any', [['false', 'すべてに該当'], ['true', 'いずれかに該当']], 'wizard.any'))),
    h('h2', {}, '3. 抽出の種類と出力'),
    h('div', { class: 'row' },
      field('種類', select('mode', [['list', '一覧'], ['count', '件数'], ['totals', '集計(選んだ項目ごとの件数)']], 'wizard.mode')),
      field('並び順', order),
      field('出力形式', select('format', [['json', '画面'], ['csv', 'CSV(UTF-8)'], ['csv_sjis', 'CSV(Shift_JIS)'], ['xml', 'XML'], ['pdf', '一覧(PDF)'], ['labels', '宛名シール(PDF)']], 'format'))),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '抽出')),
    h('h2', {}, 'SQL(直接記述もできます)'),
    field('SQL', sqlBox, { hint: '抽出を実行すると条件から作成したSQLが表示されます。SELECT文だけが実行できます。関数: ' + cat.data.functions.join('、') }),
    h('div', { class: 'actions' }, h('button', { class: 'button button-secondary', type: 'button', id: 'euc-run-sql' }, 'このSQLで抽出')),
    output);
  const run = async (body) => {
    clearErrors(form);
    const format = v(form, 'format');
    const r = await api('POST', '/euc/query', Object.assign({ on: opt(v(form, 'on')), format }, body));
    if (!r.ok) return showError(form, r);
    if (format === 'json') {
      const x = r.data;
      sqlBox.value = x.sql;
      show(output, h('div', { class: 'result', role: 'status' },
        h('p', { class: 'big' }, `${x.total}件を抽出しました`),
        h('p', {}, `基準日 ${wareki(x.on)}・データソース作成 ${jst(x.built_at)}(住民 ${x.counts.residents}人、除票 ${x.counts.removed}件)${x.total > x.rows.length ? `。画面には先頭の${x.rows.length}件を表示しています` : ''}`)),
        h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
          h('thead', {}, h('tr', {}, x.columns.map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, x.rows.map((row) => h('tr', {}, row.map((cell) => h('td', {}, cell === null ? '' : String(cell)))))))));
    } else {
      const ext = { csv: 'csv', csv_sjis: 'csv', xml: 'xml', pdf: 'pdf', labels: 'pdf' }[format];
      const unmapped = r.headers.get('x-kikan-unmapped');
      show(output, h('div', { class: 'result', role: 'status' },
        h('p', { class: 'big' }, `${r.headers.get('x-kikan-rows')}件を抽出しました`),
        unmapped && unmapped !== '0' ? h('p', {}, `Shift_JISで表せない文字 ${unmapped}字を〓にしました`) : null,
        pdfLink(r.data, '抽出結果を開く', `EUC抽出.${ext}`)));
    }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const chosen = $$('input[name=item]', form).filter((c) => c.checked).map((c) => c.value);
    const conditions = $$('.euc-cond', form).map((row) => ({ item: $('[name=c_item]', row).value, op: $('[name=c_op]', row).value, value: opt($('[name=c_value]', row).value.trim()) }));
    run({ wizard: { table: tableSel.value, items: chosen, conditions, any: v(form, 'any') === 'true', mode: v(form, 'mode'), order: v(form, 'order') ? [v(form, 'order')] : [] } });
  });
  $('#euc-run-sql', form).addEventListener('click', () => run({ sql: sqlBox.value }));
  show(main, h('h1', {}, 'EUC(データ抽出)'), form);
}

// ---------- 統計 (6.1) ----------
// The 住民基本台帳関係年報's figures (population and households on the 基準日, the
// period's 異動 by cause) and the 定期報告's, with the age pyramid drawn as SVG.
function pyramid(pop) {
  const bands = pop.bands_japanese.map((j, i) => ({ male: j.male + pop.bands_foreign[i].male, female: j.female + pop.bands_foreign[i].female }));
  const max = Math.max(1, ...bands.flatMap((b) => [b.male, b.female]));
  const rowH = 14; const half = 180; const mid = 60; const w = 2 * half + mid; const hgt = bands.length * rowH + 24;
  const NS = 'http://www.w3.org/2000/svg';
  const el = (name, attrs, text) => { const e = document.createElementNS(NS, name); for (const [k, val] of Object.entries(attrs)) e.setAttribute(k, val); if (text !== undefined) e.textContent = text; return e; };
  const svg = el('svg', { viewBox: `0 0 ${w} ${hgt}`, width: '100%', role: 'img', 'aria-label': '年齢階級別人口(男女別)の人口ピラミッド', class: 'pyramid' });
  svg.append(el('text', { x: half / 2, y: 12, 'text-anchor': 'middle', 'font-size': 11 }, '男'), el('text', { x: half + mid + half / 2, y: 12, 'text-anchor': 'middle', 'font-size': 11 }, '女'));
  bands.forEach((b, i) => {
    const y = hgt - (i + 1) * rowH;
    const m = (b.male / max) * half; const f = (b.female / max) * half;
    svg.append(el('rect', { x: half - m, y, width: m, height: rowH - 2, fill: '#0054ac' }),
      el('rect', { x: half + mid, y, width: f, height: rowH - 2, fill: '#d4145a' }),
      el('text', { x: half + mid / 2, y: y + rowH - 4, 'text-anchor': 'middle', 'font-size': 9 }, i === bands.length - 1 ? `${i * 5}+` : `${i * 5}-${i * 5 + 4}`));
  });
  return svg;
}
async function statisticsScreen(main, q) {
  const form = h('form', { class: 'row', novalidate: true },
    field('基準日', text('on', 'on', { value: q.get('on') || '' }), { hint: '人口・世帯数の日。空欄で今年の1月1日' }),
    field('集計期間(から)', text('from', 'from', { value: q.get('from') || '' }), { hint: '異動日で数えます。空欄で基準日の前年' }),
    field('集計期間(まで)', text('to', 'to', { value: q.get('to') || '' })),
    h('div', { class: 'actions' }, h('button', { class: 'button button-primary', type: 'submit' }, '集計')));
  const out = h('div', { 'aria-live': 'polite' });
  show(main, h('h1', {}, '統計(住民基本台帳関係年報・定期報告)'), form, out);
  const params = () => { const p = new URLSearchParams(); for (const k of ['on', 'from', 'to']) if (v(form, k)) p.set(k, v(form, k)); return p; };
  form.addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/statistics?${params()}`; });
  const r = await api('GET', `/statistics?${params()}`);
  if (!r.ok) return showError(form, r);
  const { population: pop, movement: mov } = r.data;
  const [csv, xlsx] = await Promise.all([api('GET', `/statistics?${params()}&format=csv`), api('GET', `/statistics?${params()}&format=xlsx`)]);
  const num = (n) => Number(n).toLocaleString('ja-JP');
  const table = (caption, head, rows) => h('table', { class: 'table' }, h('caption', {}, caption),
    h('thead', {}, h('tr', {}, head.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, h('th', { scope: 'row' }, row[0]), ...row.slice(1).map((c) => h('td', { class: 'num' }, num(c)))))));
  const J = mov.japanese; const F = mov.foreign;
  const inc = (c) => c.moved_in + c.moved_in_from_abroad + c.births + c.other_increase;
  const dec = (c) => c.moved_out + c.emigrated + c.deaths + c.other_decrease;
  show(out,
    table(`人口(${pop.on} 現在)`, ['', '日本人住民', '外国人住民', '計'], [
      ['男', pop.japanese.male, pop.foreign.male, pop.japanese.male + pop.foreign.male],
      ['女', pop.japanese.female, pop.foreign.female, pop.japanese.female + pop.foreign.female],
      ['計', pop.japanese.male + pop.japanese.female, pop.foreign.male + pop.foreign.female, pop.japanese.male + pop.japanese.female + pop.foreign.male + pop.foreign.female]]),
    table(`世帯数(${pop.on} 現在)`, ['', '世帯数'], [['日本人住民のみの世帯', pop.households_japanese], ['外国人住民のみの世帯', pop.households_foreign], ['複数国籍世帯', pop.households_mixed]]),
    table(`人口の増減(${mov.from} 〜 ${mov.to})`, ['', '日本人住民', '外国人住民', '計'], [
      ['転入(国内)', J.moved_in, F.moved_in, J.moved_in + F.moved_in], ['転入(国外から)', J.moved_in_from_abroad, F.moved_in_from_abroad, J.moved_in_from_abroad + F.moved_in_from_abroad],
      ['出生', J.births, F.births, J.births + F.births], ['その他(記載)', J.other_increase, F.other_increase, J.other_increase + F.other_increase],
      ['増加計', inc(J), inc(F), inc(J) + inc(F)],
      ['転出(国内)', J.moved_out, F.moved_out, J.moved_out + F.moved_out], ['転出(国外へ)', J.emigrated, F.emigrated, J.emigrated + F.emigrated],
      ['死亡', J.deaths, F.deaths, J.deaths + F.deaths], ['その他(消除)', J.other_decrease, F.other_decrease, J.other_decrease + F.other_decrease],
      ['減少計', dec(J), dec(F), dec(J) + dec(F)]]),
    table(`定期報告(${mov.from} 〜 ${mov.to})`, ['', '件数'], [['住居地の届出(新規)', mov.residence_notified_new], ['住居地の届出(変更)', mov.residence_notified_change],
      ...Object.entries(pop.by_status).map(([k, n]) => [`中長期在留者 ${k}(${pop.on} 現在)`, n])]),
    h('h2', {}, '年齢階級別人口'), pyramid(pop),
    h('div', { class: 'actions' }, csv.ok ? pdfLink(csv.data, '集計結果をCSVで保存', `統計-${pop.on}.csv`) : null,
      xlsx.ok ? pdfLink(xlsx.data, '提出用のXLSXで保存', `統計-${pop.on}.xlsx`) : null));
}

// ---------- 文字コード照会 (2.2.3) ----------
// Each character of a text drawn large, with its code points (an IVS keeps its
// selector with its base character), so that a 外字 or variant is read and checked.
function charCells(text) {
  const cells = [];
  for (const c of [...(text || '')]) {
    const cp = c.codePointAt(0);
    const vs = (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
    if (vs && cells.length) cells[cells.length - 1].push(c); else cells.push([c]);
  }
  return cells.map((g) => ({ glyph: g.join(''), codes: g.map((c) => `U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}`).join(' ') }));
}
function charTable(text) {
  const cells = charCells(text);
  return cells.length === 0 ? h('p', { class: 'muted' }, '文字がありません。') :
    h('ul', { class: 'char-zoom', 'aria-label': `${text} の文字とコード` }, cells.map((c) =>
      h('li', {}, h('span', { class: 'char-glyph', lang: 'ja' }, c.glyph), h('span', { class: 'char-code' }, c.codes))));
}
// A field to type or paste into, shown large as it is typed, with the codes.
function charPanel(initial) {
  const input = text('chars', 'chars', { value: initial || '', class: 'char-input' });
  const out = h('div', { 'aria-live': 'polite' }, charTable(initial || ''));
  input.addEventListener('input', () => show(out, charTable(input.value)));
  return h('div', {}, field('文字(拡大して入力・照会)', input, { hint: '氏名・住所などを入力または貼り付けると、1字ずつ拡大して文字コードを表示します' }), out);
}
// 外字 (2.1.2): the municipality's registered characters, each with the 異体字 a search
// finds it by; 審査 and 管理者 register and correct them, or take one out of use.
async function gaijiSection() {
  const manage = can('manage_characters');
  const out = h('div', { 'aria-live': 'polite', id: 'gaiji-out' });
  const list = h('div', { id: 'gaiji-list' });
  const form = h('form', { novalidate: true, id: 'gaiji-form' },
    h('input', { type: 'hidden', name: 'id', value: '0' }),
    h('div', { class: 'row' },
      field('外字', text('text', 'text', { size: 4, class: 'char-input' }), { required: true, hint: '漢字1字(IVS付きも可)' }),
      field('異体字', text('variants', 'variants', { size: 16 }), { required: true, hint: 'この字で検索しても外字の氏名が見つかる字。複数は空白で区切る' }),
      field('MJ文字図形名', text('mj', 'mj', { size: 10 }), { hint: '例: MJ012345(任意)' }),
      field('備考', text('note', 'note', { size: 16 }))),
    h('div', { class: 'actions' },
      h('button', { class: 'button button-primary', type: 'submit' }, '外字を登録'),
      h('button', { class: 'button button-secondary', type: 'reset' }, '新規入力に戻す')));
  const body = (f, extra) => Object.assign({ id: Number(f.elements.id.value) || 0, text: v(f, 'text'),
    variants: v(f, 'variants').split(/[\s,、・]+/u).filter(Boolean), mj: opt(v(f, 'mj')), note: v(f, 'note') }, extra || {});
  const draw = (all) => show(list, all.length === 0 ? h('p', { class: 'muted' }, '登録された外字はありません。') :
    h('table', { class: 'table' },
      h('caption', {}, '登録外字'),
      h('thead', {}, h('tr', {}, ['登録番号', '外字', '異体字', 'MJ文字図形名', '備考', '状態', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, all.map((g) => h('tr', {},
        h('td', {}, String(g.id)),
        h('td', {}, h('span', { class: 'char-glyph', lang: 'ja' }, g.text), h('span', { class: 'char-code' }, g.codes),
          g.printable ? null : h('span', { class: 'badge badge-late' }, '証明書に印字不可')),
        h('td', {}, g.variants.map((x) => h('span', { class: 'gaiji-variant' }, h('span', { lang: 'ja' }, x.text), ` ${x.codes} `))),
        h('td', {}, g.mj || ''),
        h('td', {}, g.note),
        h('td', {}, g.in_use ? '使用中' : '使用停止'),
        h('td', {}, manage ? [
          h('button', { class: 'button button-secondary', type: 'button', onclick: () => {
            form.elements.id.value = String(g.id);
            form.elements.text.value = g.text;
            form.elements.variants.value = g.variants.map((x) => x.text).join(' ');
            form.elements.mj.value = g.mj || '';
            form.elements.note.value = g.note;
            form.elements.text.focus();
          } }, `${g.text}を修正`),
          h('button', { class: 'button button-secondary', type: 'button', onclick: async () => {
            const r = await api('POST', '/gaiji', { id: g.id, text: g.text, variants: g.variants.map((x) => x.text), mj: g.mj, note: g.note, in_use: !g.in_use });
            if (!r.ok) { show(out, banner('error', `${r.data.message}(${r.data.code})`)); return; }
            show(out, banner('success', `${g.text}を${g.in_use ? '使用停止' : '使用再開'}しました`));
            draw(r.data);
          } }, g.in_use ? `${g.text}を使用停止` : `${g.text}を使用再開`)] : null))))));
  form.addEventListener('reset', () => { setTimeout(() => { form.elements.id.value = '0'; }, 0); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/gaiji', body(form));
    if (!r.ok) { showError(form, r); return; }
    clearErrors(form);
    const saved = r.data.find((g) => g.text === v(form, 'text'));
    show(out, banner('success', `外字「${v(form, 'text')}」を登録しました${saved ? `(登録番号 ${saved.id})` : ''}`, '異体字で検索しても、この外字の氏名が見つかります。'));
    form.reset();
    draw(r.data);
  });
  const r = await api('GET', '/gaiji');
  if (r.ok) draw(r.data); else show(out, banner('error', r.data ? r.data.message : '外字を表示できません'));
  return h('section', { 'aria-labelledby': 'gaiji-h' }, h('h2', { id: 'gaiji-h' }, '外字の登録'),
    h('p', {}, '外字と、その外字の氏名を検索するときに使う異体字を登録します。登録するとすぐに、どちらの字で検索しても見つかります。'),
    out, list, manage ? form : null);
}
async function charsScreen(main, q) {
  show(main, h('h1', {}, '文字コード照会・外字'), charPanel(q.get('text') || ''), await gaijiSection());
}

// ---------- ヘルプ (10.5) ----------
// The on-screen manual: each screen's purpose and how it is used, shown on the screen
// (「この画面の使い方」) and all together on the ヘルプ screen. docs/manual.md is the
// operator's manual beside it. Every screen of the router has its entry (a test checks).
const HELP = {
  search: { title: '住民検索', does: '住民・除票を氏名(漢字・カナ)、生年月日、住所、宛名番号などで検索し、住民票を開きます。',
    steps: ['氏名はカナの清濁・大小・長音の違いや異体字を区別せずに検索します(あいまい検索)。', '「詳細な条件」で通称・方書・区・続柄・消除事由・旧氏などを指定できます。', '抑止・支援措置の対象者は一覧に表示されます。検索には利用目的(画面上部)が必要です。'] },
  person: { title: '住民票', does: '一人の記載事項、世帯、異動履歴、統合記載欄、他業務の事項、備考・メモを表示します。',
    steps: ['「基準日」を入れると、その日現在の内容を表示します(後日修正された項目は警告で示します)。', '証明書の交付、転居・その他の異動の受付、抑止の設定はこの画面から始めます。', '統合記載欄では異動ごとに留意事項を、世帯欄では世帯連記式の写しの世帯員の並び順を設定できます(審査)。', '異動履歴から異動の取消し、受理通知の作成ができます。'] },
  change: { title: '異動の受付', does: '転入・転居・転出・出生・死亡・世帯変更・修正などの異動を入力します。',
    steps: ['入力した異動は仮登録(審査待ち)になり、審査担当が確定(本登録)します。審査担当は「審査を経ずにこのまま確定する」で直接確定もできます。', '開いている間、対象の世帯は他の職員が異動を入力できないよう保持されます(排他制御)。', '届出期間(14日)を過ぎた届出や抑止の対象は警告が表示されます。'] },
  drafts: { title: '審査待ち', does: '仮登録された異動の一覧です。内容を確認し、確定・差戻し・取消しをします。',
    steps: ['入力場所で絞り込み、選択した異動または一覧の全部(一度に100件まで)をまとめて確定できます。確定できなかった異動は理由とともに残ります。', '仮登録中の内容は証明書や他システムに反映されません。'] },
  intake: { title: 'CSV取込', does: '異動・証明書請求・カード情報をCSVファイルから取り込みます。',
    steps: ['誤りのある行は行番号とコードつきで示し、何も取り込みません。', '取り込んだ異動は仮登録になります。'] },
  certificate: { title: '証明書の交付', does: '住民票の写し・記載事項証明書・除票・転出証明書などを作成して交付します。',
    steps: ['請求者の区分と本人確認書類を入力します。本籍・続柄・住民票コードなどは請求があったときだけ記載します。', '支援措置の対象者は審査担当の判断が必要です。', '「見本を作成」で交付前に確認できます。交付すると証明書交付簿に記録されます。'] },
  certificates: { title: '証明書交付簿', does: '交付した証明書の記録を検索し、再交付・処分の記録をします。',
    steps: ['照合番号で証明書の真正性を確認できます。', '文字溢れのあった証明書は一覧で確認できます。'] },
  support: { title: '支援措置', does: 'DV・ストーカー等の被害者の支援措置の申出を登録し、期間と対象者を管理します。',
    steps: ['対象者の住所は窓口に表示されず、証明書の交付・閲覧は審査担当の判断が必要になります。', '期間の終了前に警告を表示します。'] },
  audit: { title: '監査ログ', does: '個人情報の参照・更新の記録を期間・職員・住民で検索し、改ざんがないか検証します。',
    steps: ['記録はハッシュの連鎖で保護されています。「検証」で連鎖を確認します。'] },
  'comm-log': { title: '通信ログ', does: 'データベースサーバ・住基ネット(CS)・IDプロバイダとの通信エラーを期間・通信先で検索し、改ざんがないか検証します。', steps: ['保管期間は管理者が職員管理画面で設定します。期間を過ぎた日のログは日次処理で削除されます。'] },
  staff: { title: '職員管理', does: '職員のアカウント、役割、所属部署、利用期間を管理します。',
    steps: ['管理者が申請したアカウントは審査担当の承認で使えるようになります。', '所属部署ごとに表示しない項目(個人番号など)を設定できます。'] },
  access: { title: 'アクセス承認', does: '職員アカウントや庁内の業務システムの利用申請を承認します。', steps: ['申請した本人は承認できません。'] },
  suppress: { title: '抑止', does: '個人・世帯ごとに異動入力・証明書発行・照会を抑止(エラー・アラート)します。',
    steps: ['終了日を過ぎても自動では解除されません。「解除」で解除します。', '一時解除は理由と時間を入力し、時間が過ぎると自動で抑止に戻ります。一時解除は他システムに連携されません。', '証明書発行の抑止は住基ネット(CS)とコンビニ交付システムに自動連携されます。', '異動入力中の保持(排他制御)の一覧と強制解除もこの画面です。'] },
  awaiting: { title: '転入通知未着', does: '転出予定日を過ぎても転入通知が届かない転出者の一覧です。', steps: ['照会書を作成できます。'] },
  headless: { title: '世帯主不在世帯', does: '世帯主のいない世帯の一覧です。', steps: ['世帯主変更依頼通知書を作成できます。'] },
  inspection: { title: '閲覧用リスト', does: '住民基本台帳の一部の写し(閲覧用)を町字ごとに作成します。', steps: ['支援措置の対象者は記載されません。並びの乱数の種は記録されます。'] },
  random: { title: '無作為抽出', does: '条件を指定して住民を無作為に抽出し、CSVと宛名ラベルを作成します。', steps: ['乱数の種を記録し、同じ抽出をやり直せます。'] },
  statistics: { title: '統計', does: '基準日現在の人口・世帯数を町字・年齢・性別・国籍などで集計し、月ごとの異動件数を表示します。', steps: ['台帳から計算するため、過去の月の数値はいつ求めても同じです。CSVで保存できます。'] },
  euc: { title: 'EUC(データ抽出)', does: '項目・条件・基準日を指定して住民データをCSV(UTF-8・Shift_JIS)で抽出します。', steps: ['抽出は利用目的とともに監査ログに記録されます。'] },
  chars: { title: '文字コード照会・外字', does: '氏名・住所の文字を1字ずつ拡大し、文字コードを表示します。外字とその異体字を登録します。', steps: ['異体字やIVS(異体字セレクタ)を確認するときに使います。', '外字を異体字とあわせて登録すると、どちらの字で検索しても見つかります(審査・管理者)。使用停止にすると元に戻ります。', '「証明書に印字不可」の外字は証明書のフォント(IPAmj明朝)にない字です。'] },
  notices: { title: '入管通知', does: '出入国在留管理庁長官からの通知ファイルを取り込み、未処理の通知を反映します。', steps: ['通知ごとに処理結果確認票を作成し、職権で修正・消除します。'] },
  outbox: { title: '入管への通知', does: '外国人住民の異動について、出入国在留管理庁への市町村通知・市町村伝達を作成・送信します。', steps: ['エラーとなった通知は修正して再送信できます。'] },
  cs: { title: '住基ネット連携(CS)', does: '本人確認情報などの送信データ、受信した電文、整合性確認、住民票コードの空きコードを管理します。',
    steps: ['送信データは異動の順に自動送信されます。手動連携に切り替えると自動送信を停止します。', '電文の種類・状態・行政区で絞り込み、一覧表をCSVで保存できます。', 'エラーになった送信データは補完・異動事由の変更をして再送信できます。', '受信した転出証明書情報から特例転入を、転入通知から転出の確定をします。広域交付住民票の交付要求には自動で回答します。'] },
  certsettings: { title: '認証者・公印の設定', does: '証明書に印字する認証者(期間つき)、電子公印、固定文言、文字溢れ時の出力、世帯員の並び順を設定します。', steps: ['職務代理者は期間を登録すると、その期間の証明書に印字されます。'] },
  daily: { title: '日次処理', does: '転出予定日の到来による消除などの日次の処理を実行し、結果を確認します。', steps: [] },
  batch: { title: 'バッチ処理', does: '統計・抽出・整合性確認などのバッチ処理を予定し、実行履歴を確認します。', steps: ['失敗した処理は再実行できます。同じ処理が二重に反映されることはありません。'] },
  places: { title: '入力場所・端末', does: '本庁・区役所・出張所などの入力場所と端末を登録します。', steps: ['指定都市では区役所に行政区を登録すると、一覧を区ごとに分けられます。'] },
  link: { title: '庁内データ連携', does: '住民データを参照する庁内の業務システムを登録し、参照できる情報(スコープ)を管理します。', steps: ['登録は審査担当の承認で有効になります。シークレットは登録時に一度だけ表示されます。'] },
  addresses: { title: '住所辞書', does: '町字・丁目・番地・方書の辞書と郵便番号を管理し、取り込みます。', steps: [] },
  'address-changes': { title: '住所一括変更', does: '町名変更・住居表示の実施などで、対象の世帯の住所を一括で変更します。', steps: ['仮処理で対象を確認してから本処理をします。中断しても二重に反映されません。'] },
  terminal: { title: 'この端末', does: 'この端末(パソコン)の入力場所と端末コードを設定します。', steps: ['異動と証明書の記録に入力場所・端末が記録されます。'] },
  password: { title: 'パスワード変更', does: '自分のパスワードを変更します。', steps: [] },
  keys: { title: 'セキュリティキー', does: 'ICカードや指紋・顔認証のリーダーを二要素認証のキーとして登録・削除します。', steps: ['登録後はログイン画面の「ICカード・生体認証でログイン」を使います。', 'キーをなくしたときは管理者が確認コードを再発行します(キーはすべて削除されます)。'] },
  help: { title: 'ヘルプ', does: 'すべての画面の機能と操作方法の一覧です(オンラインマニュアル)。', steps: ['各画面の「この画面の使い方」でも同じ説明を表示します。運用の手引きは docs/manual.md にあります。'] },
};
function helpBody(k) {
  const e = HELP[k];
  return [h('p', {}, e.does), e.steps.length ? h('ul', {}, e.steps.map((s) => h('li', {}, s))) : null];
}
// 「この画面の使い方」: the screen's own entry, folded; its text is put in when opened
// (so that it never stands beside the screen's own words until asked for).
function helpBox(k) {
  if (!HELP[k]) return null;
  const box = h('details', { class: 'help' }, h('summary', {}, 'この画面の使い方'));
  box.addEventListener('toggle', () => { if (box.open && box.children.length === 1) box.append(...helpBody(k).filter(Boolean)); });
  return box;
}
function helpScreen(main) {
  show(main, h('h1', {}, 'ヘルプ'),
    h('p', {}, '画面ごとの機能と操作方法です。各画面の上部の「この画面の使い方」からも確認できます。'),
    ...Object.keys(HELP).filter((k) => k !== 'help').flatMap((k) => [h('h2', { id: `help-${k}` }, HELP[k].title), ...helpBody(k)]));
}

// ---------- routing ----------
async function render(message) {
  const main = $('#main');
  const [path, query] = (location.hash.slice(1) || '/search').split('?');
  const q = new URLSearchParams(query || '');
  if (!S.me || path === '/login') return loginScreen(main, message || S.flash);
  drawNav();
  const parts = path.split('/').filter(Boolean);
  const screens = {
    search: () => searchScreen(main, q),
    chars: () => charsScreen(main, q),
    statistics: () => statisticsScreen(main, q),
    euc: () => eucScreen(main),
    random: () => randomScreen(main),
    person: () => personScreen(main, parts[1], q),
    change: () => (parts[1] === 'relocation' ? relocationScreen(main, q)
      : parts[1] === 'household' ? householdChangeScreen(main, q) : moveInScreen(main)),
    drafts: () => draftsScreen(main, q),
    certificate: () => certificateScreen(main, q),
    certificates: () => registerScreen(main, q),
    support: () => supportScreen(main),
    audit: () => auditScreen(main, q),
    'comm-log': () => commLogScreen(main, q),
    staff: () => staffScreen(main),
    access: () => accessScreen(main),
    suppress: () => suppressScreen(main, q),
    places: () => placesScreen(main),
    link: () => linkScreen(main),
    addresses: () => addressesScreen(main, q),
    'address-changes': () => addressChangesScreen(main),
    intake: () => intakeScreen(main),
    awaiting: () => awaitingScreen(main),
    headless: () => headlessScreen(main),
    inspection: () => inspectionScreen(main),
    notices: () => noticesScreen(main),
    outbox: () => outboxScreen(main, q),
    cs: () => csScreen(main, q),
    certsettings: () => certSettingsScreen(main),
    daily: () => dailyScreen(main),
    batch: () => batchScreen(main),
    terminal: () => terminalScreen(main),
    password: () => passwordScreen(main),
    keys: () => keysScreen(main),
    help: () => helpScreen(main),
  };
  const key = screens[parts[0]] ? parts[0] : 'search';
  const screen = screens[key];
  // Leaving a 異動 form gives its record back to the others.
  await giveBack().catch(() => {});
  delete main.dataset.loaded;
  show(main, h('p', { class: 'loading' }, '読み込んでいます…'));
  await screen();
  // For tests and measurements: the screen of this address is complete.
  main.dataset.loaded = location.hash;
  const h1 = $('h1', main);
  // ヘルプ (10.5): the screen's own help under its heading.
  const help = key !== 'help' && helpBox(key);
  if (h1 && help) h1.after(help);
  document.title = `${h1 ? h1.textContent : ''} - kikan 住民記録システム`;
  main.focus({ preventScroll: true });
}
const route = () => render().catch((e) => show($('#main'), banner('error', '画面を表示できませんでした', ` ${e.message}`)));

// 画面のハードコピー (10.7): the screen as shown, printed through the system so that
// the access log has it — who, when, which screen and which residents were on it —
// marked on the paper; then the browser's print of this page alone.
async function hardcopy() {
  const main = $('#main');
  const ids = new Set();
  const here = location.hash.match(/^#\/person\/(\d+)/);
  if (here) ids.add(Number(here[1]));
  for (const a of main.querySelectorAll('a[href^="#/person/"]')) {
    const m = a.getAttribute('href').match(/^#\/person\/(\d+)/);
    if (m) ids.add(Number(m[1]));
  }
  const h1 = $('h1', main);
  const title = h1 ? h1.textContent.slice(0, 100) : '';
  const r = await api('POST', '/hardcopies', { screen: location.hash.slice(0, 200), title, person_ids: [...ids].slice(0, 500) });
  if (!r.ok) { main.prepend(banner('error', r.data ? r.data.message : '印刷できませんでした')); return; }
  const mark = $('#hardcopy-mark');
  mark.textContent = `画面のハードコピー　${title}　${jst(r.data.at)}　${r.data.by}(監査ログ記録済み)`;
  mark.hidden = false;
  window.print();
}

window.addEventListener('hashchange', route);
// Closing or reloading the page leaves the form too.
window.addEventListener('pagehide', () => { giveBack(true).catch(() => {}); });
window.addEventListener('DOMContentLoaded', async () => {
  $('#logout').addEventListener('click', async () => { await api('POST', '/logout'); signedOut('ログアウトしました。'); });
  $('#hardcopy').addEventListener('click', () => { hardcopy().catch(() => {}); });
  $('#purpose').value = sessionStorage.getItem('kikan.purpose') || $('#purpose').value;
  $('#purpose').addEventListener('change', () => sessionStorage.setItem('kikan.purpose', $('#purpose').value));
  S.tenant = sessionStorage.getItem('kikan.tenant');
  S.csrf = sessionStorage.getItem('kikan.csrf');
  if (S.tenant && S.csrf) await loadMe().catch(() => false);
  route();
});
