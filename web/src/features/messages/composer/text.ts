// Pure text helpers of the composer, kept apart so that they are tested without a DOM.

/** The counter appears this close to the server's limit (`maxMessageLength` of the ready
 *  frame's config, counted as the server counts: in code points). */
export const COUNTER_MARGIN = 200

/** What is sent: blank lines around the message go, inner newlines and indentation stay. */
export function cleanContent(text: string): string {
  return text.replace(/^(?:[^\S\n]*\n)+/, '').trimEnd()
}

/** Length as the server counts it: an emoji is one character, not two UTF-16 units. */
export function charCount(text: string): number {
  // Code points, not graphemes (👍🏽 is 2): Python's len(). A pair's low half is not counted.
  let count = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    const low = unit >= 0xdc00 && unit <= 0xdfff
    const afterHigh = i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff
    if (!(low && afterHigh)) count++
  }
  return count
}

/** `text` with `insert` replacing the selection [start, end), and the caret after it. */
export function insertAt(text: string, start: number, end: number, insert: string): { text: string; caret: number } {
  const from = Math.max(0, Math.min(start, text.length))
  const to = Math.max(from, Math.min(end, text.length))
  return { text: text.slice(0, from) + insert + text.slice(to), caret: from + insert.length }
}

/** The first non-blank line, for one-line quotes (the ellipsis is CSS's). */
export function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim())?.trim() ?? ''
}
