// Attachments end to end below the UI: uploads through dispatch (as IPC) and HTTP, the store
// (content addressing, dedupe, nothing half-stored, metadata stripped), bad input, and what the
// model receives — image content parts for a vision model, OCR text for a text model, a PDF's text
// for both — with the real openai SDK against the OpenAI-compatible test server.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dispatch, dispatchStream } from '../../src/main/core/api/dispatch.ts';
import { createCore } from '../../src/main/core/app.ts';
import type { Caller } from '../../src/main/core/caller.ts';
import { estimateImageTokens } from '../../src/main/core/attachments/process.ts';
import type { Attachment, ProxyMessageResponse } from '../../src/shared/api/schemas.ts';
import { cjkPdf, encryptedPdf, jpegWithGps, plainImage, textImage, textPdf } from '../support/files.ts';
import { runCli } from '../support/cli.ts';
import { startApi } from '../support/http.ts';
import { collect, sendThroughDispatch, setupCore, TEST_CALLER, type TestCore } from '../support/core.ts';
import { onCleanup, rowCount, tempDir, testWrites } from '../support/temp.ts';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_MIGRATIONS_FOLDER, openDatabase } from '../../src/main/core/db/connection.ts';
import { AttachmentsRepo } from '../../src/main/core/db/attachments.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';

const OTHER = { user_id: 'student-2', role: 'student' as const };

async function upload(core: TestCore, data: Buffer, name: string, caller: Caller = TEST_CALLER) {
  return dispatch(core, 'uploadAttachment', caller, { name, data: data.toString('base64') });
}

async function uploaded(core: TestCore, data: Buffer, name: string, caller: Caller = TEST_CALLER): Promise<Attachment> {
  const reply = await upload(core, data, name, caller);
  if (!reply.ok) throw new Error(`upload refused: ${JSON.stringify(reply.body)}`);
  return reply.body as Attachment;
}

const storedBytes = (core: TestCore, sha: string) => (core.store.sqlite.prepare('SELECT data FROM attachment WHERE sha256 = ?').get(sha) as { data: Buffer }).data;
const lastUserContent = (core: TestCore) => {
  const body = core.chatRequests().at(-1)!.body as { messages: { role: string; content: unknown }[] };
  return body.messages.at(-1)!.content;
};

describe('storage', () => {
  it('stores an image by the SHA-256 of its stored bytes, once, whoever uploads it again', async () => {
    const core = await setupCore();
    const png = await plainImage('png', 40, 30);
    const a = await uploaded(core, png, 'one.png');
    expect(a).toMatchObject({ kind: 'image', mime: 'image/png', width: 40, height: 30, pages: null, text_truncated: false });
    expect(a.sha256).toBe(createHash('sha256').update(storedBytes(core, a.sha256)).digest('hex'));
    expect(a.bytes).toBe(storedBytes(core, a.sha256).length);
    expect(a.image_tokens).toBe(estimateImageTokens(40, 30));
    // The same picture again (another name, another user): one stored copy, two owners.
    const again = await uploaded(core, png, 'two.png');
    const other = await uploaded(core, png, 'mine.png', OTHER);
    expect([again.sha256, other.sha256]).toEqual([a.sha256, a.sha256]);
    expect(rowCount(core.store, 'attachment')).toBe(1);
    expect(rowCount(core.store, 'attachment_owner')).toBe(2);
  });

  it('strips EXIF and GPS from a photo (turned upright first), and shrinks a large one to 2048 px', async () => {
    const core = await setupCore();
    const photo = await jpegWithGps();
    // The test's own photo does carry them (or the check below could not fail).
    const before = await sharp(photo).metadata();
    expect(before.exif).toBeDefined();
    expect(photo.includes('StudylogTestPhone')).toBe(true);
    const a = await uploaded(core, photo, 'photo.jpg');
    const bytes = storedBytes(core, a.sha256);
    const after = await sharp(bytes).metadata();
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(bytes.includes('StudylogTestPhone')).toBe(false);
    expect(bytes.includes('GPS')).toBe(false);
    // Orientation 6 (rotated 90°): stored upright, so the sides swap.
    expect([a.width, a.height]).toEqual(before.orientation === 6 ? [48, 64] : [64, 48]);

    const big = await uploaded(core, await plainImage('webp', 3000, 1000), 'wide.webp');
    expect(big).toMatchObject({ mime: 'image/webp', width: 2048, height: 683 });
  });

  it('refuses bad input with its own code and stores nothing', async () => {
    const core = await setupCore();
    const png = await plainImage('png');
    const cases: [Buffer, string, string][] = [
      [Buffer.concat([png.subarray(0, 16), Buffer.alloc(10 * 1024 * 1024)]), 'huge.png', 'attachment_too_large'],
      [Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(20 * 1024 * 1024)]), 'huge.pdf', 'attachment_too_large'],
      [Buffer.from('GIF89a just a gif'), 'anim.gif', 'attachment_unsupported'],
      [Buffer.from('notes: x + 2 = 5'), 'notes.png', 'attachment_unsupported'],
      [Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(64)]), 'IMG_0001.HEIC', 'attachment_unsupported'],
      [png.subarray(0, png.length - 20), 'cut.png', 'attachment_unreadable'],
      [Buffer.from('%PDF-1.4\n1 0 obj garbage'), 'broken.pdf', 'attachment_unreadable'],
      [encryptedPdf(), 'locked.pdf', 'attachment_encrypted'],
    ];
    for (const [data, name, code] of cases) {
      const reply = await upload(core, data, name);
      expect(reply.ok, name).toBe(false);
      expect(reply.ok ? null : reply.body.code, name).toBe(code);
      expect(reply.ok ? '' : reply.body.detail, name).toContain(name);
    }
    expect(rowCount(core.store, 'attachment')).toBe(0);
    expect(rowCount(core.store, 'attachment_owner')).toBe(0);
  });

  it('reads a PDF: its pages and text', async () => {
    const core = await setupCore();
    const a = await uploaded(core, textPdf(['Question 7: solve 3x + 4 = 19', 'Show your steps']), 'worksheet.pdf');
    expect(a).toMatchObject({ kind: 'pdf', mime: 'application/pdf', pages: 1, width: null, image_tokens: null });
    expect(a.text).toContain('Question 7: solve 3x + 4 = 19');
  });

  it("another user's attachment is not found: not readable, not sendable", async () => {
    const core = await setupCore();
    const a = await uploaded(core, await plainImage('png'), 'mine.png');
    const read = await dispatch(core, 'getAttachment', OTHER, { sha256: a.sha256 });
    expect(read.ok ? null : read.body.code).toBe('not_found');
    await expect(sendThroughDispatch(core, OTHER, { message: 'look', attachments: [{ sha256: a.sha256, name: 'x.png' }] })).rejects.toMatchObject({ code: 'not_found' });
    expect(rowCount(core.store, 'turn')).toBe(0);
    const own = await dispatch(core, 'getAttachment', TEST_CALLER, { sha256: a.sha256, thumbnail: '1' });
    expect(own.ok && (own.body as { thumbnail: string }).thumbnail).toMatch(/^data:image\/jpeg;base64,/);
  });
});

