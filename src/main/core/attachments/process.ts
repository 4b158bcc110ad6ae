/**
 * What happens to a file a student attaches, before anything is stored: its type is read from its
 * bytes (never from its name or a declared MIME type), its size checked against the limits, an
 * image decoded and re-encoded without its metadata (EXIF, GPS, XMP, ICC are all dropped) and
 * shrunk to ATTACHMENT_LIMITS.imageMaxSide, its text read by local OCR (ocr.ts); a PDF opened and
 * its text extracted (unpdf, the pdf.js build for servers); the text read either way normalized
 * (normalize.ts: a PDF's ⽜顿 becomes 牛顿). Anything wrong is an ApiError with its
 * own code, so the app can say exactly what in both languages; nothing is stored before this passes.
 */
import { createHash } from 'node:crypto';
import type { OutputInfo } from 'sharp';
import { ATTACHMENT_LIMITS } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import type { NewAttachment } from '../db/attachments.repo.ts';
import { normalizeText } from './normalize.ts';
import type { Ocr } from './ocr.ts';

/** An upload made ready to store, and whether its text had to be cut. */
/**
 * sharp (libvips) and unpdf (pdf.js) are loaded at the first attachment, not with the app: a
 * server that never sees one keeps ~10 MB less (bench/NOTES.md, issue 15).
 */
const loadSharp = async () => (await import('sharp')).default;

export interface ProcessedAttachment extends NewAttachment {
  text_truncated: boolean;
}

type Sniffed = { kind: 'image'; format: 'jpeg' | 'png' | 'webp' } | { kind: 'pdf' } | { kind: 'heic' } | null;

const MB = 1024 * 1024;

/** The file's type from its first bytes (its "magic number"). */
export function sniff(data: Buffer): Sniffed {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return { kind: 'image', format: 'jpeg' };
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return { kind: 'image', format: 'png' };
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return { kind: 'image', format: 'webp' };
  // PDF readers accept the header anywhere in the first kilobyte.
  if (data.subarray(0, 1024).includes('%PDF-')) return { kind: 'pdf' };
  if (data.length >= 12 && data.toString('latin1', 4, 8) === 'ftyp' && /^(heic|heix|hevc|hevx|mif1|msf1|heim|heis)$/.test(data.toString('latin1', 8, 12))) return { kind: 'heic' };
  return null;
}

const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function cutText(text: string): { text: string; text_truncated: boolean } {
  // Radicals as ideographs, compatibility forms folded (normalize.ts): stored, sent and indexed so.
  const clean = normalizeText(text.replaceAll('\u0000', '')).trim();
  if (clean.length <= ATTACHMENT_LIMITS.textChars) return { text: clean, text_truncated: false };
  return { text: clean.slice(0, ATTACHMENT_LIMITS.textChars), text_truncated: true };
}

function tooLarge(name: string, kind: 'image' | 'PDF', bytes: number, limit: number): ApiError {
  return new ApiError('attachment_too_large', `'${name}' is ${(bytes / MB).toFixed(1)} MB; a${kind === 'image' ? 'n image' : ' PDF'} may be at most ${limit / MB} MB.`);
}

/** Checks, cleans and reads one uploaded file. `name` is only for the messages. */
export async function processAttachment(data: Buffer, name: string, ocr: Ocr): Promise<ProcessedAttachment> {
  if (data.length === 0) throw new ApiError('attachment_unreadable', `'${name}' is empty.`);
  const type = sniff(data);
  if (type?.kind === 'heic') {
    throw new ApiError(
      'attachment_unsupported',
      `'${name}' is a HEIC photo, which Studylog cannot read yet. Save it as JPEG or PNG (on an iPhone: Settings → Camera → Formats → Most Compatible) and attach it again.`,
    );
  }
  if (type === null) throw new ApiError('attachment_unsupported', `'${name}' is not a PNG, JPEG or WebP image or a PDF.`);
  if (type.kind === 'pdf') {
    if (data.length > ATTACHMENT_LIMITS.pdfBytes) throw tooLarge(name, 'PDF', data.length, ATTACHMENT_LIMITS.pdfBytes);
    return processPdf(data, name);
  }
  if (data.length > ATTACHMENT_LIMITS.imageBytes) throw tooLarge(name, 'image', data.length, ATTACHMENT_LIMITS.imageBytes);
  return processImage(data, name, type.format, ocr);
}

