// Measures the server time of each main screen of the staff UI against a running kikan
// (a large generated city, say): the browser's Server-Timing entries of every request a
// screen makes, summed per screen visit. Prints median, p90 and max per screen.
//
//   KIKAN_UI_BASE=http://127.0.0.1:8080 KIKAN_UI_TENANT=149993 KIKAN_UI_LOGIN=… \
//   KIKAN_UI_PASSWORD=… KIKAN_UI_SECRET=… KIKAN_UI_KANA=さとう node tests/ui/pagetime.mjs
import { chromium } from 'playwright-core';
import { createHmac } from 'node:crypto';

const env = (k, d) => process.env[k] || d;
const base = env('KIKAN_UI_BASE', 'http://127.0.0.1:8080');
const visits = Number(env('KIKAN_UI_VISITS', '20'));

function totp(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const off = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const browser = await chromium.launch({
  executablePath: env('CHROMIUM', '/usr/bin/chromium'),
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.goto(`${base}/ui/`);
await page.locator('select[name=tenant]').selectOption(env('KIKAN_UI_TENANT', '149993'));
await page.locator('input[name=login]').fill(env('KIKAN_UI_LOGIN', 'shinsa'));
await page.locator('input[name=password]').fill(env('KIKAN_UI_PASSWORD', ''));
await page.locator('input[name=totp]').fill(totp(env('KIKAN_UI_SECRET', '')));
await page.getByRole('button', { name: 'ログイン' }).click();
await page.getByRole('heading', { name: '住民検索' }).waitFor();

// Server time of the requests made since `mark` (ms, summed) and how many there were.
async function since(mark) {
  return page.evaluate((m) => {
    const entries = performance.getEntriesByType('resource').filter((e) => e.startTime >= m);
    let sum = 0;
    for (const e of entries) for (const t of e.serverTiming || []) if (t.name === 'app') sum += t.duration;
    return { sum, requests: entries.length };
  }, mark);
}
async function visit(hash, heading) {
  await page.evaluate(() => performance.clearResourceTimings());
  const mark = await page.evaluate(() => performance.now());
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForFunction((h) => document.querySelector('#main').dataset.loaded === h, hash);
  await page.locator('h1', { hasText: heading }).waitFor();
  return since(mark);
}

const kana = env('KIKAN_UI_KANA', 'さとう');
const first = await visit(`#/search?kana=${encodeURIComponent(kana)}`, '住民検索');
const ids = await page.locator('#results tbody a').evaluateAll((as) => as.map((a) => a.getAttribute('href').split('/').pop()));
if (ids.length === 0) throw new Error(`no resident found by ${kana}`);
const screens = [
  ['検索(振り仮名)', (i) => [`#/search?kana=${encodeURIComponent(kana)}&x=${i}`, '住民検索']],
  ['住民票・世帯・異動履歴', (i) => [`#/person/${ids[i % ids.length]}`, 'さんの住民票']],
  ['住民票(基準日指定)', (i) => [`#/person/${ids[i % ids.length]}?as_of=2020-04-01`, 'さんの住民票']],
  ['転入の受付', (i) => [`#/change/move_in?x=${i}`, '転入の受付']],
  ['審査待ち', (i) => [`#/drafts?x=${i}`, '審査待ちの異動']],
  ['証明書交付簿', (i) => [`#/certificates?x=${i}`, '証明書交付簿']],
  ['支援措置', (i) => [`#/support?x=${i}`, '支援措置']],
];
const rows = [];
for (const [name, at] of screens) {
  const times = [];
  let requests = 0;
  for (let i = 0; i < visits; i++) {
    const [hash, heading] = at(i);
    try {
      const r = await visit(hash, heading);
      times.push(r.sum);
      requests = r.requests;
    } catch (e) {
      // A person page of a removed record as of a date before it existed: not a screen time.
      if (!name.includes('基準日')) throw e;
    }
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.round((times.length - 1) * p))] || 0;
  rows.push({ screen: name, visits: times.length, requests, median_ms: +q(0.5).toFixed(2), p90_ms: +q(0.9).toFixed(2), max_ms: +q(1).toFixed(2) });
}
console.log(`first search: ${first.sum.toFixed(2)} ms server time over ${first.requests} requests`);
console.table(rows);
console.log(JSON.stringify(rows));
await browser.close();
