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
    .map(
      (line, i) =>
        `<text x="40" y="${fontSize * 1.6 + i * fontSize * 2}" font-size="${fontSize}" font-family="Noto Sans CJK SC, Noto Sans SC, sans-serif" fill="#000">${escape(line)}</text>`,
    )
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
 * A PDF showing these lines (Helvetica, so ASCII text; 28 lines to a page, each line short enough
 * to stay on the page), written object by object with a correct cross-reference table.
 * `extraObjects` come after the others (their numbers are given to `trailerExtra`'s function).
 */
export function textPdf(lines: readonly string[], options: { trailerExtra?: (firstExtra: number) => string; extraObjects?: readonly string[] } = {}): Buffer {
  const pages: string[][] = [];
  for (let i = 0; i < Math.max(1, lines.length); i += 28) pages.push(lines.slice(i, i + 28));
  // 1 catalog, 2 page tree, 3 font, then a page and its content stream per page.
  const pageObject = (i: number) => 4 + 2 * i;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pages.map((_, i) => `${pageObject(i)} 0 R`).join(' ')}] /Count ${pages.length} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  pages.forEach((pageLines, i) => {
    const stream = `BT /F1 14 Tf 40 760 Td ${pageLines.map((l, j) => `${j ? '0 -26 Td ' : ''}(${l.replace(/[()\\]/g, (c) => `\\${c}`)}) Tj`).join(' ')} ET`;
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageObject(i) + 1} 0 R >>`);
    objects.push(`<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`);
  });
  const firstExtra = objects.length + 1;
  objects.push(...(options.extraObjects ?? []));
  return pdfOf(objects, options.trailerExtra?.(firstExtra) ?? '');
}

/** A PDF of these objects (object 1 the catalog), with a correct cross-reference table. */
function pdfOf(objects: readonly string[], trailerExtra = ''): Buffer {
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailerExtra} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/**
 * A one-page PDF of Chinese text as a CJK font writes it: a Type0 font (Identity-H, glyph ids in
 * the content stream) whose ToUnicode map says which character each glyph is. Whatever that map
 * says is what a reader extracts — write "\u2F5C顿" and the PDF holds the Kangxi radical ⽜ where
 * 牛 is shown, as PDFs made with Noto / Source Han fonts often do. No font file is embedded: text
 * extraction needs only the map.
 */
export function cjkPdf(lines: readonly string[]): Buffer {
  const chars = [...new Set(lines.flatMap((l) => Array.from(l)))];
  const gid = (c: string) => (chars.indexOf(c) + 1).toString(16).padStart(4, '0');
  const utf16 = (c: string) => Buffer.from(c, 'utf16le').swap16().toString('hex');
  const cmap = [
    '/CIDInit /ProcSet findresource begin 12 dict begin begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def',
    '1 begincodespacerange <0000> <FFFF> endcodespacerange',
    ...chars.map((c) => `1 beginbfchar <${gid(c)}> <${utf16(c)}> endbfchar`),
    'endcmap CMapName currentdict /CMap defineresource pop end end',
  ].join('\n');
  const stream = `BT /F1 16 Tf 40 760 Td ${lines.map((l, i) => `${i ? '0 -28 Td ' : ''}<${Array.from(l).map(gid).join('')}> Tj`).join(' ')} ET`;
  return pdfOf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type0 /BaseFont /NotoSansCJKsc-Regular /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 8 0 R >>',
    '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /NotoSansCJKsc-Regular /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>',
    '<< /Type /FontDescriptor /FontName /NotoSansCJKsc-Regular /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>',
    `<< /Length ${cmap.length} >>\nstream\n${cmap}\nendstream`,
  ]);
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
    trailerExtra: (n) => `/Encrypt ${n} 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]`,
  });
}
