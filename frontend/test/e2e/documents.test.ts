import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ask, lastAnswer, settledAnswer } from '../support/chat-page';
import { withPage } from '../support/chromium';
import {
  E2E_SETUP_TIMEOUT_MS,
  E2E_TEST_TIMEOUT_MS,
  type E2eEnvironment,
  startE2eEnvironment,
} from '../support/e2e-environment';

jest.setTimeout(E2E_TEST_TIMEOUT_MS * 2);

let env: E2eEnvironment;

beforeAll(async () => {
  // Local mode, as after `npm start`: the local user is the admin, no token in the browser.
  env = await startE2eEnvironment({ localMode: true });
}, E2E_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await env?.close();
});

/** Two pages, the answer on the second; made with backend/test/support/fixtures/pdf.ts (buildPdf). */
const GLACIERS_PDF = readFileSync(path.join(__dirname, '../fixtures/glaciers.pdf'));

const OTTERS =
  '# Sea otters\n\nSea otters live along the coasts of the North Pacific.\n\n## Diet\n\n' +
  'Sea otters eat sea urchins, crabs and clams, up to a quarter of their body weight every day.\n';

/** Drops files on the drop zone the way a browser does: a drop event carrying a DataTransfer. */
async function dropFiles(
  page: Page,
  files: readonly { name: string; data: string | Buffer; type: string }[],
) {
  const encoded = files.map(({ name, data, type }) => ({
    name,
    type,
    base64: Buffer.from(data).toString('base64'),
  }));
  const transfer = await page.evaluateHandle((list) => {
    const data = new DataTransfer();
    for (const file of list) {
      const bytes = Uint8Array.from(atob(file.base64), (char) => char.charCodeAt(0));
      data.items.add(new File([bytes], file.name, { type: file.type }));
    }
    return data;
  }, encoded);
  await page.dispatchEvent('#documents-drop', 'drop', { dataTransfer: transfer });
}

