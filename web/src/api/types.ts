// Short names for the generated payload types (REST from openapi.ts, socket frames from
// protocol.ts). Nothing here is written by hand but the aliases.
import type { components, operations } from './openapi'
import type * as P from './protocol'
import type { AckFrames, AnyCallEvent, AnyCommandFrame, AnyServerEvent } from './frames'

type S = components['schemas']
export type Chat = S['Chat']
export type ChatList = S['ChatList']
export type Member = S['Member']
export type MemberPage = S['MemberPage']
export type Message = S['Message']
export type MessagePage = S['MessagePage']
export type SharedPage = S['SharedPage']
export type SearchPage = S['SearchPage']
export type SearchResult = S['SearchResult']
export type SnippetPart = S['SnippetPart']
export type SharedKind = operations['shared_api_chats__chat_id__shared_get']['parameters']['query']['kind']
export type Attachment = S['AttachmentOut']
export type Upload = S['UploadOut']
export type UserMe = S['UserMe']
export type UserPublic = S['UserPublic']
export type Params = S['Params']
export type ParamsUpdate = S['ParamsUpdate']
export type UserUpdate = S['UserUpdate']
export type TokenResponse = S['TokenResponse']
export type GroupChatCreate = S['GroupChatCreate']
export type ChatUpdate = S['ChatUpdate']
export type ChatSettings = S['ChatSettings']
export type ChatSettingsUpdate = S['ChatSettingsUpdate']
export type ErrorResponse = S['ErrorResponse']
export type UserProfile = S['UserProfile']
export type Privacy = S['Privacy']
export type PrivacyUpdate = S['PrivacyUpdate']
export type Invite = S['Invite']
export type ChatWithInvites = S['ChatWithInvites']
export type TwoFactorSetup = S['TwoFactorSetup']
export type RecoveryCodes = S['RecoveryCodes']

export type {
  BlockUpdated,
  ChatInfo,
  ChatRemoved,
  ChatSettingsChanged,
  ClientConfig,
  MembersChanged,
  MessagesDeleted,
  AuthFrame,
  ReadyFrame,
  ResyncRequiredFrame,
  ErrorFrame,
  MessageSendCommand,
  PinUpdated,
  ReactionUpdated,
  ReadUpdated,
  TypingUpdate,
  UserStatus,
} from './protocol'

// Every server event, keyed by its `type` (the union is generated: frames.ts): the
// dispatch table is typed from this, so a missing handler is a compile error. Call
// events carry no `seq` (ephemeral, never replayed: docs/calls.md §2), so sync.ts's seq
// bookkeeping skips them.
export type ServerEvent = AnyServerEvent
export type EventType = ServerEvent['type']
export type EventOf<T extends EventType> = Extract<ServerEvent, { type: T }>

// The call events, also named on their own for the call store (features/calls/store.ts).
export type CallEvent = AnyCallEvent
export type CallEventType = CallEvent['type']
export type CallEventOf<T extends CallEventType> = Extract<CallEvent, { type: T }>
export type Call = P.Call
/** How one participant reaches a group call's Janus room (the ack's `sfu`, calls.md §9). */
export type SfuAccess = P.SfuAccess
/** Why the server ended a call (docs/calls.md §3). */
export type CallEndReason = P.CallEnded['reason']
/** What `call:signal` carries: exactly one of `{sdp}` or `{candidate}`. */
export type CallSignalData = P.CallSignal['data']

type CommandFrame = AnyCommandFrame
export type CommandType = CommandFrame['type']
export type CommandData<T extends CommandType> = Extract<CommandFrame, { type: T }>['data']

export type CommandReply<T extends CommandType> = AckFrames[T]['data']
export type Session = S['SessionOut']
