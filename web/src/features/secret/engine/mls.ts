// The ts-mls calls the engine makes (docs/e2ee.md §6), in one place: configuration, the wire
// encodings, and reading an application message together with who sent it.
import {
  decodeGroupState,
  decodeMlsMessage,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  encodeGroupState,
  encodeMlsMessage,
  type AuthenticationService,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type KeyPackage,
  type MLSMessage,
  type PrivateMessage,
} from 'ts-mls'
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js'
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js'
import { CodecError, CryptoError, CryptoVerificationError } from 'ts-mls/mlsError.js'
import { b64, fromUtf8, hex, unb64 } from './bytes'

export function clientConfig(authService: AuthenticationService): ClientConfig {
  return {
    // ts-mls's defaults: the receiving keys of the 4 epochs before the current one are kept
    // (so a message sent just before a commit still opens), no longer (forward secrecy).
    keyRetentionConfig: defaultKeyRetentionConfig,
    lifetimeConfig: defaultLifetimeConfig,
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    // Application messages padded to at least 256 bytes: short texts all look alike.
    paddingConfig: defaultPaddingConfig,
    authService,
  }
}

export function encodeState(state: ClientState): Uint8Array {
  return encodeGroupState(state)
}

/** A stored state, with its (not serialised) configuration attached again. */
export function decodeState(bytes: Uint8Array, config: ClientConfig): ClientState {
  const decoded = decodeGroupState(bytes, 0)
  if (!decoded) throw new Error('secret engine: stored group state does not decode')
  return { ...decoded[0], clientConfig: config }
}

export function epochOf(state: ClientState): number {
  return Number(state.groupContext.epoch)
}

/** An MLSMessage from base64, or null when it is not one. */
export function decodeMessage(text: string): MLSMessage | null {
  try {
    return decodeMlsMessage(unb64(text), 0)?.[0] ?? null
  } catch {
    return null
  }
}

export function wire(message: MLSMessage): string {
  return b64(encodeMlsMessage(message))
}

export function keyPackageWire(keyPackage: KeyPackage): string {
  return wire({ version: 'mls10', wireformat: 'mls_key_package', keyPackage })
}

export function decodeKeyPackage(text: string): KeyPackage | null {
  const message = decodeMessage(text)
  return message?.wireformat === 'mls_key_package' ? message.keyPackage : null
}

/** How a Welcome names the key package it is for (RFC 9420 §5.2). */
export async function keyPackageRef(keyPackage: KeyPackage, cs: CiphersuiteImpl): Promise<string> {
  return hex(await makeKeyPackageRef(keyPackage, cs.hash))
}

/** A basic credential's identity as text ("<userId>:<deviceId>"), or null. */
export function identityText(credential: { credentialType: string; identity?: Uint8Array }): string | null {
  return credential.credentialType === 'basic' && credential.identity ? fromUtf8(credential.identity) : null
}

export function parseIdentity(identity: string): { userId: number; deviceId: string } | null {
  const match = /^(\d+):([A-Za-z0-9_-]+)$/.exec(identity)
  return match?.[1] && match[2] ? { userId: Number(match[1]), deviceId: match[2] } : null
}

/** Each member leaf's identity and leaf index. */
export function leaves(state: ClientState): Map<string, number> {
  const out = new Map<string, number>()
  state.ratchetTree.forEach((node, nodeIndex) => {
    if (node?.nodeType !== 'leaf') return
    const identity = identityText(node.leaf.credential)
    if (identity) out.set(identity, nodeIndex / 2)
  })
  return out
}

export interface Application {
  state: ClientState
  plaintext: Uint8Array
  senderIdentity: string
}

export class TooOld extends Error {}

/** processPrivateMessage's application branch (ts-mls 1.6.4), keeping the sender's leaf: the
 *  public function returns only the bytes. Throws TooOld when the epoch's keys are gone. */
export async function readApplication(
  state: ClientState,
  pm: PrivateMessage,
  cs: CiphersuiteImpl,
): Promise<Application> {
  const current = pm.epoch === state.groupContext.epoch
  const past = state.historicalReceiverData.get(pm.epoch)
  const epochData = current
    ? { senderDataSecret: state.keySchedule.senderDataSecret, secretTree: state.secretTree,
        ratchetTree: state.ratchetTree, groupContext: state.groupContext }
    : past
  if (!epochData || pm.epoch > state.groupContext.epoch) throw new TooOld('no keys for this epoch')
  const result = await unprotectPrivateMessage(
    epochData.senderDataSecret, pm, epochData.secretTree, epochData.ratchetTree,
    epochData.groupContext, state.clientConfig.keyRetentionConfig, cs,
  )
  const content = result.content.content
  if (content.contentType !== 'application') throw new CodecError('not an application message')
  const sender = content.sender.senderType === 'member' ? content.sender.leafIndex : -1
  const leaf = epochData.ratchetTree[sender * 2]
  const senderIdentity = leaf?.nodeType === 'leaf' ? identityText(leaf.leaf.credential) : null
  if (!senderIdentity) throw new CodecError('sender is not a member leaf')
  let next: ClientState
  if (current) next = { ...state, secretTree: result.tree }
  else if (past) {
    const historical = new Map(state.historicalReceiverData)
    historical.set(pm.epoch, { ...past, secretTree: result.tree })
    next = { ...state, historicalReceiverData: historical }
  } else throw new TooOld('no keys for this epoch')
  return { state: next, plaintext: content.applicationData, senderIdentity }
}

/** An AEAD or signature failure, or garbage under a valid frame: the bytes were altered. */
export function isTampering(error: unknown): boolean {
  return error instanceof CryptoError || error instanceof CryptoVerificationError || error instanceof CodecError
}