describe('documents view (local admin)', () => {
  test('uploads by drag and drop and file picker, shows per-file results, searches, pages, deletes and replaces', async () => {
    await withPage(env.browser, 'documents-upload', async (page, watch) => {
      await page.goto(`${env.frontend.url}/`);
      await page.locator('#documents-open').click();
      await page.locator('#documents-dialog[open]').waitFor();

      await dropFiles(page, [{ name: 'otters.md', data: OTTERS, type: 'text/markdown' }]);
      await page.setInputFiles('#documents-file', [
        {
          name: 'penguins.txt',
          mimeType: 'text/plain',
          buffer: Buffer.from('Emperor penguins breed in winter.'),
        },
        { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
      ]);

      const upload = (name: string) => page.locator('.upload', { hasText: name });
      await upload('otters.md').and(page.locator('[data-state="stored"]')).waitFor();
      await upload('penguins.txt').and(page.locator('[data-state="stored"]')).waitFor();
      await upload('photo.png').and(page.locator('[data-state="rejected"]')).waitFor();
      await expect(upload('photo.png').locator('.upload-status').textContent()).resolves.toMatch(
        /^photo\.png: this file type is not supported/,
      );
      await expect(
        upload('otters.md')
          .locator('progress')
          .evaluate((bar: HTMLProgressElement) => bar.value),
      ).resolves.toBe(1);

      const rows = page.locator('#documents-dialog tbody tr');
      await page.locator('#documents-dialog tbody tr', { hasText: 'penguins.txt' }).waitFor();
      await page.locator('#documents-search').fill('otters');
      await page.locator('.page-info', { hasText: /^1–1 of 1$/ }).waitFor();
      await expect(rows.first().textContent()).resolves.toContain('Sea otters');
      // Enough notes for a second page of 20 (the sample corpus adds about ten documents).
      await page.setInputFiles(
        '#documents-file',
        Array.from({ length: 12 }, (_, index) => ({
          name: `notes/note-${index}.txt`,
          mimeType: 'text/plain',
          buffer: Buffer.from(`Note number ${index} about nothing in particular.`),
        })),
      );
      await page.locator('.upload[data-state="stored"]', { hasText: 'note-11.txt' }).waitFor();
      await page.locator('.upload[data-state="uploading"]').first().waitFor({ state: 'detached' });
      await page.locator('#documents-search').fill('');
      await page.locator('.page-info', { hasText: /^1–20 of (2\d|3\d)$/ }).waitFor();
      await page.locator('#documents-dialog').getByRole('button', { name: 'Next' }).click();
      await page.locator('.page-info', { hasText: /^21–/ }).waitFor();
      await page.locator('#documents-dialog').getByRole('button', { name: 'Previous' }).click();
      await page.locator('.page-info', { hasText: /^1–20 of/ }).waitFor();

      const penguins = page.locator('#documents-dialog tbody tr', { hasText: 'penguins.txt' });
      await penguins.getByRole('button', { name: 'Delete' }).click();
      await penguins.getByRole('button', { name: 'Cancel' }).click();
      await penguins.getByRole('button', { name: 'Delete' }).click();
      await penguins.getByRole('button', { name: 'Confirm delete' }).click();
      await penguins.waitFor({ state: 'detached' });

      await page.setInputFiles('#documents-file', [
        {
          name: 'otters.md',
          mimeType: 'text/markdown',
          buffer: Buffer.from(`${OTTERS}\n## Tools\n\nThey crack shells with rocks.\n`),
        },
      ]);
      await upload('otters.md').and(page.locator('[data-state="replaced"]')).waitFor();
      expect(watch.pageErrors).toEqual([]);
      expect(watch.dialogs).toEqual([]);
    });
  });

  test('a cited source opens its passage in the document, highlighted under its heading path', async () => {
    await withPage(env.browser, 'documents-open-passage', async (page, watch) => {
      await page.goto(`${env.frontend.url}/`);
      await ask(page, 'What do sea otters eat?');
      await settledAnswer(page);
      await page.locator('.turn-assistant details.sources summary').last().click();
      const open = page
        .locator('.turn-assistant .source', { hasText: 'sea urchins' })
        .first()
        .locator('a.source-open');
      await open.click();
      const dialog = page.locator('#passage-dialog[open]');
      await dialog.waitFor();
      await dialog.locator('h2', { hasText: /^Sea otters$/ }).waitFor();
      await expect(dialog.locator('.passage-location').textContent()).resolves.toBe('Sea otters › Diet');
      await expect(dialog.locator('mark.passage-highlight').textContent()).resolves.toContain('sea urchins');
      await expect(dialog.locator('.passage-text').textContent()).resolves.toContain('North Pacific');
      expect(watch.pageErrors).toEqual([]);
    });
  });

  test('a PDF dropped on the page is cited in an answer, and its [n] marker opens the passage on its page', async () => {
    await withPage(env.browser, 'documents-pdf-citation', async (page, watch) => {
      await page.goto(`${env.frontend.url}/`);
      await page.locator('#documents-open').click();
      await page.locator('#documents-dialog[open]').waitFor();
      await dropFiles(page, [{ name: 'glaciers.pdf', data: GLACIERS_PDF, type: 'application/pdf' }]);
      const upload = page.locator('.upload', { hasText: 'glaciers.pdf' });
      await upload.and(page.locator('[data-state="stored"]')).waitFor();
      await expect(
        upload.locator('progress').evaluate((bar: HTMLProgressElement) => bar.value),
      ).resolves.toBe(1);
      await page.locator('#documents-dialog tbody tr', { hasText: 'Glaciers of the Alps' }).waitFor();
      await page.locator('#documents-dialog').getByRole('button', { name: 'Close' }).click();

      await ask(page, 'Which is the largest glacier in the Alps?');
      await settledAnswer(page);
      const source = lastAnswer(page).locator('.source', { hasText: 'Glaciers of the Alps' }).first();
      const sourceId = await source.getAttribute('id');
      const marker = lastAnswer(page).locator(`.answer a.citation[href="#${sourceId}"]`).first();
      await expect(marker.getAttribute('aria-label')).resolves.toMatch(
        /^Source \d+: open the cited passage, page 2$/,
      );
      await marker.click();

      const dialog = page.locator('#passage-dialog[open]');
      await dialog.waitFor();
      await dialog.locator('h2', { hasText: /^Glaciers of the Alps$/ }).waitFor();
      await expect(dialog.locator('.passage-location').textContent()).resolves.toBe('p. 2');
      await expect(dialog.locator('mark.passage-highlight').textContent()).resolves.toContain(
        'Aletsch Glacier',
      );
      await expect(dialog.locator('.passage-text').textContent()).resolves.toContain('A short field guide.');
      expect(watch.pageErrors).toEqual([]);
    });
  });
});
