import { describe, expect, it } from 'vitest'
import { CallMachine, CallState, IllegalTransitionError } from './machine'

describe('CallMachine', () => {
  it('walks an outgoing call from idle to ended', () => {
    const m = new CallMachine()
    const seen: string[] = []
    m.onChange((state, previous) => seen.push(`${previous}>${state}`))
    m.transition(CallState.OutgoingRinging)
    m.transition(CallState.Connecting)
    m.transition(CallState.Connected)
    m.transition(CallState.Reconnecting)
    m.transition(CallState.Connected)
    m.end('hangup')
    expect(m.state).toBe(CallState.Ended)
    expect(m.endReason).toBe('hangup')
    expect(seen).toEqual([
      'idle>outgoing-ringing',
      'outgoing-ringing>connecting',
      'connecting>connected',
      'connected>reconnecting',
      'reconnecting>connected',
      'connected>ended',
    ])
  })

  it('ends an incoming call with a local reason, visible to listeners', () => {
    const m = new CallMachine()
    let reasonSeen: string | null = null
    m.onChange(() => (reasonSeen = m.endReason))
    m.transition(CallState.IncomingRinging)
    m.end('media-denied')
    expect(reasonSeen).toBe('media-denied')
  })

  it.each([
    [[], CallState.Connected],
    [[], CallState.Reconnecting],
    [[CallState.IncomingRinging], CallState.Connected],
    [[CallState.OutgoingRinging], CallState.IncomingRinging],
    [[CallState.Connecting, CallState.Connected], CallState.Connecting],
    [[CallState.Connecting], CallState.Connecting],
  ])('refuses an illegal move (after %j to %s)', (path, to) => {
    const m = new CallMachine()
    for (const step of path) m.transition(step as Exclude<CallState, CallState.Ended>)
    expect(m.can(to)).toBe(false)
    expect(() => {
      m.transition(to as Exclude<CallState, CallState.Ended>)
    }).toThrow(IllegalTransitionError)
  })

  it('leaves ended terminal', () => {
    const m = new CallMachine()
    m.end('busy')
    expect(() => {
      m.transition(CallState.Connecting)
    }).toThrow(IllegalTransitionError)
    expect(() => {
      m.end('hangup')
    }).toThrow(IllegalTransitionError)
    expect(m.endReason).toBe('busy')
  })

  it('stops notifying after unsubscribe', () => {
    const m = new CallMachine()
    const seen: CallState[] = []
    const off = m.onChange((s) => seen.push(s))
    m.transition(CallState.IncomingRinging)
    off()
    m.transition(CallState.Connecting)
    expect(seen).toEqual([CallState.IncomingRinging])
  })
})
