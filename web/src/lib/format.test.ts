import { afterEach, describe, expect, it } from 'vitest'
import { setLanguage } from '@/i18n'
import { clockTime, dayLabel, fileSize, lastSeen, listTime, seenText } from './format'

const now = new Date(2026, 10, 24, 15, 0, 0)
const at = (d: number, h: number, m = 0): string => new Date(2026, 10, d, h, m).toISOString()

describe('format in English', () => {
  afterEach(() => { setLanguage('en') })

  it('says when someone was last seen, coarser as it gets older', () => {
    setLanguage('en')
    expect(lastSeen(null, now)).toBe('last seen a long time ago')
    expect(lastSeen(at(24, 14, 59), now)).toBe('last seen 1 minute ago')
    expect(lastSeen(at(24, 14, 20), now)).toBe('last seen 40 minutes ago')
    expect(lastSeen(at(24, 9), now)).toBe('last seen at 9:00 AM')
    expect(lastSeen(at(23, 20, 43), now)).toBe('last seen yesterday at 8:43 PM')
    expect(lastSeen(at(2, 9), now)).toBe('last seen Nov 2')
  })

  it('says "recently" where privacy hides the status (null), never a time', () => {
    setLanguage('en')
    expect(seenText({ status: null, lastSeen: null, deactivated: false }, now)).toBe('last seen recently')
    expect(seenText({ status: 'offline', lastSeen: null, deactivated: false }, now)).toBe('last seen a long time ago')
    expect(seenText({ status: 'offline', lastSeen: at(24, 14, 20), deactivated: false }, now)).toBe('last seen 40 minutes ago')
    setLanguage('ru')
    expect(seenText({ status: null, lastSeen: null, deactivated: false }, now)).toBe('был(а) недавно')
  })

  it('says an account is deactivated instead of when it was last seen', () => {
    setLanguage('en')
    expect(seenText({ status: 'offline', lastSeen: null, deactivated: true }, now)).toBe('account deactivated')
    setLanguage('ru')
    expect(seenText({ status: 'offline', lastSeen: null, deactivated: true }, now)).toBe('аккаунт деактивирован')
  })

  it('shows the clock the English way: no leading zero, AM/PM', () => {
    setLanguage('en')
    expect(clockTime(at(24, 20, 43))).toBe('8:43 PM')
    expect(listTime(at(24, 9, 5), now)).toBe('9:05 AM')
    expect(listTime(at(21, 9), now)).toBe('Sat')
  })

  it('labels days in the timeline', () => {
    setLanguage('en')
    expect(dayLabel(at(24, 1), now)).toBe('Today')
    expect(dayLabel(at(23, 23), now)).toBe('Yesterday')
    expect(dayLabel(at(20, 12), now)).toBe('November 20')
    expect(dayLabel(new Date(2025, 0, 5).toISOString(), now)).toBe('January 5, 2025')
  })

  it('sizes files', () => {
    setLanguage('en')
    expect(fileSize(900)).toBe('900 B')
    expect(fileSize(1536)).toBe('1.5 KB')
    expect(fileSize(3 * 1024 * 1024)).toBe('3.0 MB')
  })
})

describe('format in Russian', () => {
  afterEach(() => { setLanguage('en') })

  it('uses the 24-hour clock, Russian weekdays and dates', () => {
    setLanguage('ru')
    expect(clockTime(at(24, 20, 43))).toBe('20:43')
    expect(listTime(at(24, 9, 5), now)).toBe('09:05')
    expect(listTime(at(21, 9), now)).toBe('сб')
    expect(dayLabel(at(24, 1), now)).toBe('Сегодня')
    expect(dayLabel(at(23, 23), now)).toBe('Вчера')
    expect(dayLabel(at(20, 12), now)).toBe('20 ноября')
  })

  it('says "last seen" with Russian plural forms', () => {
    setLanguage('ru')
    expect(lastSeen(null, now)).toBe('был(а) давно')
    expect(lastSeen(at(24, 14, 59), now)).toBe('был(а) 1 минуту назад')
    expect(lastSeen(at(24, 14, 57), now)).toBe('был(а) 3 минуты назад')
    expect(lastSeen(at(24, 14, 49), now)).toBe('был(а) 11 минут назад')
    expect(lastSeen(at(24, 14, 39), now)).toBe('был(а) 21 минуту назад')
    expect(lastSeen(at(23, 20, 43), now)).toBe('был(а) вчера в 20:43')
    expect(fileSize(1536)).toBe('1,5 КБ')
  })
})
