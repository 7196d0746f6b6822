// The dashboard as an operator uses it: headless Chromium against a real scheduler on the embedded
// cluster training a small job. The page asks for the token, shows the running job, follows its steps
// live, and its scale control changes the scheduler's desired workers and then the tasks on the agents.
import { expect } from 'chai';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../helpers/browser.js';
import {
  activeMasterTasks,
  startLocalSystem,
  tinyJob,
  waitFor,
  type LocalSystem,
} from '../../helpers/local-system.js';

// Evaluated in the page by waitForFunction.
declare const document: any;

const TOKEN = 'dashboard-token-1';
const JOB = 'live';

describe('dashboard on a running scheduler @integration', function () {
  this.timeout(150_000);
  let system: LocalSystem | undefined;
  let browser: Browser;
  let closeBrowser: (() => Promise<void>) | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    system = await startLocalSystem({ token: TOKEN });
    ({ browser, close: closeBrowser } = await launchBrowser());
    // Long enough to outlive the test: the page kills it at the end.
    await system.scheduler.facade.submitJob(
      tinyJob(JOB, { steps: 100_000, workers: 1, max: 2, checkpointDir: join(system.workDir, 'ckpt') }),
    );
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => void d.accept());
  });

  after(async () => {
    await closeBrowser?.();
    const left = (await system?.stop()) ?? [];
    expect(left, 'processes left in the work directory').to.deep.equal([]);
  });

  const stepOnPage = async () => Number(((await page.textContent('#m-step')) ?? '').replace(/\D/g, '') || -1);

  it('asks for the token and shows the running job', async () => {
    await waitFor('the job to train', () => system!.scheduler.facade.getJob(JOB).progress.step > 0, 90_000);
    await page.goto(system!.apiUrl + '/');
    await page.waitForSelector('#token-dialog[open]', { timeout: 15_000 });
    await page.fill('#token-input', TOKEN);
    await page.click('#token-dialog button');
    await page.waitForSelector(`#jobs tbody tr[data-job-id="${JOB}"] td.state-running`, { timeout: 15_000 });
    await page.waitForFunction(
      (id: string) => document.querySelector('#job-title')?.textContent?.includes(id),
      JOB,
      { timeout: 15_000 },
    );
    expect(await page.textContent('#job-title')).to.contain('running');
    await page.waitForSelector('#agents .task[data-role="worker"][data-state="TASK_RUNNING"]', {
      timeout: 15_000,
    });
    expect(await page.locator('#agents .task[data-role="ps"]').count()).to.equal(1);
  });

  it('updates the step live, without a reload', async () => {
    await page.waitForFunction(
      () => document.querySelector('#connection')?.getAttribute('data-state') === 'live',
      undefined,
      { timeout: 15_000 },
    );
    const first = await stepOnPage();
    expect(first).to.be.greaterThan(0);
    await waitFor('the page to show a later step', async () => (await stepOnPage()) > first, 30_000);
  });

  it('scales the job from the page: desired workers, then running worker tasks', async () => {
    const frameworkId = system!.scheduler.frameworkId;
    const runningWorkers = () =>
      activeMasterTasks(system!.cluster, frameworkId).filter(
        (t) => t.name.includes('worker') && t.state === 'TASK_RUNNING',
      ).length;
    expect(runningWorkers()).to.equal(1);

    await page.fill('#scale-input', '2');
    await page.click('#scale-button');
    await page.waitForFunction(
      () => document.querySelector('#action-message')?.textContent === 'desired workers: 2',
      undefined,
      { timeout: 15_000 },
    );
    expect(system!.scheduler.facade.getJob(JOB).workers.desired).to.equal(2);
    await waitFor('two worker tasks running on the agents', () => runningWorkers() === 2, 60_000);
    await page.waitForFunction(
      () => document.querySelector('#workers-running')?.textContent?.startsWith('2 running'),
      undefined,
      { timeout: 20_000 },
    );
  });

  it('kills the job from the page and the master ends every task', async () => {
    await page.click('#kill-button');
    await page.waitForSelector(`#jobs tbody tr[data-job-id="${JOB}"] td.state-killed`, { timeout: 15_000 });
    expect(system!.scheduler.facade.getJob(JOB).state).to.equal('killed');
    const frameworkId = system!.scheduler.frameworkId;
    await waitFor(
      'no active task in the master',
      () => activeMasterTasks(system!.cluster, frameworkId).length === 0,
      30_000,
    );
    expect(pageErrors).to.deep.equal([]);
  });
});
