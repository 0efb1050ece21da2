// The REST client: every call carries the bearer token in a header (never in a URL),
// and every failure becomes an ApiError with the server's code and message.
import type {
  Chat,
  ChatList,
  ChatSettings,
  ChatSettingsUpdate,
  ChatUpdate,
  ChatWithInvites,
  GroupChatCreate,
  Invite,
  MemberPage,
  Message,
  MessagePage,
  Privacy,
  PrivacyUpdate,
  RecoveryCodes,
  SearchPage,
  Session,
  SharedKind,
  SharedPage,
  TokenResponse,
  TwoFactorSetup,
  Upload,
  UserMe,
  UserPublic,
  UserUpdate,
} from './types'
import { t } from '@/i18n'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

let token: string | null = null
let onUnauthorized: () => void = () => undefined

export function setToken(value: string | null): void {
  token = value
}

export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra
}

async function failure(response: Response): Promise<ApiError> {
  let code = 'http_error'
  let message = t('common.serverAnswered', { status: response.status })
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } }
    code = body.error?.code ?? code
    message = body.error?.message ?? message
  } catch {
    // Not our JSON (a proxy's error page): keep the generic message.
  }
  const retry = Number(response.headers.get('Retry-After'))
  if (response.status === 401 && token) onUnauthorized()
  return new ApiError(response.status, code, message, Number.isFinite(retry) && retry > 0 ? retry : null)
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? null : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'network', t('common.noServer'))
  }
  if (!response.ok) throw await failure(response)
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

/** A private file (attachment, thumbnail, avatar) as a blob: files need the header too. */
export async function fetchBlob(url: string): Promise<Blob> {
  const response = await fetch(url, { headers: headers() })
  if (!response.ok) throw await failure(response)
  return await response.blob()
}

/** Upload with progress (fetch has no upload progress): XMLHttpRequest it is. */
export interface UploadExtra {
  durationMs?: number
  waveform?: number[]
  poster?: Blob
  /** A secret chat's file, encrypted here: the server stores the bytes as they are, and
   *  only a secret chat's message may carry it (docs/e2ee.md). Sent alone, without the rest. */
  sealed?: boolean
}

export function uploadFile(
  file: Blob,
  name: string,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
  /** Parts sent with the file: a voice message's `durationMs` and `waveform`, a video's
   *  `durationMs` and `poster` image. */
  extra?: UploadExtra,
): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/upload')
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total)
    }
    xhr.onload = () => {
      if (xhr.status === 201) {
        resolve(JSON.parse(xhr.responseText) as Upload)
        return
      }
      let code = 'upload_failed'
      let message = `Upload failed (${xhr.status}).`
      try {
        const body = JSON.parse(xhr.responseText) as { error?: { code?: string; message?: string } }
        code = body.error?.code ?? code
        message = body.error?.message ?? message
      } catch {
        // keep the generic message
      }
      reject(new ApiError(xhr.status, code, message))
    }
    xhr.onerror = () => { reject(new ApiError(0, 'network', t('common.noServer'))) }
    xhr.onabort = () => { reject(new ApiError(0, 'aborted', t('common.uploadCancelled'))) }
    signal?.addEventListener('abort', () => { xhr.abort() })
    const form = new FormData()
    form.append('file', file, name)
    if (extra?.durationMs !== undefined) form.append('durationMs', String(extra.durationMs))
    if (extra?.waveform) form.append('waveform', JSON.stringify(extra.waveform))
    if (extra?.poster) form.append('poster', extra.poster, 'poster.jpg')
    if (extra?.sealed) form.append('sealed', 'true')
    xhr.send(form)
  })
}

