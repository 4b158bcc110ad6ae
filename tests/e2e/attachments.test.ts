// Attachments in a real browser, in Chinese, against `studylog serve` and the OpenAI-compatible
// test server: a photo and a PDF go to a vision model (the server receives the image content part
// and the PDF's text); for a text model the photo's recognized text is shown, editable, and what
// the student confirmed is what the server receives; bad files are refused with a Chinese message.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encryptedPdf, textImage, textPdf } from '../support/files.ts';
import { requirePackage } from '../support/requirements.ts';
import { eventually, startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');

// Runs in the page (drop()); the tests compile without the DOM library.
declare class DataTransfer {
  items: { add(file: unknown): void };
}
declare class DragEvent {
  constructor(type: string, init: { dataTransfer: DataTransfer; bubbles: boolean; cancelable: boolean });
}
declare function getComputedStyle(element: unknown): { color: string };
interface Droppable {
  dispatchEvent(event: DragEvent): boolean;
}

let e2e: E2E;
let page: Page;

beforeAll(async () => {
  e2e = await startE2E({ language: 'zh-CN' });
  page = await e2e.open();
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

type Part = { type: string; text?: string; image_url?: { url: string } };
const lastChatBody = () =>
  [...e2e.llm.requests].reverse().find((r) => r.path.endsWith('/chat/completions'))?.body as { model: string; messages: { role: string; content: string | Part[] }[] } | undefined;

async function newChatWith(model: string) {
  await page.getByRole('button', { name: '新对话' }).first().click();
  await page.getByTestId('model-picker').first().selectOption(model);
}

async function attach(name: string, mimeType: string, buffer: Buffer) {
  await page.getByTestId('attach-input').setInputFiles({ name, mimeType, buffer });
}

/** Drops a file on the composer as a file manager would (a DataTransfer with the file). */
async function drop(name: string, mimeType: string, buffer: Buffer) {
  await page.getByTestId('composer-area').evaluate(
    (element, file) => {
      const area = element as unknown as Droppable;
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0))], file.name, { type: file.type }));
      area.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      area.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    },
    { name, type: mimeType, base64: buffer.toString('base64') },
  );
}

const chips = () => page.getByTestId('attachment-chip');

async function allReady(count: number) {
  await eventually(
    async () => (await chips().count()) === count && (await page.locator('[data-testid="attachment-chip"][data-status="ready"]').count()) === count,
    `${count} attachments read`,
    30_000,
  );
}

