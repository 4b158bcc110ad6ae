// Files the attachment tests attach, made here (nothing binary is checked in): images drawn with
// sharp (an SVG rendered by librsvg, with the system's CJK font — Debian's fonts-noto-cjk), and
// PDFs written by hand.
import sharp from 'sharp';

/** A PNG with these lines of text, black on white, large enough for OCR. */
export async function textImage(lines: readonly string[], options: { width?: number; fontSize?: number } = {}): Promise<Buffer> {
  const fontSize = options.fontSize ?? 48;
  const width = options.width ?? 900;
  const height = fontSize * 2 * lines.length + fontSize;
  const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const text = lines
    .map((line, i) => `<text x="40" y="${fontSize * 1.6 + i * fontSize * 2}" font-size="${fontSize}" font-family="Noto Sans CJK SC, Noto Sans SC, sans-serif" fill="#000">${escape(line)}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${text}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** A JPEG carrying EXIF with a camera and a GPS position (what a phone writes), and an orientation. */
export async function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } })
    .withExif({
      IFD0: { Make: 'StudylogTestPhone', Model: 'Camera 1', Orientation: '6' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 54/1 2700/100', GPSLongitudeRef: 'E', GPSLongitude: '116/1 23/1 2900/100' },
    })
    .jpeg()
    .toBuffer();
}

/** A plain image of one colour. */
export function plainImage(format: 'png' | 'jpeg' | 'webp', width = 32, height = 32): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: '#88aa44' } });
  return (format === 'png' ? image.png() : format === 'jpeg' ? image.jpeg() : image.webp()).toBuffer();
}

/**
 * A one-page PDF showing these lines (Helvetica, so ASCII text), written object by object with a
 * correct cross-reference table. `trailerExtra` is added to the trailer dictionary, `extraObjects`
 * after the page objects (numbered from 6).
 */
export function textPdf(lines: readonly string[], options: { trailerExtra?: string; extraObjects?: readonly string[] } = {}): Buffer {
  const stream = `BT /F1 18 Tf 50 750 Td ${lines.map((l, i) => `${i ? '0 -26 Td ' : ''}(${l.replace(/[()\\]/g, (c) => `\\${c}`)}) Tj`).join(' ')} ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ...(options.extraObjects ?? []),
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${options.trailerExtra ?? ''} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/**
 * A PDF encrypted with the standard security handler (RC4, revision 2) whose user password is not
 * empty: its /U entry is 32 bytes that no empty password produces, so a reader must ask for the
 * password (pdf.js: PasswordException). The page content is not really encrypted — a reader never
 * gets that far without the password.
 */
export function encryptedPdf(): Buffer {
  const hex32 = (byte: string) => `<${byte.repeat(32)}>`;
  return textPdf(['secret homework'], {
    extraObjects: [`<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O ${hex32('5a')} /U ${hex32('a5')} >>`],
    trailerExtra: `/Encrypt 6 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]`,
  });
}
