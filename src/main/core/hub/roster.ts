/**
 * A class roster from CSV (csv-parse): a header row naming the columns — `student_no` and `name`,
 * or 学号 and 姓名 as a school's export writes them — then one student per row. Cells may be
 * separated by commas, tabs (rows pasted from Excel or WPS) or full-width commas (，, typed with a
 * Chinese input method). A UTF-8 BOM (Excel) is fine. Errors name the row; a header without those
 * columns is refused with the issue `roster.header` (params.found: the cells it has), which the
 * dashboard words in the teacher's language.
 */
import { parse } from 'csv-parse/sync';
import { ROSTER_HEADER_ISSUE } from '../../../shared/hub-text.ts';
import { ApiError } from '../../../shared/errors.ts';
import { PERSON_NAME_MAX_CHARS } from '../../../shared/person-name.ts';

const NUMBER_HEADERS = ['student_no', 'student number', 'number', 'id', '学号'];
const NAME_HEADERS = ['name', 'student', '姓名', '名字'];
/** Comma, tab (a paste from a spreadsheet), full-width comma. */
const DELIMITERS = [',', '\t', '，'];

export interface RosterEntry {
  student_no: string;
  name: string;
}

export function parseRoster(csv: string): RosterEntry[] {
  let records: string[][];
  try {
    records = parse(csv, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, delimiter: DELIMITERS }) as string[][];
  } catch (error) {
    throw new ApiError('validation_error', `The roster is not valid CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
  const [header, ...rows] = records;
  if (!header) throw new ApiError('validation_error', 'The roster is empty: it needs a header row (student_no,name or 学号,姓名) and one row per student.');
  const lower = header.map((h) => h.toLowerCase());
  const noAt = lower.findIndex((h) => NUMBER_HEADERS.includes(h));
  const nameAt = lower.findIndex((h) => NAME_HEADERS.includes(h));
  if (noAt < 0 || nameAt < 0) {
    const found = header.map((h) => `“${h}”`).join(', ');
    throw new ApiError('validation_error', `The roster's first row must name a student number column and a name column (学号 and 姓名, or student_no and name); it has ${found}.`, [
      { path: ROSTER_HEADER_ISSUE, message: 'The header row names no student number or no name column.', params: { found } },
    ]);
  }
  const seen = new Set<string>();
  return rows.map((row, i) => {
    const student_no = row[noAt]?.trim() ?? '';
    const name = row[nameAt]?.trim() ?? '';
    const line = i + 2;
    if (!student_no || !name) throw new ApiError('validation_error', `Roster row ${line} needs both a student number and a name.`);
    if (student_no.length > 64 || name.length > PERSON_NAME_MAX_CHARS)
      throw new ApiError('validation_error', `Roster row ${line} is too long (student number ≤ 64, name ≤ ${PERSON_NAME_MAX_CHARS} characters).`);
    if (seen.has(student_no)) throw new ApiError('validation_error', `Roster row ${line} repeats student number ${student_no}.`);
    seen.add(student_no);
    return { student_no, name };
  });
}
