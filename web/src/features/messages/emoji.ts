// Emoji-only messages ("👍", "😂😂", "🇷🇺 ❤️") are drawn large and without a bubble, as in
// Telegram. One to three emoji qualify; any letter, digit or punctuation makes it text.

/** The most emoji a message may hold and still be drawn large. */
export const MAX_BIG_EMOJI = 3

// A grapheme is one emoji if it starts with a pictograph (with any modifiers, ZWJ parts and
// variation selectors after it), is a flag (two regional indicators) or is a keycap (1️⃣).
const PICTOGRAPH = /^\p{Extended_Pictographic}[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Emoji_Component}\u200d\ufe0f]*$/u
const FLAG = /^\p{Regional_Indicator}{2}$/u
const KEYCAP = /^[#*0-9]\ufe0f?\u20e3$/u

let segmenter: Intl.Segmenter | null = null

/** How many emoji the text is made of (1..MAX_BIG_EMOJI), or 0 if it is not emoji only. */
export function bigEmojiCount(text: string): number {
  const trimmed = text.trim()
  if (!trimmed || trimmed.length > 64) return 0
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })
  let count = 0
  for (const { segment } of segmenter.segment(trimmed)) {
    if (/^\s+$/u.test(segment)) continue
    if (!PICTOGRAPH.test(segment) && !FLAG.test(segment) && !KEYCAP.test(segment)) return 0
    if (++count > MAX_BIG_EMOJI) return 0
  }
  return count
}