describe('OCR', () => {
  it('finds the Chinese and English words of an image the test draws', async () => {
    const core = await setupCore();
    const a = await uploaded(core, await textImage(['三角形的面积', 'area of a triangle'], { fontSize: 64, width: 1000 }), 'problem.png');
    expect(a.text).toContain('三角形的面积');
    // Tesseract may run two English words together; the words themselves must be there.
    expect(a.text.toLowerCase().replace(/\s+/g, '')).toContain('areaofatriangle');
  });

  it('prints nothing to the terminal: no sub-language is tried (chi_sim asks for chi_sim_vert, which tesseract garbled)', async () => {
    const dir = tempDir();
    const image = path.join(dir, 'problem.png');
    writeFileSync(image, await textImage(['牛顿第二定律', 'Newton'], { fontSize: 64, width: 1000 }));
    const child = spawnSync(process.execPath, [fileURLToPath(new URL('../support/ocr-child.ts', import.meta.url)), image, path.join(dir, 'ocr')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    // stdout is the recognized text alone: tesseract's own lines ("Error opening data file …") would come before it.
    expect((JSON.parse(child.stdout) as string).replace(/\s+/g, '')).toContain('牛顿第二定律');
  });
});

describe('what the model receives', () => {
  it('a vision model gets the image as an image_url content part, and the turn records it as estimated tokens', async () => {
    const core = await setupCore();
    const a = await uploaded(core, await plainImage('jpeg', 600, 400), 'graph.jpg');
    const r = await sendThroughDispatch(core, TEST_CALLER, { message: '这张图是什么？', model: 'gpt-4o-mini', attachments: [{ sha256: a.sha256, name: 'graph.jpg' }] });
    const content = lastUserContent(core) as { type: string; text?: string; image_url?: { url: string } }[];
    expect(content[0]).toEqual({ type: 'text', text: '这张图是什么？' });
    expect(content[1]!.type).toBe('image_url');
    expect(content[1]!.image_url!.url).toBe(`data:image/jpeg;base64,${storedBytes(core, a.sha256).toString('base64')}`);
    const userTurn = core.turns.getTurnById(r.meta.user_turn_id)!;
    expect(userTurn.meta).toMatchObject({
      attachments: [{ sha256: a.sha256, name: 'graph.jpg', kind: 'image', sent_as: 'image', tokens: estimateImageTokens(600, 400), tokens_estimated: true }],
    });
  });

  it('a text model gets the OCR text the student confirmed, labelled; a PDF goes as its text to both', async () => {
    const core = await setupCore();
    const image = await uploaded(core, await plainImage('png'), 'photo.png');
    const pdf = await uploaded(core, textPdf(['Exercise 12: prove the identity']), 'sheet.pdf');
    await sendThroughDispatch(core, TEST_CALLER, {
      message: 'Help with these',
      model: 'deepseek-chat',
      attachments: [
        { sha256: image.sha256, name: 'photo.png', text: 'x^2 - 5x + 6 = 0 (edited by the student)' },
        { sha256: pdf.sha256, name: 'sheet.pdf' },
      ],
    });
    const content = lastUserContent(core);
    expect(typeof content).toBe('string');
    expect(content).toContain('Help with these');
    expect(content).toContain('"photo.png"');
    expect(content).toContain('x^2 - 5x + 6 = 0 (edited by the student)');
    expect(content).toContain('"sheet.pdf" (1 pages)');
    expect(content).toContain('Exercise 12: prove the identity');

    await sendThroughDispatch(core, TEST_CALLER, { message: 'And this one', model: 'gpt-4o-mini', attachments: [{ sha256: pdf.sha256, name: 'sheet.pdf' }] });
    const visionContent = lastUserContent(core);
    expect(typeof visionContent).toBe('string');
    expect(visionContent).toContain('Exercise 12: prove the identity');
  });

  it("a PDF's text is cut to the model's token budget, and says so", async () => {
    const core = await setupCore();
    // llama3.2 is unknown: an 8k context; the PDF's text is several times that.
    const lines = Array.from({ length: 600 }, (_, i) => `Line ${i} lorem ipsum dolor sit amet consectetur adipiscing elit`);
    const pdf = await uploaded(core, textPdf(lines), 'long.pdf');
    expect(pdf.text.length).toBeGreaterThan(30_000);
    await sendThroughDispatch(core, TEST_CALLER, { message: 'summarize', model: 'llama3.2', attachments: [{ sha256: pdf.sha256, name: 'long.pdf' }] });
    const content = lastUserContent(core) as string;
    expect(content).toContain('(too long: cut)');
    expect(content.length).toBeLessThan(pdf.text.length);
  });

  it('a model that refuses images: model_refuses_images, the message kept; a retry with a text model sends the OCR text', async () => {
    const core = await setupCore();
    core.server.refuseImages = ['gpt-4o-mini'];
    const a = await uploaded(core, await plainImage('png'), 'p.png');
    const request = {
      message: 'what is this',
      model: 'gpt-4o-mini',
      client_request_id: 'attach-refused-1',
      attachments: [{ sha256: a.sha256, name: 'p.png', text: 'y = 2x + 1' }],
    };
    await expect(sendThroughDispatch(core, TEST_CALLER, request)).rejects.toMatchObject({ code: 'model_refuses_images' });
    const [kept] = core.turns.getTurnsBySessionId((core.store.sqlite.prepare('SELECT id FROM session').get() as { id: string }).id);
    expect(kept).toMatchObject({ role: 'user', content: 'what is this', meta: { status: 'failed', error: { code: 'model_refuses_images' }, attachments: [{ sha256: a.sha256 }] } });

    const retried: ProxyMessageResponse = await sendThroughDispatch(core, TEST_CALLER, { ...request, model: 'deepseek-chat' });
    expect(retried.meta.user_turn_id).toBe(kept!.id);
    expect(lastUserContent(core)).toContain('y = 2x + 1');
  });

  it('search finds a message by the text of its attachments; deleting its session deletes them', async () => {
    const core = await setupCore();
    const pdf = await uploaded(core, textPdf(['Pythagorean theorem worksheet']), 'pythagoras.pdf');
    const r = await sendThroughDispatch(core, TEST_CALLER, { message: '看一下这个', attachments: [{ sha256: pdf.sha256, name: 'pythagoras.pdf' }] });
    // The message itself says only 看一下这个: it is found by its attachment's text. (The test
    // server's answer echoes what it was sent, so the answer is found too.)
    const hits = core.turns.searchTurns(TEST_CALLER.user_id, 'pythagorean');
    expect(hits.items.filter((h) => h.role === 'user').map((h) => h.id)).toEqual([r.meta.user_turn_id]);
    expect(core.turns.searchTurns(TEST_CALLER.user_id, '看一下').items.map((h) => h.id)).toContain(r.meta.user_turn_id);

    // The export links the file by its hash (the bytes stay in the database, and so in its backups).
    const exported = await dispatch(core, 'exportSessions', TEST_CALLER, { session_id: r.session_id, format: 'md' });
    expect(exported.ok && (exported.body as { content: string }).content).toContain(`[pythagoras.pdf](attachments/${pdf.sha256}.pdf) (PDF, 1 页, `);

    const deleted = await dispatch(core, 'deleteSession', TEST_CALLER, { id: r.session_id });
    expect(deleted.ok).toBe(true);
    expect(rowCount(core.store, 'turn_attachment')).toBe(0);
    expect(rowCount(core.store, 'attachment')).toBe(0);
    expect(core.turns.searchTurns(TEST_CALLER.user_id, 'pythagorean').items).toEqual([]);
  });

  it('a PDF whose font maps 牛 to the Kangxi radical ⽜: stored, sent and found as 牛顿; the hit shows the file and the words', async () => {
    const core = await setupCore();
    // U+2F5C ⽜, U+2F06 ⼆, U+2F00 ⼀, U+2F54 ⽔, U+2F12 ⼒: what pdf.js reads from such a PDF.
    const pdf = await uploaded(core, cjkPdf(['物理作业：\u2F5C顿第\u2F06定律', '\u2F00个物体在\u2F54平拉\u2F12作用下的加速度']), '物理作业.pdf');
    expect(pdf.text).toBe('物理作业：牛顿第二定律\n一个物体在水平拉力作用下的加速度');
    const r = await sendThroughDispatch(core, TEST_CALLER, { message: '请帮我看看这份作业', model: 'deepseek-chat', attachments: [{ sha256: pdf.sha256, name: '物理作业.pdf' }] });
    expect(JSON.stringify(lastUserContent(core))).toContain('牛顿第二定律');
    expect(JSON.stringify(lastUserContent(core))).not.toMatch(/[\u2E80-\u2FDF]/u);

    const userHits = (q: string) => core.turns.searchTurns(TEST_CALLER.user_id, q).items.filter((h) => h.role === 'user');
    const [hit] = userHits('牛顿');
    expect(hit?.id).toBe(r.meta.user_turn_id);
    // The message says none of it: the snippet is the attachment's, after its name, the words marked.
    expect(hit!.snippet).toBe('📎 物理作业.pdf：物理作业：牛顿第二定律 一个物体在水平拉力作用下的加速度');
    expect(hit!.highlights.map(([a, b]) => hit!.snippet.slice(a, b))).toEqual(['牛顿']);
    // Typed with the radical (copied from another PDF), the same message, marked the same.
    expect(userHits('\u2F5C顿').map((h) => [h.id, h.highlights])).toEqual([[r.meta.user_turn_id, hit!.highlights]]);
    const [far] = userHits('加速度');
    expect(far!.highlights.map(([a, b]) => far!.snippet.slice(a, b))).toEqual(['加速度']);
    // A match in the message's own words shows the message, as before.
    expect(userHits('作业')[0]!.snippet).toBe('请帮我看看这份作业');

    // Through the API (its output checked against the route's schema): the same shape, the same snippet.
    const reply = await dispatch(core, 'searchTurns', TEST_CALLER, { q: '牛顿' });
    expect(reply.ok).toBe(true);
    expect((reply.body as { items: { id: string; snippet: string }[] }).items.find((h) => h.id === r.meta.user_turn_id)?.snippet).toBe(hit!.snippet);
  });

  it('refuses more than 8 attachments or one named twice, writing nothing', async () => {
    const core = await setupCore();
    const a = await uploaded(core, await plainImage('png'), 'p.png');
    const nine = Array.from({ length: 9 }, (_, i) => ({ sha256: a.sha256, name: `p${i}.png` }));
    await expect(sendThroughDispatch(core, TEST_CALLER, { message: 'x', attachments: nine })).rejects.toMatchObject({ code: 'validation_error' });
    await expect(sendThroughDispatch(core, TEST_CALLER, { message: 'x', attachments: nine.slice(0, 2) })).rejects.toMatchObject({ code: 'validation_error' });
    expect(rowCount(core.store, 'turn')).toBe(0);
  });
});

describe('edits and follow-ups keep the files', () => {
  type Part = { type: string; text?: string; image_url?: { url: string } };
  const sentMessages = (core: TestCore) =>
    (core.chatRequests().at(-1)!.body as { messages: { role: string; content: string | Part[] }[] }).messages.filter((m) => m.role !== 'system');
  const linksOf = (core: TestCore, turnId: string) =>
    core.store.sqlite.prepare('SELECT sha256, name, text FROM turn_attachment WHERE turn_id = ? ORDER BY position').all(turnId) as { sha256: string; name: string; text: string }[];

  it('an edit names the edited message’s files again: a vision model gets the image, the new version is linked to it', async () => {
    const core = await setupCore();
    const a = await uploaded(core, await plainImage('jpeg', 300, 200), 'sheet.jpg');
    const first = await sendThroughDispatch(core, TEST_CALLER, { message: '第一问怎么做？', model: 'gpt-4o-mini', attachments: [{ sha256: a.sha256, name: 'sheet.jpg' }] });
    // The edit, as the chat sends it after a reload: the same files by hash, no text.
    const edited = await sendThroughDispatch(core, TEST_CALLER, {
      message: '第一问和第二问怎么做？',
      model: 'gpt-4o-mini',
      parent_id: null,
      meta: { session_id: first.session_id },
      attachments: [{ sha256: a.sha256, name: 'sheet.jpg' }],
    });
    const [message] = sentMessages(core);
    expect(sentMessages(core)).toHaveLength(1);
    const parts = message!.content as Part[];
    expect(parts[0]).toEqual({ type: 'text', text: '第一问和第二问怎么做？' });
    expect(parts[1]!.image_url!.url).toBe(`data:image/jpeg;base64,${storedBytes(core, a.sha256).toString('base64')}`);
    const turn = core.turns.getTurnById(edited.meta.user_turn_id)!;
    expect(turn.parent_id).toBeNull();
    expect(turn.meta).toMatchObject({ attachments: [{ sha256: a.sha256, name: 'sheet.jpg', sent_as: 'image' }] });
    expect(linksOf(core, edited.meta.user_turn_id).map((l) => l.sha256)).toEqual([a.sha256]);
  });

  it('an edit to a text model sends the text the student confirmed with the edited message, not the raw OCR', async () => {
    const core = await setupCore();
    const a = await uploaded(core, await textImage(['x + 1 = 3'], { width: 400, fontSize: 48 }), 'eq.png');
    const first = await sendThroughDispatch(core, TEST_CALLER, {
      message: 'q1',
      model: 'deepseek-chat',
      attachments: [{ sha256: a.sha256, name: 'eq.png', text: 'x + 1 = 3 (checked by the student)' }],
    });
    await sendThroughDispatch(core, TEST_CALLER, { message: 'q2', model: 'deepseek-chat', meta: { session_id: first.session_id } });
    // Edit q1 (no text given: the chat on a reloaded page does not have it).
    const edited = await sendThroughDispatch(core, TEST_CALLER, {
      message: 'q1, asked better',
      model: 'deepseek-chat',
      parent_id: null,
      meta: { session_id: first.session_id },
      attachments: [{ sha256: a.sha256, name: 'eq.png' }],
    });
    const content = sentMessages(core).at(-1)!.content as string;
    expect(content).toContain('q1, asked better');
    expect(content).toContain('"eq.png"');
    expect(content).toContain('x + 1 = 3 (checked by the student)');
    expect(linksOf(core, edited.meta.user_turn_id)).toEqual([{ sha256: a.sha256, name: 'eq.png', text: 'x + 1 = 3 (checked by the student)' }]);
    // A text the edit does give wins.
    await sendThroughDispatch(core, TEST_CALLER, {
      message: 'q1, once more',
      model: 'deepseek-chat',
      parent_id: null,
      meta: { session_id: first.session_id },
      attachments: [{ sha256: a.sha256, name: 'eq.png', text: 'x + 1 = 4' }],
    });
    expect(sentMessages(core).at(-1)!.content).toContain('x + 1 = 4');
  });

  it('a follow-up to a vision model carries the earlier photo as an image part; regenerating does too', async () => {
    const core = await setupCore();
    const a = await uploaded(core, await plainImage('png', 200, 100), 'problems.png');
    const first = await sendThroughDispatch(core, TEST_CALLER, { message: '第一问怎么做？', model: 'gpt-4o-mini', attachments: [{ sha256: a.sha256, name: 'problems.png' }] });
    const followUp = await sendThroughDispatch(core, TEST_CALLER, { message: '第二问呢？', model: 'gpt-4o-mini', meta: { session_id: first.session_id } });
    const expectHistory = () => {
      const [earlier, answer, last] = sentMessages(core);
      expect(earlier!.role).toBe('user');
      const parts = earlier!.content as Part[];
      expect(parts[0]).toEqual({ type: 'text', text: '第一问怎么做？' });
      expect(parts[1]!.image_url!.url).toBe(`data:image/png;base64,${storedBytes(core, a.sha256).toString('base64')}`);
      expect(answer).toEqual({ role: 'assistant', content: 'Echo: 第一问怎么做？' });
      expect(last).toEqual({ role: 'user', content: '第二问呢？' });
    };
    expectHistory();
    // The follow-up itself names no file: the photo rides in the history only.
    expect(core.turns.getTurnById(followUp.meta.user_turn_id)!.meta.attachments).toBeUndefined();

    const opened = dispatchStream(core, 'regenerateAnswer', TEST_CALLER, { id: first.session_id, turn_id: followUp.turn_id }, new AbortController().signal);
    if (!opened.ok) throw new Error(opened.envelope.body.detail);
    expect((await collect(opened.events)).at(-1)!.type).toBe('done');
    expectHistory();
  });

  it('a follow-up to a text model carries the earlier photo’s confirmed text and the PDF’s text, labelled as first sent', async () => {
    const core = await setupCore();
    const image = await uploaded(core, await plainImage('png'), 'photo.png');
    const pdf = await uploaded(core, textPdf(['Exercise 12: prove the identity']), 'sheet.pdf');
    const first = await sendThroughDispatch(core, TEST_CALLER, {
      message: 'Help with these',
      model: 'gpt-4o-mini',
      attachments: [
        { sha256: image.sha256, name: 'photo.png', text: 'y = 2x + 1 (as the student typed it)' },
        { sha256: pdf.sha256, name: 'sheet.pdf' },
      ],
    });
    // The session goes on with a text model: the photo goes as its text now.
    await sendThroughDispatch(core, TEST_CALLER, { message: 'And the second one?', model: 'deepseek-chat', meta: { session_id: first.session_id } });
    const [earlier, , last] = sentMessages(core);
    expect(typeof earlier!.content).toBe('string');
    const text = earlier!.content as string;
    expect(text.startsWith('Help with these\n\n')).toBe(true);
    expect(text).toContain('Text recognized (OCR) in the attached image "photo.png":\ny = 2x + 1 (as the student typed it)');
    expect(text).toContain('Text of the attached PDF "sheet.pdf" (1 pages):\nExercise 12: prove the identity');
    expect(last).toEqual({ role: 'user', content: 'And the second one?' });
  });
});

describe('exports with the files', () => {
  type Exported = { sessions: { turns: { id: string }[] }[]; attachments?: Record<string, { name: string; kind: string; mime: string; bytes: number; data: string }> };
  const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

  /** A session with a photo on its first message and the photo again plus a PDF on its second. */
  async function sessionWithFiles(core: TestCore) {
    const photo = await uploaded(core, await plainImage('jpeg', 320, 240), 'photo.jpg');
    const pdf = await uploaded(core, textPdf(['Exercise 7']), 'sheet.pdf');
    const first = await sendThroughDispatch(core, TEST_CALLER, { message: 'one', attachments: [{ sha256: photo.sha256, name: 'photo.jpg' }] });
    await sendThroughDispatch(core, TEST_CALLER, {
      message: 'two',
      meta: { session_id: first.session_id },
      attachments: [
        { sha256: photo.sha256, name: 'again.jpg' },
        { sha256: pdf.sha256, name: 'sheet.pdf' },
      ],
    });
    return { session: first.session_id, photo, pdf };
  }

  it('a JSON export with attachments=1 carries each file once, and its data round-trips to the hash it is keyed by', async () => {
    const core = await setupCore();
    const { session, photo, pdf } = await sessionWithFiles(core);
    const reply = await dispatch(core, 'exportSessions', TEST_CALLER, { session_id: session, format: 'json', attachments: '1' });
    if (!reply.ok) throw new Error(reply.body.detail);
    const json = JSON.parse((reply.body as { content: string }).content) as Exported;
    expect(json.sessions[0]!.turns).toHaveLength(4);
    expect(Object.keys(json.attachments!).sort()).toEqual([photo.sha256, pdf.sha256].sort());
    for (const [key, file] of Object.entries(json.attachments!)) {
      const data = Buffer.from(file.data, 'base64');
      expect(sha(data)).toBe(key);
      expect(file.bytes).toBe(data.length);
    }
    expect(json.attachments![photo.sha256]).toMatchObject({ name: 'photo.jpg', kind: 'image', mime: 'image/jpeg' });
    expect(json.attachments![pdf.sha256]).toMatchObject({ name: 'sheet.pdf', kind: 'pdf', mime: 'application/pdf' });
    // Without the parameter, the JSON names the files only (in each turn's meta).
    const plain = await dispatch(core, 'exportSessions', TEST_CALLER, { session_id: session, format: 'json' });
    expect(JSON.parse((plain.body as { content: string }).content)).not.toHaveProperty('attachments');
    // Markdown carries no files: the parameter is refused, saying why.
    const md = await dispatch(core, 'exportSessions', TEST_CALLER, { session_id: session, format: 'md', attachments: '1' });
    expect(md.ok).toBe(false);
    expect(md.body).toMatchObject({ code: 'validation_error', detail: expect.stringContaining('only a JSON export carries the files') });
  });

  it('the CLI writes the files the Markdown links beside it, by hash (and into the JSON with --attachments)', async () => {
    const core = await setupCore();
    const { session, photo, pdf } = await sessionWithFiles(core);
    core.close();
    const out = path.join(tempDir(), 'notes.md');
    const md = runCli(['export', '--data-dir', core.dataDir, '--session', session, '--out', out, '--attachments']);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stderr).toContain('Wrote 2 attachments');
    const text = readFileSync(out, 'utf8');
    for (const [file, ext] of [
      [photo, 'jpg'],
      [pdf, 'pdf'],
    ] as const) {
      const linked = `attachments/${file.sha256}.${ext}`;
      expect(text).toContain(`](${linked})`);
      expect(sha(readFileSync(path.join(path.dirname(out), linked)))).toBe(file.sha256);
    }
    const json = runCli(['export', '--data-dir', core.dataDir, '--session', session, '--format', 'json', '--attachments']);
    expect(json.code, json.stderr).toBe(0);
    expect(Object.keys((JSON.parse(json.stdout) as Exported).attachments!).sort()).toEqual([photo.sha256, pdf.sha256].sort());
  });

  it('over HTTP too (streamed), and an export over the bound is refused before the first byte, naming the size', async () => {
    const api = await startApi();
    onCleanup(() => void api.close());
    const core = api.core as TestCore;
    const png = await plainImage('png', 64, 64);
    const a = await uploaded(core, png, 'p.png', { user_id: core.owner.id, role: 'admin' });
    const sent = await core.proxy.send({ user_id: core.owner.id, role: 'admin' }, { message: 'look', attachments: [{ sha256: a.sha256, name: 'p.png' }] });
    const reply = await api.api('GET', `/export?session_id=${sent.session_id}&format=json&attachments=1`, { token: api.adminToken });
    expect(reply.status).toBe(200);
    const json = JSON.parse((reply.json as { content: string }).content) as Exported;
    expect(sha(Buffer.from(json.attachments![a.sha256]!.data, 'base64'))).toBe(a.sha256);

    // Two files of 40 MB (written straight into the file: zero bytes, a PDF to the checks) on the same message.
    const db = testWrites(core.store);
    for (const fake of ['a', 'b']) {
      const hash = fake.repeat(64);
      db.prepare(`INSERT INTO attachment (sha256, kind, mime, bytes, text, data, created_at) VALUES (?, 'pdf', 'application/pdf', ?, '', zeroblob(?), 0)`).run(
        hash,
        40 << 20,
        40 << 20,
      );
      db.prepare('INSERT INTO turn_attachment (turn_id, position, sha256, name, text) VALUES (?, ?, ?, ?, ?)').run(
        sent.meta.user_turn_id,
        fake === 'a' ? 1 : 2,
        hash,
        `${fake}.pdf`,
        '',
      );
    }
    const tooBig = await api.api('GET', `/export?session_id=${sent.session_id}&format=json&attachments=1`, { token: api.adminToken });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json).toMatchObject({ code: 'payload_too_large', detail: expect.stringContaining('3 attachments hold 81 MB, more than the 64 MB') });
    // Without the files it goes as before.
    expect((await api.api('GET', `/export?session_id=${sent.session_id}&format=json`, { token: api.adminToken })).status).toBe(200);
  });
});

