/**
 * The window's size, position and maximized flag, kept in a small JSON file beside the data
 * (never anything secret). Restored only where a display can show it: a window saved on a
 * monitor that is gone comes back centred on the primary one.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const WINDOW_STATE_FILE = 'window-state.json';
export const MIN_WIDTH = 1024;
export const MIN_HEIGHT = 640;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 800, maximized: false };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1e6;

/** The saved state, or the default when the file is missing, unreadable or nonsense. */
export function loadWindowState(file: string): WindowState {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (!isInt(raw.width) || !isInt(raw.height) || raw.width <= 0 || raw.height <= 0) return { ...DEFAULT_WINDOW_STATE };
    const state: WindowState = { width: raw.width, height: raw.height, maximized: raw.maximized === true };
    if (isInt(raw.x) && isInt(raw.y)) Object.assign(state, { x: raw.x, y: raw.y });
    return state;
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
}

/** Written to a temp file and renamed: a crash mid-write never leaves half a file. */
export function saveWindowState(file: string, state: WindowState): void {
  const clean: WindowState = { width: Math.round(state.width), height: Math.round(state.height), maximized: state.maximized };
  if (state.x !== undefined && state.y !== undefined) Object.assign(clean, { x: Math.round(state.x), y: Math.round(state.y) });
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(clean) + '\n');
  renameSync(tmp, file);
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Fits a saved state onto the displays there are now: on the display it overlaps most, no larger
 * than that display's work area and moved fully inside it; centred on the primary display when it
 * overlaps none (or has no position).
 */
export function fitToDisplays(state: WindowState, workAreas: Rect[], primary: Rect): WindowState {
  const fit = (area: Rect, x: number, y: number): WindowState => {
    const width = Math.min(Math.max(state.width, Math.min(MIN_WIDTH, area.width)), area.width);
    const height = Math.min(Math.max(state.height, Math.min(MIN_HEIGHT, area.height)), area.height);
    return {
      x: Math.min(Math.max(x, area.x), area.x + area.width - width),
      y: Math.min(Math.max(y, area.y), area.y + area.height - height),
      width,
      height,
      maximized: state.maximized,
    };
  };
  if (state.x !== undefined && state.y !== undefined) {
    const bounds = { x: state.x, y: state.y, width: state.width, height: state.height };
    let best: Rect | null = null;
    let bestOverlap = 0;
    for (const area of workAreas) {
      const o = overlap(bounds, area);
      if (o > bestOverlap) [best, bestOverlap] = [area, o];
    }
    if (best) return fit(best, state.x, state.y);
  }
  const centred = fit(primary, primary.x, primary.y);
  return { ...centred, x: primary.x + Math.round((primary.width - centred.width) / 2), y: primary.y + Math.round((primary.height - centred.height) / 2) };
}
