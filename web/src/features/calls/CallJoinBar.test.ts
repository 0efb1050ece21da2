import { describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { nextTick } from 'vue'
import { createPinia, setActivePinia } from 'pinia'
import type { Call, UserPublic } from '@/api/types'
import { useUsersStore } from '@/stores/users'
import type { CallSession } from './session'
import { useCallsStore } from './store'
import CallJoinBar from './CallJoinBar.vue'

const call = (over: Partial<Call> = {}): Call => ({
  id: 'c1', chatId: 5, media: 'video', state: 'active', initiatorId: 2, participants: [2, 3],
  topology: 'sfu', maxParticipants: 25, startedAt: '2026-01-01T00:00:00Z', answeredAt: '2026-01-01T00:00:03Z',
  endedAt: null, endReason: null, ...over,
})

const user = (id: number, displayName: string): UserPublic =>
  ({ id, username: `u${id}`, displayName, avatarUrl: null, status: 'online', lastSeen: null, deactivated: false })

function setup() {
  setActivePinia(createPinia())
  const users = useUsersStore()
  for (const u of [user(2, 'Bob Brown'), user(3, 'Carol Cole'), user(4, 'Dan Dale'), user(6, 'Eve East')]) users.upsert(u)
  const calls = useCallsStore()
  const join = vi.spyOn(calls, 'join').mockResolvedValue()
  const w = mount(CallJoinBar, { props: { chatId: 5 } })
  return { calls, join, w }
}

const bar = (w: ReturnType<typeof mount>) => w.find('[data-testid="call-join-bar"]')

describe('CallJoinBar', () => {
  it('shows a running call we are not in, with who is in it, and joins it', async () => {
    const { calls, join, w } = setup()
    expect(bar(w).exists()).toBe(false)
    calls.live.set(5, call())
    await nextTick()
    expect(bar(w).text()).toContain('Video call in progress')
    expect(bar(w).text()).toContain('2 people in the call')
    expect(bar(w).findAll('.faces > *')).toHaveLength(2)
    await bar(w).get('button').trigger('click')
    expect(join).toHaveBeenCalledWith(expect.objectContaining({ id: 'c1' }))
  })

  it('counts everyone but shows a few faces', async () => {
    const { calls, w } = setup()
    calls.live.set(5, call({ media: 'audio', participants: [2, 3, 4, 6] }))
    await nextTick()
    expect(bar(w).text()).toContain('Audio call in progress')
    expect(bar(w).text()).toContain('4 people in the call')
    expect(bar(w).findAll('.faces > *')).toHaveLength(3)
    calls.live.set(5, call({ participants: [2] }))
    await nextTick()
    expect(bar(w).text()).toContain('1 person in the call')
  })

  it('is not there for a call still ringing, nor in another chat', async () => {
    const { calls, w } = setup()
    calls.live.set(5, call({ state: 'ringing', participants: [2] }))
    calls.live.set(7, call({ id: 'c2', chatId: 7 }))
    await nextTick()
    expect(bar(w).exists()).toBe(false)
  })

  it('goes when the call ends or we are in a call', async () => {
    const { calls, w } = setup()
    calls.live.set(5, call())
    await nextTick()
    expect(bar(w).exists()).toBe(true)
    calls.onEnded({ type: 'call:ended', data: { callId: 'c1', reason: 'hangup', call: call({ state: 'ended', participants: [] }) } })
    await nextTick()
    expect(bar(w).exists()).toBe(false)
    calls.live.set(5, call())
    calls.current = { id: 'c1', chatId: 5 } as unknown as CallSession // joined (from this tab)
    await nextTick()
    expect(bar(w).exists()).toBe(false)
  })
})