async function processImage(data: Buffer, name: string, format: 'jpeg' | 'png' | 'webp', ocr: Ocr): Promise<ProcessedAttachment> {
  let out: { data: Buffer; info: OutputInfo };
  try {
    // rotate(): turn the pixels as the EXIF orientation says, before the EXIF goes. Without
    // withMetadata()/keepMetadata(), sharp writes no EXIF, GPS, XMP or ICC at all.
    const pipeline = (await loadSharp())(data, { failOn: 'error', limitInputPixels: ATTACHMENT_LIMITS.imageMaxPixels })
      .rotate()
      .resize({ width: ATTACHMENT_LIMITS.imageMaxSide, height: ATTACHMENT_LIMITS.imageMaxSide, fit: 'inside', withoutEnlargement: true });
    const encoded = format === 'jpeg' ? pipeline.jpeg({ quality: 88 }) : format === 'png' ? pipeline.png() : pipeline.webp({ quality: 88 });
    out = await encoded.toBuffer({ resolveWithObject: true });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(why)) throw new ApiError('attachment_too_large', `'${name}' has more than ${ATTACHMENT_LIMITS.imageMaxPixels / 1e6} million pixels.`);
    throw new ApiError('attachment_unreadable', `'${name}' looks like a ${format.toUpperCase()} image but could not be read (damaged or incomplete): ${why}`);
  }
  const text = await ocr.recognize(out.data);
  return {
    sha256: sha256Of(out.data),
    kind: 'image',
    mime: `image/${format}`,
    data: out.data,
    width: out.info.width,
    height: out.info.height,
    pages: null,
    ...cutText(text),
  };
}

async function processPdf(data: Buffer, name: string): Promise<ProcessedAttachment> {
  let pages: number;
  let text: string;
  const { extractText, getDocumentProxy } = await import('unpdf');
  // pdf.js takes ownership of the array it is given: hand it a copy, keep `data` for storage.
  const pdf = await getDocumentProxy(new Uint8Array(data)).catch((error: unknown) => {
    if ((error as { name?: unknown } | null)?.name === 'PasswordException') {
      throw new ApiError('attachment_encrypted', `'${name}' is protected by a password. Save a copy without the password (print it to PDF) and attach that.`);
    }
    throw new ApiError('attachment_unreadable', `'${name}' is not a readable PDF (damaged or incomplete): ${error instanceof Error ? error.message : String(error)}`);
  });
  try {
    pages = pdf.numPages;
    if (pages > ATTACHMENT_LIMITS.pdfPages) throw new ApiError('attachment_too_large', `'${name}' has ${pages} pages; a PDF may have at most ${ATTACHMENT_LIMITS.pdfPages}.`);
    text = (await extractText(pdf, { mergePages: true })).text;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('attachment_unreadable', `The text of '${name}' could not be read (the PDF is damaged): ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await pdf.loadingTask.destroy().catch(() => undefined);
  }
  return { sha256: sha256Of(data), kind: 'pdf', mime: 'application/pdf', data, width: null, height: null, pages, ...cutText(text) };
}

/**
 * A small JPEG of an image attachment for lists and chips (a data URL: the CSP allows `data:` images).
 * Decoded under the upload's pixel limit: an imported hand-in's file was never checked by an upload.
 */
export async function thumbnailOf(data: Buffer): Promise<string> {
  const jpeg = await (
    await loadSharp()
  )(data, { limitInputPixels: ATTACHMENT_LIMITS.imageMaxPixels })
    .resize({ width: 320, height: 320, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 75 })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

/**
 * Image tokens by OpenAI's published rule for `detail: high`: fit in 2048×2048, then the shorter
 * side scaled to 768; 85 tokens plus 170 per 512-pixel tile. Other providers count differently:
 * always recorded as an estimate.
 */
export function estimateImageTokens(width: number, height: number): number {
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shorter = Math.min(1, 768 / Math.min(w, h));
  w *= shorter;
  h *= shorter;
  return 85 + 170 * Math.ceil(w / 512) * Math.ceil(h / 512);
}
