/// <reference types="vite/client" />
import type { StudylogBridge } from '../../shared/api/client.ts';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser (which then talks HTTP with a token). */
    studylog?: StudylogBridge;
  }
}