export const api = {
  register: (username: string, password: string, displayName: string | null) =>
    request<TokenResponse>('POST', '/api/auth/register', { username, password, displayName }),
  /** `code`: the authenticator's code or a recovery code, once the server has answered
   *  `totp_required` (two-step verification is on for this account). */
  login: (username: string, password: string, code?: string) =>
    request<TokenResponse>('POST', '/api/auth/login', { username, password, code }),
  logoutAll: () => request<TokenResponse>('POST', '/api/auth/logout-all'),
  /** End this session on the server: the token stops working everywhere it was copied. */
  logout: () => request<undefined>('POST', '/api/auth/logout'),
  sessions: () => request<Session[]>('GET', '/api/sessions'),
  endSession: (id: string) => request<undefined>('DELETE', `/api/sessions/${encodeURIComponent(id)}`),
  endOtherSessions: () => request<undefined>('DELETE', '/api/sessions'),
  me: () => request<UserMe>('GET', '/api/users/me'),
  twoFactorSetup: (password: string) =>
    request<TwoFactorSetup>('POST', '/api/users/me/2fa/setup', { password }),
  twoFactorEnable: (code: string) =>
    request<RecoveryCodes>('POST', '/api/users/me/2fa/enable', { code }),
  twoFactorDisable: (password: string, code: string) =>
    request<undefined>('POST', '/api/users/me/2fa/disable', { password, code }),
  newRecoveryCodes: (password: string, code: string) =>
    request<RecoveryCodes>('POST', '/api/users/me/2fa/recovery-codes', { password, code }),
  updateMe: (update: UserUpdate) => request<UserMe>('PATCH', '/api/users/me', update),
  findUsers: (q: string) =>
    request<{ users: UserPublic[] }>('GET', `/api/users?q=${encodeURIComponent(q)}`),
  /** A page of the chat list in list order; the next with `cursor` = its `nextCursor`. */
  chats: (page: { cursor?: string | null; limit?: number } = {}) => {
    const q = new URLSearchParams({ limit: String(page.limit ?? 50) })
    if (page.cursor) q.set('cursor', page.cursor)
    return request<ChatList>('GET', `/api/chats?${q.toString()}`)
  },
  chat: (id: number) => request<Chat>('GET', `/api/chats/${id}`),
  /** A page of a chat's members (owner, admins, members); `q`: whose names hold it. */
  members: (id: number, page: { after?: string | null; limit?: number; q?: string } = {}) => {
    const q = new URLSearchParams({ limit: String(page.limit ?? 100) })
    if (page.after) q.set('after', page.after)
    if (page.q) q.set('q', page.q)
    return request<MemberPage>('GET', `/api/chats/${id}/members?${q.toString()}`)
  },
  /** These people (at most 100), as their profile shows them to this user. */
  usersById: (ids: number[]) => {
    const q = new URLSearchParams(ids.map((id) => ['ids', String(id)]))
    return request<{ users: UserPublic[] }>('GET', `/api/users/by-id?${q.toString()}`)
  },
  updateChatSettings: (id: number, change: ChatSettingsUpdate) =>
    request<ChatSettings>('PATCH', `/api/chats/${id}/settings`, change),
  reorderPinned: (chatIds: number[]) => request<unknown>('PUT', '/api/chats/pinned', { chatIds }),
  openPrivate: (userId: number) => request<Chat>('POST', '/api/chats', { type: 'private', userId }),
  /** `invitedUserIds`: people asked to join instead of added (their privacy settings). */
  createGroup: (body: GroupChatCreate) => request<ChatWithInvites>('POST', '/api/chats', body),
  updateChat: (id: number, body: ChatUpdate) => request<Chat>('PATCH', `/api/chats/${id}`, body),
  addMembers: (id: number, userIds: number[]) =>
    request<ChatWithInvites>('POST', `/api/chats/${id}/members`, { userIds }),
  updatePrivacy: (change: PrivacyUpdate) => request<Privacy>('PATCH', '/api/users/me/privacy', change),
  blockedUsers: () => request<{ users: UserPublic[] }>('GET', '/api/users/blocked'),
  block: (userId: number) => request<undefined>('POST', `/api/users/${userId}/block`),
  unblock: (userId: number) => request<undefined>('DELETE', `/api/users/${userId}/block`),
  invites: () => request<{ invites: Invite[] }>('GET', '/api/invites'),
  acceptInvite: (chatId: number) => request<Chat>('POST', `/api/invites/${chatId}/accept`),
  declineInvite: (chatId: number) => request<undefined>('POST', `/api/invites/${chatId}/decline`),
  removeMember: (id: number, userId: number) =>
    request<undefined>('DELETE', `/api/chats/${id}/members/${userId}`),
  setRole: (id: number, userId: number, role: 'admin' | 'member') =>
    request<Chat>('PATCH', `/api/chats/${id}/members/${userId}`, { role }),
  /** A page of history: the newest, older than `before`, newer than `after`, or the page
   * holding seq `around` (then `hasMore` tells of older messages and `hasNewer` of newer). */
  history: (
    id: number,
    page: { before?: number; after?: number; around?: number; limit?: number },
  ) => {
    const q = new URLSearchParams({ limit: String(page.limit ?? 50) })
    if (page.before !== undefined) q.set('before', String(page.before))
    if (page.after !== undefined) q.set('after', String(page.after))
    if (page.around !== undefined) q.set('around', String(page.around))
    return request<MessagePage>('GET', `/api/chats/${id}/messages?${q.toString()}`)
  },
  /** Messages matching every word of `q` (1-256 characters), newest first, in all the user's
   * chats or in `chatId`; page on with `before` = the last result's message id. The first
   * page across all chats also lists chats and people matching by name. */
  search: (q: string, page: { chatId?: number; before?: number; limit?: number } = {}) => {
    const params = new URLSearchParams({ q, limit: String(page.limit ?? 20) })
    if (page.chatId !== undefined) params.set('chatId', String(page.chatId))
    if (page.before !== undefined) params.set('before', String(page.before))
    return request<SearchPage>('GET', `/api/search?${params.toString()}`)
  },
  /** A chat's shared media, files or links, newest first; `before` = the last item's seq. */
  shared: (id: number, kind: SharedKind, page: { before?: number; limit?: number } = {}) => {
    const q = new URLSearchParams({ kind, limit: String(page.limit ?? 30) })
    if (page.before !== undefined) q.set('before', String(page.before))
    return request<SharedPage>('GET', `/api/chats/${id}/shared?${q.toString()}`)
  },
  sendRest: (body: { chatId: number; clientId: string; content: string }) =>
    request<Message>('POST', '/api/messages', body),
}

/** The server's own words when it gave any (they say what to fix), else the fallback. */
export function errorText(error: unknown, fallback: string): string {
  return error instanceof ApiError ? error.message : fallback
}
