const allowedProtocols = new Set(['http:', 'https:', 'mailto:']);

/**
 * Model output is untrusted: only web and mail links survive. `javascript:`, `data:`, `vbscript:`,
 * `file:` and anything unknown become no link at all. Relative links and anchors are kept.
 */
export function safeUrl(url: string): string | null {
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
  // eslint-disable-next-line no-control-regex
  const cleaned = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (cleaned === '') return null;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(cleaned);
  if (!scheme) {
    // No scheme: relative path, anchor or query. "//host" is protocol-relative, so check it too.
    return cleaned.startsWith('//') ? safeUrl(`https:${cleaned}`) && url.trim() : url.trim();
  }
  return allowedProtocols.has(scheme[1].toLowerCase() + ':') ? url.trim() : null;
}
