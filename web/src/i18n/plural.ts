// Russian has three plural forms, chosen by the last one or two digits:
// 1, 21, 101 -> one ("сообщение"); 2-4, 22-24 -> few ("сообщения"); 0, 5-20, 11-14 -> many
// ("сообщений"). Intl.PluralRules knows the rule; this maps its category to the index of
// the form in a message "one | few | many", or "zero | one | few | many" when a message
// has a fourth form for zero.
const ru = new Intl.PluralRules('ru')
const FORMS: Record<string, number> = { one: 0, few: 1, many: 2, other: 1 } // other: 1.5 -> "сообщения"

export function russianPlural(choice: number, choicesLength: number): number {
  if (choicesLength === 4) return choice === 0 ? 0 : (FORMS[ru.select(choice)] ?? 2) + 1
  return Math.min(FORMS[ru.select(choice)] ?? 2, choicesLength - 1)
}