describe.skipIf(chromium.skip)(`attachments${chromium.note}`, () => {
  test('a photo and a PDF to a vision model: the server receives the image part and the PDF text', async () => {
    await newChatWith('gpt-4o-mini');
    const requestsBefore = e2e.llm.requests.length;
    await attach('函数图像.png', 'image/png', await textImage(['抛物线'], { width: 400, fontSize: 48 }));
    await drop('练习.pdf', 'application/pdf', textPdf(['Exercise 3: find the vertex of y = x^2 - 4x + 3']));
    await allReady(2);
    await expect(chips().nth(1).textContent()).resolves.toContain('1 页');
    // A vision model reads the picture itself: no OCR text to check.
    await expect(page.getByTestId('attachment-ocr').count()).resolves.toBe(0);
    await page.getByTestId('composer').fill('请帮我看看这道题');
    await page.getByTestId('send').click();
    await page.locator('[data-role="assistant"][data-status="complete"]').last().waitFor({ timeout: 30_000 });

    expect(e2e.llm.requests.length).toBeGreaterThan(requestsBefore);
    const body = lastChatBody()!;
    expect(body.model).toBe('gpt-4o-mini');
    const content = body.messages.at(-1)!.content as Part[];
    expect(Array.isArray(content)).toBe(true);
    expect(content[0]!.text).toContain('请帮我看看这道题');
    expect(content[0]!.text).toContain('Exercise 3: find the vertex of y = x^2 - 4x + 3');
    expect(content.filter((p) => p.type === 'image_url').map((p) => p.image_url!.url.slice(0, 22))).toEqual(['data:image/png;base64,']);
    // The message shows its attachments; the tray is empty again.
    const sent = page.locator('[data-role="user"]').last().getByTestId('message-attachments');
    await expect(sent.textContent()).resolves.toContain('函数图像.png');
    await expect(sent.textContent()).resolves.toContain('练习.pdf');
    await expect(chips().count()).resolves.toBe(0);
  });

  test('a text model: the photo’s recognized text is shown, editable, and the edited text is what is sent', async () => {
    await newChatWith('deepseek-chat');
    await attach('题目.png', 'image/png', await textImage(['三角形的面积'], { width: 700, fontSize: 64 }));
    await allReady(1);
    const ocr = page.getByTestId('attachment-ocr');
    await expect(ocr.inputValue()).resolves.toContain('三角形的面积');
    await expect(page.getByTestId('ocr-hint').textContent()).resolves.toContain('不能识别图片');
    // A neutral note above the text it is about: not below it, not in the error colour.
    const hintBox = (await page.getByTestId('ocr-hint').boundingBox())!;
    const ocrBox = (await ocr.boundingBox())!;
    expect(hintBox.y + hintBox.height).toBeLessThanOrEqual(ocrBox.y);
    const colour = (testId: string) => page.getByTestId(testId).evaluate((el) => getComputedStyle(el).color);
    const muted = await page.locator('.composer-keys').evaluate((el) => getComputedStyle(el).color);
    await expect(colour('ocr-hint')).resolves.toBe(muted);
    await ocr.fill('三角形的面积：底是 6，高是 4');
    // No text typed: the message says to look at the attachment.
    await page.getByTestId('send').click();
    await page.locator('[data-role="assistant"][data-status="complete"]').last().waitFor({ timeout: 30_000 });
    const body = lastChatBody()!;
    expect(body.model).toBe('deepseek-chat');
    const content = body.messages.at(-1)!.content;
    expect(typeof content).toBe('string');
    expect(content).toContain('请看附件。');
    expect(content).toContain('「题目.png」');
    expect(content).toContain('三角形的面积：底是 6，高是 4');
  });

  test('after a reload, editing that message keeps the photo with its confirmed text; a follow-up carries it too', async () => {
    // The session of the test before: opened again from the server, which alone has the confirmed text.
    await page.reload();
    const user = page.locator('[data-role="user"]').last();
    await user.getByTestId('message-attachments').waitFor();
    await user.getByTestId('edit').click();
    // The editor shows what goes with the new version.
    await expect(user.getByTestId('edit-attachments').textContent()).resolves.toContain('题目.png');
    await expect(user.getByTestId('edit-attachments').textContent()).resolves.toContain('新版本会带上 1 个附件');
    await user.getByTestId('edit-input').fill('请算出这个三角形的面积');
    await user.getByTestId('edit-send').click();
    await page.locator('[data-role="user"]').last().getByTestId('version-count').waitFor({ timeout: 30_000 });
    await page.locator('[data-role="assistant"][data-status="complete"]').last().waitFor({ timeout: 30_000 });
    let content = lastChatBody()!.messages.at(-1)!.content;
    expect(typeof content).toBe('string');
    expect(content).toContain('请算出这个三角形的面积');
    expect(content).toContain('「题目.png」');
    expect(content).toContain('三角形的面积：底是 6，高是 4');
    // The new version shows the photo too.
    await expect(page.locator('[data-role="user"]').last().getByTestId('message-attachments').textContent()).resolves.toContain('题目.png');

    // A follow-up: the photo's text rides in the history.
    await page.getByTestId('composer').fill('那周长呢？');
    await page.getByTestId('send').click();
    await expect.poll(() => lastChatBody()!.messages.at(-1)!.content).toBe('那周长呢？');
    content = lastChatBody()!
      .messages.filter((m) => m.role === 'user')
      .at(-2)!.content;
    expect(content).toContain('请算出这个三角形的面积');
    expect(content).toContain('三角形的面积：底是 6，高是 4');
    await page.locator('[data-role="assistant"][data-status="complete"]').nth(1).waitFor({ timeout: 30_000 });
  });

  test('bad files are refused in Chinese, the text typed stays, nothing is sent', async () => {
    await newChatWith('gpt-4o-mini');
    const requestsBefore = e2e.llm.requests.length;
    await page.getByTestId('composer').fill('这条消息不会丢');
    await attach('加密.pdf', 'application/pdf', encryptedPdf());
    await attach('假图片.png', 'image/png', Buffer.from('this is not an image'));
    await attach('笔记.txt', 'text/plain', Buffer.from('notes'));
    const errors = page.getByTestId('attachment-error');
    await eventually(async () => (await errors.count()) === 3, 'three refusals');
    const texts = await errors.allTextContents();
    expect(texts.some((t) => t.includes('这个 PDF 设有密码保护。'))).toBe(true);
    expect(texts.filter((t) => t.includes('不支持这种文件作为附件。'))).toHaveLength(2);
    await expect(page.getByTestId('composer').inputValue()).resolves.toBe('这条消息不会丢');
    // Removing the refused files leaves the message ready to send, as typed.
    for (let i = 0; i < 3; i++) await page.getByTestId('attachment-remove').first().click();
    await expect(chips().count()).resolves.toBe(0);
    expect(e2e.llm.requests.length).toBe(requestsBefore);
  });
});
