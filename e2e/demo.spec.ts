// The demo page (demo/index.html) in the production build (vite preview, the default baseURL)
// and on the dev server. Its lk-demo Vite plugin runs the loopback server and mints the
// tokens, so the page joins on its own. Every wait is on a DOM condition, never a sleep.
import { expect, test, type Browser, type BrowserContext, type Locator, type Page } from './support/fixtures';
import { DEV_PORT } from '../playwright.config';

interface Watched {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors, as text. */
  problems: string[];
}

function uniqueRoom(tag: string): string {
  return `demo-e2e-${tag}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

async function openDemo(browser: Browser, url: string): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(url);
  return { page, context, problems };
}

async function expectJoined(page: Page, room: string): Promise<void> {
  await expect(page.getByTestId('conn-state')).toHaveText('connected');
  await expect(page.locator('#room-name')).toHaveValue(room);
  await expect(page.getByTestId('server-url')).toHaveText(/^wss?:\/\//);
  await expect(page.locator('#log')).toContainText(`joined room ${room}`);
  await expect(page.locator('#log')).toContainText(/published your speech sample .* as TR_/);
}

async function screenshot(page: Page, name: string): Promise<void> {
  const path = test.info().outputPath(name);
  await page.screenshot({ path });
  await test.info().attach(name, { path, contentType: 'image/png' });
}

function frameCount(card: Locator): Promise<number> {
  return card
    .locator('[data-stat=frames]')
    .getAttribute('data-value')
    .then((v) => Number(v ?? 0));
}

/** What `viewer` shows for `other`: live stats from the worklet bound to other's microphone. */
async function expectCardFor(viewer: Page, other: string, room: string): Promise<void> {
  const card = viewer.locator(`article.card[data-identity="${other}"]`);
  await expect(card).toBeVisible();
  await expect(card.locator('[data-stat=phase]')).toHaveText('live');
  await expect(card.locator('[data-stat=credential]')).toHaveText('valid');
  await expect(card.locator('[data-stat=identity]')).toHaveText(other);
  await expect(card.locator('[data-stat=room]')).toHaveText(room);
  await expect(card.locator('[data-stat=sid]')).toHaveText(/^TR_[\w-]+$/);
  await expect(card.locator('[data-stat=engine]')).toHaveText(/^RNNoise/);
  await expect(card.locator('[data-stat=delay]')).toHaveText(/^\d+ samples · \d+\.\d ms$/);
  await expect(card.locator('[data-stat=token]')).toHaveText(/^[0-9a-f]+ · in \d+:\d\d$/);
  // Frames processed keeps increasing: the remote audio really flows through the worklet.
  await expect.poll(() => frameCount(card)).toBeGreaterThan(0);
  const first = await frameCount(card);
  await expect.poll(() => frameCount(card)).toBeGreaterThan(first + 50);
  // The publication SID the worklet holds is the one the header shows for the followed track.
  const sid = await card.locator('[data-stat=sid]').textContent();
  await expect(card.locator('[data-stat=header-sid]')).toHaveText(sid ?? '');
}

test.describe('demo page', () => {
  test('loads in the production build with no console or page errors, joins the room, and renders', async ({ browser }) => {
    const room = uniqueRoom('solo');
    const { page, context, problems } = await openDemo(browser, `/demo/?room=${room}`);
    await expectJoined(page, room);
    await expect(page.locator('#identity')).toHaveValue(/^guest-\w+$/);
    await expect(page.locator('#alone-hint')).toBeVisible();
    await expect(page.locator('#second-tab-hint')).toHaveAttribute('href', new RegExp(`[?&]room=${room}$`));
    // The published sample is audible locally (the meter reads a level).
    await expect(page.locator('#local-meter .meter-readout')).toHaveText(/^-\d+ dBFS$/);
    await screenshot(page, 'demo.png');
    expect(problems).toEqual([]);
    await context.close();
  });

  test('two participants each see the other denoised, with valid credentials and stream info', async ({ browser }) => {
    const room = uniqueRoom('pair');
    const alice = await openDemo(browser, `/demo/?room=${room}&identity=alice`);
    await expectJoined(alice.page, room);
    const bob = await openDemo(browser, `/demo/?room=${room}&identity=bob`);
    await expectJoined(bob.page, room);

    await expect(alice.page.locator('#peer-count')).toHaveText('1');
    await expect(bob.page.locator('#peer-count')).toHaveText('1');
    await expectCardFor(alice.page, 'bob', room);
    await expectCardFor(bob.page, 'alice', room);
    await expect(alice.page.locator('#alone-hint')).toBeHidden();

    // The lifecycle log tells the story, without ever showing a token.
    const log = alice.page.locator('#log');
    await expect(log).toContainText('bob joined');
    await expect(log).toContainText(/subscribed to bob's microphone track TR_/);
    await expect(log).toContainText(new RegExp(`stream info pushed: room ${room} · bob · TR_`));
    await expect(log).toContainText('credentials pushed (url ws');
    await expect(log).toContainText(/processor for bob holds token id [0-9a-f]+/);
    expect(await log.textContent()).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);

    // Let the spectrograms fill with speech before the picture: wait for the VAD to see speech.
    const card = alice.page.locator('article.card[data-identity="bob"]');
    await expect
      .poll(async () => parseInt((await card.locator('[data-stat=vad]').textContent()) ?? '0', 10), { timeout: 20_000 })
      .toBeGreaterThan(50);
    await screenshot(alice.page, 'demo-two-participants.png');
    await screenshot(bob.page, 'demo-two-participants-bob.png');

    // Noise cancellation off on one card: the worklet reports the bypass.
    await card.locator('[data-control=nc]').uncheck();
    await expect(card.locator('[data-stat=bypass]')).toHaveText('disabled');
    await card.locator('[data-control=nc]').check();
    await expect(card.locator('[data-stat=bypass]')).toHaveText('none');

    // Bob leaves: alice's card says so, the binding is cleared.
    await bob.page.locator('#join-button').click();
    await expect(bob.page.getByTestId('conn-state')).toHaveText('disconnected');
    await expect(card.locator('[data-stat=phase]')).toHaveText(/left the room/);
    await expect(log).toContainText('bob left');
    await expect(log).toContainText(/stream info and credentials cleared for bob/);

    expect(alice.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  });

  test("the engine picker switches the engine every remote track runs, as its stats report; a muted participant's row reads gated, and active again once unmuted; with 'auto' the row names the tier and why", async ({
    browser,
  }) => {
    const room = uniqueRoom('engines');
    const alice = await openDemo(browser, `/demo/?room=${room}&identity=alice`);
    await expectJoined(alice.page, room);
    const bob = await openDemo(browser, `/demo/?room=${room}&identity=bob`);
    await expectJoined(bob.page, room);
    const row = alice.page.locator(`[data-testid=track-table] tr[data-identity="bob"]`);
    const card = alice.page.locator('article.card[data-identity="bob"]');
    // data-engine is stats.engine as the worklet reports it; the default is classic RNNoise.
    await expect(row.locator('td[data-col=engine]')).toHaveAttribute('data-engine', /^rnnoise(-simd)?$/);
    // Bob's sample is speech in noise at 5 dB SNR: far above the gate, so the engine runs.
    await expect(row.locator('td[data-col=state]')).toHaveText('active', { timeout: 20_000 });

    for (const engine of ['gtcrn', 'rnnoise-0.2'] as const) {
      await alice.page.getByTestId('engine-pick').selectOption(engine);
      await expect(row.locator('td[data-col=engine]')).toHaveAttribute('data-engine', engine, { timeout: 20_000 });
      await expect(card.locator('[data-stat=engine]')).toHaveAttribute('data-engine', engine);
      // A fixed engine has no tier to show.
      await expect(row.locator('td[data-col=engine]')).toHaveAttribute('data-tier', 'fixed');
      // A new processor, bound again: its frames flow and it holds the credentials.
      await expect(card.locator('[data-stat=credential]')).toHaveText('valid');
      const first = await frameCount(card);
      await expect.poll(() => frameCount(card)).toBeGreaterThan(first + 50);
    }

    // Bob mutes: alice receives silence, and the gate stops bob's engine.
    await bob.page.getByTestId('mute').check();
    await expect(row.locator('td[data-col=state]')).toHaveText('gated', { timeout: 20_000 });
    await expect(row.locator('td[data-col=why]')).toHaveText(/silence|below speech level/);
    await expect(row.locator('td[data-col=engine]')).toHaveAttribute('data-engine', 'rnnoise-0.2');
    await bob.page.getByTestId('mute').uncheck();
    await expect(row.locator('td[data-col=state]')).toHaveText('active', { timeout: 20_000 });

    // 'auto': the row names the tier running and why (stats.tier), whichever tier this machine's headroom picks.
    await alice.page.getByTestId('engine-pick').selectOption('auto');
    await expect(row.locator('td[data-col=engine]')).toHaveAttribute('data-tier', /^(headroom|stepped-down)$/, { timeout: 20_000 });
    await expect(row.locator('td[data-col=engine]')).toHaveText(/\(auto: /);
    await expect(row.locator('td[data-col=engine]')).toHaveAttribute('data-engine', /^(gtcrn|rnnoise-0\.2|rnnoise(-simd)?)$/);

    expect(alice.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  });

  test('loads from the dev server with no console errors', async ({ browser }) => {
    const room = uniqueRoom('dev');
    const { page, context, problems } = await openDemo(browser, `http://127.0.0.1:${DEV_PORT}/demo/?room=${room}`);
    await expectJoined(page, room);
    await expect(page.locator('#local-meter .meter-readout')).toHaveText(/^-\d+ dBFS$/);
    expect(problems).toEqual([]);
    await context.close();
  });
});
