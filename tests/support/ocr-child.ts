// OCR in a child process, so a test sees everything tesseract prints: reads the image at argv[2]
// with the app's TesseractOcr (language files gathered in argv[3]) and prints the text as JSON.
import { readFileSync } from 'node:fs';
import { TesseractOcr } from '../../src/main/core/attachments/ocr.ts';

const [image, langDir] = process.argv.slice(2) as [string, string];
const ocr = new TesseractOcr(langDir);
try {
  process.stdout.write(JSON.stringify(await ocr.recognize(readFileSync(image))));
} finally {
  await ocr.close();
}
