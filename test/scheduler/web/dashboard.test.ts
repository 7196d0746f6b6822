// The dashboard in headless Chromium against the API server over a scripted facade: it renders jobs,
// follows the event stream, asks for a token, and its scale control calls the API.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { ApiServer } from '../../../scheduler/api/server.js';
import { silentLogger } from '../../../config/logger.js';
import { FakeFacade, jobStatus } from '../api/fake-facade.js';
import { launchBrowser } from '../../helpers/browser.js';

// Evaluated in the page by waitForFunction.
declare const document: any;

describe('dashboard in Chromium @integration', function () {
  this.timeout(60_000);
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let facade: FakeFacade;
  let server: ApiServer;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  after(async () => closeBrowser?.());

  beforeEach(async () => {
    facade = new FakeFacade();
    facade.jobs.set('j1', jobStatus('j1'));
    server = new ApiServer({
      facade,
      logger: silentLogger,
      host: '127.0.0.1',
      port: 0,
      token: 'tok-1',
      authDisabled: false,
      sseKeepAliveMs: 1000,
    });
    await server.start();
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    errors.length = 0;
  });
  afterEach(async () => {
    await page.close();
    await server.stop();
  });

  async function openWithToken() {
    await page.goto(server.url + '/');
    // The API refuses without the token: the page asks for it.
    await page.waitForSelector('#token-dialog[open]', { timeout: 10_000 });
    await page.fill('#token-input', 'tok-1');
    await page.click('#token-dialog button');
  }

  it('asks for the token, then lists the job and shows its details, curve and tasks', async () => {
    await openWithToken();
    await page.waitForSelector('#jobs tbody tr[data-job-id="j1"]');
    await page.waitForFunction(() => document.querySelector('#job-title')?.textContent?.includes('j1'));
    expect(await page.textContent('#m-acc')).to.equal('0.800');
    expect(await page.getAttribute('#curve path[data-series="loss"]', 'data-points')).to.equal('2');
    expect(await page.textContent('#agents .task')).to.contain('ps-0');
    await page.waitForFunction(
      () => document.querySelector('#connection')?.getAttribute('data-state') === 'live',
    );
    expect(errors).to.deep.equal([]);
  });

  it('updates live from the event stream', async () => {
    await openWithToken();
    await page.waitForSelector('#jobs tbody tr[data-job-id="j1"]');
    await page.waitForFunction(
      () => document.querySelector('#connection')?.getAttribute('data-state') === 'live',
    );
    const j = facade.jobs.get('j1')!;
    j.step = 77;
    j.progress = { ...j.progress, step: 77 };
    j.valAccuracy = 0.93;
    j.history.loss.push([77, 0.2]);
    facade.emit({ kind: 'job', job: j });
    await page.waitForFunction(() => document.querySelector('#m-step')?.textContent === '77', undefined, {
      timeout: 10_000,
    });
    expect(await page.textContent('#m-acc')).to.equal('0.930');
    expect(await page.getAttribute('#curve path[data-series="loss"]', 'data-points')).to.equal('3');
  });

  it('scales the job from the page', async () => {
    await openWithToken();
    await page.waitForFunction(() => document.querySelector('#job-title')?.textContent?.includes('j1'));
    await page.fill('#scale-input', '3');
    await page.click('#scale-button');
    await page.waitForFunction(() => document.querySelector('#action-message')?.textContent?.includes('3'));
    expect(facade.calls).to.include('scale j1 3');
    expect(facade.jobs.get('j1')!.workers.desired).to.equal(3);
    expect(errors).to.deep.equal([]);
  });
});