describe('the clean-up of files never sent', () => {
  const DAY = 24 * 60 * 60_000;
  /** Makes an upload look `days` old (the file and its owners). */
  const age = (core: TestCore, sha256: string, days: number) => {
    const at = Date.now() - days * DAY;
    const db = testWrites(core.store);
    db.prepare('UPDATE attachment SET created_at = ? WHERE sha256 = ?').run(at, sha256);
    db.prepare('UPDATE attachment_owner SET created_at = ? WHERE sha256 = ?').run(at, sha256);
  };
  const stored = (core: TestCore) => (core.store.sqlite.prepare('SELECT sha256 FROM attachment ORDER BY sha256').pluck().all() as string[]).sort();

  it('deletes files uploaded over a day ago and never sent; keeps sent ones, recent ones and ones uploaded again lately', async () => {
    const core = await setupCore();
    const unsent = await uploaded(core, await plainImage('png', 20, 20), 'forgotten.png');
    const sent = await uploaded(core, await plainImage('png', 21, 21), 'sent.png');
    const recent = await uploaded(core, await plainImage('png', 22, 22), 'recent.png');
    const again = await uploaded(core, await plainImage('png', 23, 23), 'again.png');
    await sendThroughDispatch(core, TEST_CALLER, { message: 'with a photo', attachments: [{ sha256: sent.sha256, name: 'sent.png' }] });
    for (const a of [unsent, sent, again]) age(core, a.sha256, 2);
    // The same file uploaded again today (by another student): it may be about to be sent.
    await uploaded(core, await plainImage('png', 23, 23), 'again.png', OTHER);

    await expect(core.attachments.cleanUp()).resolves.toBe(1);
    expect(stored(core)).toEqual([sent.sha256, recent.sha256, again.sha256].sort());
    expect(core.store.sqlite.prepare('SELECT count(*) FROM attachment_owner WHERE sha256 = ?').pluck().get(unsent.sha256)).toBe(0);
    // A day later still, the sent one stays as long as its message does.
    await expect(core.attachments.cleanUp(Date.now() + 3 * DAY)).resolves.toBe(2);
    expect(stored(core)).toEqual([sent.sha256]);
  });

  it('keeps a file a hand-in’s answer names: through the clean-up, and when the chat that also sent it is deleted', async () => {
    const core = await setupCore();
    const photo = await uploaded(core, await plainImage('png', 24, 24), 'answer.png');
    const sent = await sendThroughDispatch(core, TEST_CALLER, { message: 'my working', attachments: [{ sha256: photo.sha256, name: 'answer.png' }] });
    const meta = { answer_files: [{ sha256: photo.sha256, name: 'answer.png', kind: 'image', mime: 'image/png', bytes: photo.bytes }] };
    testWrites(core.store)
      .prepare(
        `INSERT INTO submission (id, assignment_id, user_id, status, session_ids, answer, ai_note, source, created_at, updated_at, meta)
         VALUES ('sub1', 'hw_001', ?, 'draft', '[]', '', '', 'server', 1, 1, ?)`,
      )
      .run(TEST_CALLER.user_id, JSON.stringify(meta));
    age(core, photo.sha256, 2);
    await expect(core.attachments.cleanUp()).resolves.toBe(0);
    await dispatch(core, 'deleteSession', TEST_CALLER, { id: sent.session_id });
    expect(stored(core)).toEqual([photo.sha256]);
  });

  it('runs when a serving process starts', async () => {
    const dataDir = tempDir();
    const first = await setupCore({ dataDir });
    const a = await uploaded(first, await plainImage('png', 20, 20), 'forgotten.png');
    age(first, a.sha256, 2);
    first.close();
    const serving = createCore({ dataDir, secrets: null, dailyJobs: true });
    onCleanup(() => serving.close());
    await expect.poll(() => rowCount(serving.store, 'attachment')).toBe(0);
    expect(rowCount(serving.store, 'attachment_owner')).toBe(0);
  });
});

