// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// One step of the web interface test (tests/e2e/web.sh), done the way a
// person would: Debian's chromium, headless, driven by playwright-core.
// Prints what the page showed as one JSON object; the shell script judges.
//
//   node ui.mjs URL create NAME ADDRESS PORT BACKEND1 BACKEND2
//   node ui.mjs URL error NAME ADDRESS PORT BACKEND      (a backend the API refuses)
//   node ui.mjs URL edit NAME [BACKEND WEIGHT]           (what the form shows; a new weight, saved)
//   node ui.mjs URL drain NAME BACKEND
//   node ui.mjs URL delete NAME
//   node ui.mjs URL shot FILE.png
//   node ui.mjs URL token TOKEN                          (a listener that needs one)
import { chromium } from 'playwright-core';

const [url, step, ...args] = process.argv.slice(2);
const TIMEOUT = 10000; // ms, for any one thing to show

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  timeout: 30000,
});
const out = {};
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(TIMEOUT);
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  // a token given as the operator would have typed it into the page before
  if (process.env.DSRLB_UI_TOKEN) {
    await page.addInitScript((t) => sessionStorage.setItem('dsrlb-token', t), process.env.DSRLB_UI_TOKEN);
  }
  await page.goto(url);
  const row = (name) => page.locator(`#vips tbody tr[data-vip="${name}"]`);
  const backendItem = (name, addr) => row(name).locator(`li[data-backend="${addr}"]`);

  if (step === 'token') {
    await page.locator('#token-box').waitFor({ state: 'visible' });
    out.asked = true;
    await page.fill('#token', args[0]);
    await page.click('#token-form button[type=submit]');
    await page.locator('#vips tbody tr').first().waitFor();
    out.vips = await page.locator('#vips tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.vip));
  } else {
    // the list is there once the first poll answered
    await page.waitForFunction(() => document.querySelector('#daemon').textContent !== '');
    out.daemon = await page.textContent('#daemon');
  }

  if (step === 'create' || step === 'error') {
    const [name, address, port, ...backends] = args;
    await page.click('#add-vip');
    const form = page.locator('#vip-form');
    await form.waitFor({ state: 'visible' });
    await form.locator('[name=name]').fill(name);
    await form.locator('[name=address]').fill(address);
    await form.locator('[name=port]').fill(port);
    await form.locator('[name=protocol]').selectOption('tcp');
    out.mode = await form.locator('[name=mode]').inputValue();
    out.dsr_type = await form.locator('[name=dsr_type]').inputValue();
    await form.locator('[name=scheduler]').selectOption('maglev');
    for (let i = 0; i < backends.length; i++) {
      if (i > 0) await page.click('#add-backend');
      await form.locator('[name=b_address]').nth(i).fill(backends[i]);
    }
    await form.locator('[name=hc_type]').selectOption('tcp');
    await form.locator('[name=hc_interval]').fill('0.5');
    await page.click('#vip-save');
    if (step === 'create') {
      await page.locator('#vip-dialog').waitFor({ state: 'hidden' });
      await row(name).waitFor();
      for (const b of backends) await backendItem(name, b).waitFor();
      out.created = true;
      out.backends = await row(name).locator('li').evaluateAll((ls) => ls.map((l) => l.dataset.backend));
      out.icmp = await row(name).locator('td[data-role=icmp]').textContent();
      out.icmp_title = await row(name).locator('td[data-role=icmp]').getAttribute('title');
    } else {
      const box = page.locator('[data-error-for="backends"]');
      await box.waitFor({ state: 'visible' });
      out.error_beside = 'backends';
      out.error = await box.textContent();
      out.dialog_open = await page.locator('#vip-dialog').isVisible();
      out.rows = await page.locator('#vips tbody tr').count();
    }
  }

  if (step === 'edit') {
    const [name] = args;
    await row(name).locator('button', { hasText: 'Edit' }).click();
    const rows = page.locator('#backend-rows tbody tr');
    await rows.first().waitFor();
    // MACs are resolved by the daemon; the form shows them within a poll or two
    await page.waitForFunction(() => [...document.querySelectorAll('#backend-rows tbody td.mac')]
      .every((td) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(td.textContent)));
    out.backends = await rows.evaluateAll((rs) => rs.map((r) => ({
      address: r.querySelector('[name=b_address]').value,
      mac: r.querySelector('td.mac').textContent,
      health: r.querySelector('td.health').textContent,
    })));
    out.health_check = await page.locator('[name=hc_type]').inputValue();
    out.interval = await page.locator('[name=hc_interval]').inputValue();
    if (args.length === 3) { // change one backend's weight, and save
      const i = out.backends.findIndex((b) => b.address === args[1]);
      await rows.nth(i).locator('[name=b_weight]').fill(args[2]);
      await page.click('#vip-save');
      await page.locator('#vip-dialog').waitFor({ state: 'hidden' });
      out.saved = true;
    } else {
      await page.click('#vip-cancel');
    }
  }

  if (step === 'drain') {
    const [name, addr] = args;
    const item = backendItem(name, addr);
    out.before = await item.locator('[data-role=status]').textContent();
    await item.locator('button', { hasText: 'Drain' }).click();
    await page.waitForFunction(([n, a]) => {
      const li = document.querySelector(`#vips tr[data-vip="${n}"] li[data-backend="${a}"]`);
      return li && li.querySelector('[data-role=status]').textContent === 'draining';
    }, [name, addr]);
    out.after = await backendItem(name, addr).locator('[data-role=status]').textContent();
    out.button = await backendItem(name, addr).locator('button').textContent();
  }

  if (step === 'delete') {
    const [name] = args;
    await row(name).locator('button', { hasText: 'Delete' }).click();
    const dialog = page.locator('#confirm-dialog');
    await dialog.waitFor({ state: 'visible' });
    out.asked = await page.textContent('#confirm-text');
    await dialog.locator('button', { hasText: 'Keep it' }).click();
    await page.waitForTimeout(1500); // a poll or more
    out.kept = await row(name).count() === 1;
    await row(name).locator('button', { hasText: 'Delete' }).click();
    await page.click('#confirm-yes');
    await row(name).waitFor({ state: 'detached' });
    out.deleted = true;
  }

  if (step === 'shot') {
    // wait for the chart to have a few seconds of rates
    await page.locator('#chart canvas').waitFor();
    await page.waitForTimeout(6000);
    out.series = await page.locator('#chart .u-legend .u-series').count() - 1;
    await page.screenshot({ path: args[0], fullPage: true });
    out.shot = args[0];
  }
  out.console_errors = consoleErrors;
} catch (e) {
  out.failure = String(e.message || e).split('\n')[0];
  failed = true;
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
process.exit(failed ? 1 : 0);
