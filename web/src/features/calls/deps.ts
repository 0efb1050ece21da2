// What the call store needs from the outside world, in one object so tests can pass fakes
// (no socket, no RTCPeerConnection, no camera) and the app passes the real things.
import type { Ref } from 'vue'
import { request } from '@/api/http'
import type { components } from '@/api/openapi'
import type { Call, CommandData, CommandReply, CommandType } from '@/api/types'
import { CommandError, type ConnectionState } from '@/realtime/client'
import { connection, realtime } from '@/realtime/state'
import type { MediaDevicesLike } from './media'
import type { PeerConnectionConstructor } from './peer'
import { createRingtone, type Ringtone } from './ringtone'
import { t } from '@/i18n'

type IceServers = components['schemas']['IceServers']

export interface CallDeps {
  command<T extends CommandType>(type: T, data: CommandData<T>): Promise<CommandReply<T>>
  /** `GET /api/calls/ice-servers`, shaped for `new RTCPeerConnection(config)`. */
  iceConfig(): Promise<RTCConfiguration>
  /** `GET /api/calls`: the live calls in the user's chats. */
  liveCalls(): Promise<Call[]>
  devices(): MediaDevicesLike
  /** Undefined: the browser's RTCPeerConnection. */
  PeerConnection?: PeerConnectionConstructor
  ringtone: Ringtone
  /** The socket's state (realtime/sync.ts): a call survives a short loss (calls.md §4). */
  connection: Ref<ConnectionState>
  /** Survives a reload of this tab (not other tabs): the call to rejoin. */
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
}

export function defaultDeps(): CallDeps {
  return {
    command: (type, data) => {
      const client = realtime()
      if (!client) return Promise.reject(new CommandError('disconnected', t('common.notConnected')))
      return client.command(type, data)
    },
    iceConfig: async () => {
      const res = await request<IceServers>('GET', '/api/calls/ice-servers')
      return { iceServers: res.iceServers, iceTransportPolicy: res.iceTransportPolicy }
    },
    liveCalls: async () => (await request<{ calls: Call[] }>('GET', '/api/calls')).calls,
    devices: () => navigator.mediaDevices,
    ringtone: createRingtone(),
    connection,
    storage: sessionStorage,
  }
}