describe('migration 0010', () => {
  it('upgrades a database from the migration before: old turns kept and searchable, the attachment triggers in place', () => {
    const file = path.join(tempDir(), 'studylog.db');
    const folder = path.join(tempDir('studylog-migrations-'), 'migrations');
    cpSync(DEFAULT_MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalFile = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.slice(
      0,
      journal.entries.findIndex((e) => e.tag.endsWith('_attachments')),
    );
    writeFileSync(journalFile, JSON.stringify(journal));
    const old = openDatabase(file, { migrationsFolder: folder });
    old.sqlite.prepare("INSERT INTO session VALUES ('s1', 'u1', NULL, 'chat', 1, NULL, '{}', '{}')").run();
    old.sqlite
      .prepare(
        `INSERT INTO turn (id, session_id, role, content, tool_calls, model, tokens_in, tokens_out, cost, created_at, meta) VALUES ('t1', 's1', 'user', '勾股定理的证明', NULL, NULL, 0, 0, 0, 2, '{}')`,
      )
      .run();
    old.close();

    const store = openDatabase(file);
    onCleanup(() => store.sqlite.open && store.close());
    const triggers = store.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'turn_attachment' ORDER BY name").pluck().all();
    expect(triggers).toEqual(['turn_attachment_after_delete', 'turn_attachment_fts_after_insert']);
    const turns = new TurnsRepo(store);
    expect(turns.searchTurns('u1', '勾股').items.map((t) => t.id)).toEqual(['t1']);
    // An attachment linked to the old turn: found by its text too, and gone with it.
    const db = testWrites(store);
    const repo = new AttachmentsRepo(store);
    repo.store(db, 'u1', { sha256: 'a'.repeat(64), kind: 'pdf', mime: 'application/pdf', data: Buffer.from('%PDF-'), width: null, height: null, pages: 1, text: 'hypotenuse' });
    repo.link(db, 't1', [{ sha256: 'a'.repeat(64), name: 'proof.pdf', text: 'hypotenuse squared' }]);
    expect(turns.searchTurns('u1', 'hypotenuse').items.map((t) => t.id)).toEqual(['t1']);
    expect(turns.searchTurns('u1', '勾股').items.map((t) => t.id)).toEqual(['t1']);
    store.sqlite.prepare("DELETE FROM session WHERE id = 's1'").run();
    expect(rowCount(store, 'attachment')).toBe(0);
  });
});

describe('migration nfkc_attachment_text', () => {
  it('normalizes attachment text stored before, and the index: a search for 牛顿 finds the old PDF', () => {
    const file = path.join(tempDir(), 'studylog.db');
    const folder = path.join(tempDir('studylog-migrations-'), 'migrations');
    cpSync(DEFAULT_MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalFile = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.slice(
      0,
      journal.entries.findIndex((e) => e.tag.endsWith('_nfkc_attachment_text')),
    );
    writeFileSync(journalFile, JSON.stringify(journal));
    const old = openDatabase(file, { migrationsFolder: folder });
    const radicals = '物理作业：\u2F5C顿第\u2F06定律';
    old.sqlite.prepare("INSERT INTO session VALUES ('s1', 'u1', NULL, 'chat', 1, NULL, '{}', '{}')").run();
    old.sqlite
      .prepare(
        `INSERT INTO turn (id, session_id, role, content, tool_calls, model, tokens_in, tokens_out, cost, created_at, meta) VALUES ('t1', 's1', 'user', '看一下', NULL, NULL, 0, 0, 0, 2, '{}')`,
      )
      .run();
    old.sqlite
      .prepare(`INSERT INTO attachment (sha256, kind, mime, bytes, text, data, created_at) VALUES (?, 'pdf', 'application/pdf', 5, ?, ?, 0)`)
      .run('b'.repeat(64), radicals, Buffer.from('%PDF-'));
    old.sqlite.prepare(`INSERT INTO turn_attachment (turn_id, position, sha256, name, text) VALUES ('t1', 0, ?, '物理作业.pdf', ?)`).run('b'.repeat(64), radicals);
    // The index as a version before this one wrote it: the radicals' bigrams, not the ideographs'.
    const rowid = old.sqlite.prepare("SELECT rowid FROM turn WHERE id = 't1'").pluck().get();
    old.sqlite.prepare('DELETE FROM turn_fts WHERE rowid = ?').run(rowid);
    old.sqlite.prepare('INSERT INTO turn_fts(rowid, body) VALUES (?, ?)').run(rowid, ' 看一 一下 下 物理 理作 作业 业 ： \u2F5C顿 顿第 第\u2F06 \u2F06定 定律 律 ');
    expect(old.sqlite.prepare(`SELECT count(*) FROM turn_fts WHERE turn_fts MATCH '"牛顿"'`).pluck().get()).toBe(0);
    old.close();

    const store = openDatabase(file);
    onCleanup(() => store.sqlite.open && store.close());
    expect(store.sqlite.prepare('SELECT text FROM attachment').pluck().get()).toBe('物理作业：牛顿第二定律');
    expect(store.sqlite.prepare('SELECT text FROM turn_attachment').pluck().get()).toBe('物理作业：牛顿第二定律');
    const turns = new TurnsRepo(store);
    const [hit] = turns.searchTurns('u1', '牛顿').items;
    expect(hit).toMatchObject({ id: 't1', snippet: '📎 物理作业.pdf：物理作业：牛顿第二定律' });
    expect(turns.searchTurns('u1', '看一下').items.map((t) => t.id)).toEqual(['t1']);
  });
});

describe('over HTTP', () => {
  it('takes an upload larger than the 1 MiB body limit of other routes, and refuses one over its own', async () => {
    const api = await startApi();
    onCleanup(() => void api.close());
    const noisy = await sharp({ create: { width: 650, height: 650, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
      .png()
      .toBuffer();
    expect(noisy.length).toBeGreaterThan(1024 * 1024);
    const ok = await api.api('POST', '/attachments', { token: api.adminToken, body: { name: 'noise.png', data: noisy.toString('base64') } });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ kind: 'image', width: 650 });
    const tooBig = await api.api('POST', '/attachments', { token: api.adminToken, body: { name: 'x.pdf', data: 'A'.repeat(29 * 1024 * 1024) } });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json).toMatchObject({ code: 'attachment_too_large' });
    // Elsewhere the limit is unchanged.
    const elsewhere = await api.api('POST', '/proxy', { token: api.adminToken, body: { message: 'x'.repeat(2 * 1024 * 1024) } });
    expect(elsewhere.status).toBe(413);
  });
});
