import { describe, expect, it } from 'vitest'
import type { Chat, ChatSettings } from '@/api/types'
import { group, person } from '@/features/chats/testing'
import { MUTED_FOREVER, compareChats, isForever, isMuted, movePinned, muteUntil, pinnedTimes, splitList } from './chatOrder'

const settings = (extra: Partial<ChatSettings> = {}): ChatSettings =>
  ({ mutedUntil: null, archived: false, pinned: false, pinnedAt: null, markedUnread: false, ...extra })

function chat(id: number, active: string, extra: Partial<ChatSettings> = {}): Chat {
  return group([[person(1, 'Amina'), 'owner']], { id, createdAt: active, settings: settings(extra) })
}

describe('chat list order', () => {
  const quiet = chat(1, '2026-01-01T00:00:00Z')
  const busy = chat(2, '2026-03-01T00:00:00Z')
  const pinnedLate = chat(3, '2026-01-02T00:00:00Z', { pinned: true, pinnedAt: '2026-02-02T00:00:00Z' })
  const pinnedEarly = chat(4, '2025-01-01T00:00:00Z', { pinned: true, pinnedAt: '2026-02-01T00:00:00Z' })
  const archived = chat(5, '2026-04-01T00:00:00Z', { archived: true })

  it('puts pinned chats first in their pinnedAt order, then the rest by last activity', () => {
    const ids = [quiet, busy, pinnedLate, pinnedEarly].sort(compareChats).map((c) => c.id)
    expect(ids).toEqual([4, 3, 2, 1])
  })

  it('leaves archived chats out of the main list, into the Archived folder', () => {
    const { main, archived: folder } = splitList([archived, quiet, busy, pinnedEarly])
    expect(main.map((c) => c.id)).toEqual([4, 2, 1])
    expect(folder.map((c) => c.id)).toEqual([5])
  })

  it('orders by the last message before the creation time', () => {
    const old = chat(6, '2020-01-01T00:00:00Z')
    const spoken = { ...old, lastMessage: { ...(busy.lastMessage ?? {}), createdAt: '2026-05-01T00:00:00Z' } } as Chat
    expect([busy, spoken].sort(compareChats).map((c) => c.id)).toEqual([6, 2])
  })

  it('moves a pinned chat up, down or onto another one\'s place', () => {
    expect(movePinned([1, 2, 3], 2, 0)).toEqual([2, 1, 3])
    expect(movePinned([1, 2, 3], 1, 1)).toEqual([2, 1, 3])
    expect(movePinned([1, 2, 3], 1, 2)).toEqual([2, 3, 1])
    expect(movePinned([1, 2, 3], 3, 9)).toEqual([1, 2, 3])
    expect(movePinned([1, 2, 3], 7, 0)).toEqual([1, 2, 3])
  })

  it('gives reordered pinned chats increasing pinnedAt values, so the sort follows', () => {
    const current = ['2026-06-01T00:00:00.000Z', '2026-06-01T00:00:05.000Z']
    const times = pinnedTimes([4, 3], current)
    const reordered = [pinnedEarly, pinnedLate].map((c) =>
      ({ ...c, settings: { ...c.settings, pinnedAt: times.get(c.id) ?? null } }))
    expect(reordered.sort(compareChats).map((c) => c.id)).toEqual([4, 3])
    const swapped = pinnedTimes([3, 4], current)
    const again = [pinnedEarly, pinnedLate].map((c) =>
      ({ ...c, settings: { ...c.settings, pinnedAt: swapped.get(c.id) ?? null } }))
    expect(again.sort(compareChats).map((c) => c.id)).toEqual([3, 4])
  })

  it('keeps the new order while the server times arrive one by one, bottom first', () => {
    // Shown at once: times before every present one. The server's are later than all.
    const order = [3, 1, 2]
    const shown = pinnedTimes(order, ['2026-06-01T00:00:01Z', '2026-06-01T00:00:02Z', '2026-06-01T00:00:03Z'])
    const server = new Map(order.map((id, i) => [id, new Date(Date.parse('2026-06-01T00:01:00Z') + i).toISOString()]))
    const times = new Map(shown)
    const sorted = (): number[] => [...times.entries()].sort((a, b) => a[1].localeCompare(b[1])).map(([id]) => id)
    expect(sorted()).toEqual(order)
    for (const id of [...order].reverse()) {
      times.set(id, server.get(id) ?? '')
      expect(sorted()).toEqual(order)
    }
  })
})

describe('mute', () => {
  const now = Date.parse('2026-01-01T12:00:00Z')

  it('holds until its date; forever is a date from year 9000', () => {
    expect(muteUntil('1h', now)).toBe('2026-01-01T13:00:00.000Z')
    expect(muteUntil('8h', now)).toBe('2026-01-01T20:00:00.000Z')
    expect(muteUntil('forever', now)).toBe(MUTED_FOREVER)
    expect(isMuted(settings({ mutedUntil: muteUntil('1h', now) }), now)).toBe(true)
    expect(isMuted(settings({ mutedUntil: muteUntil('1h', now) }), now + 3_600_001)).toBe(false)
    expect(isMuted(settings(), now)).toBe(false)
    expect(isForever(settings({ mutedUntil: MUTED_FOREVER }))).toBe(true)
    expect(isForever(settings({ mutedUntil: muteUntil('8h', now) }))).toBe(false)
  })
})
