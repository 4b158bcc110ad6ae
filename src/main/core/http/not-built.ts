/**
 * The page at / while the web app is not built (`studylog serve` or `studylog hub serve` run from a
 * checkout before `npm run build`): what to do, in Chinese first — the first users' language —
 * then in English, since it is shown before any setting could say which.
 */
export function notBuiltPage(name: { zh: string; en: string }, apiPrefix: string, extra: { zh: string; en: string } = { zh: '', en: '' }): string {
  return `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>${name.zh} · ${name.en}</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto;line-height:1.6">
<h1>${name.zh}</h1><p>网页应用还没有构建：请在 Studylog 的目录中运行 <code>npm run build</code>（或运行一次 <code>npm start</code>），然后刷新这个页面。接口位于 <code>${apiPrefix}</code>${extra.zh}。</p>
<h2 lang="en">${name.en}</h2><p lang="en">The web app has not been built: run <code>npm run build</code> (or <code>npm start</code> once) in Studylog's folder, then reload this page. The API is at <code>${apiPrefix}</code>${extra.en}.</p></body></html>`;
}
