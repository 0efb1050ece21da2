// Secret chats (docs/e2ee.md): the MLS bytes a browser sends the server with ts-mls, and what
// a commit costs, for groups of N devices. Not part of the web client's dependencies yet, so
// it runs in a scratch directory:
//
//   mkdir /tmp/mls && cd /tmp/mls && npm init -y && npm i ts-mls@1.6.4 @noble/hashes
//   cp <repo>/benchmarks/mls_sizes.mjs . && node mls_sizes.mjs
//
// Results and the machine they came from: docs/benchmarks.md, "Secret chats".
import {
  createApplicationMessage,
  createCommit,
  createGroup,
  defaultCapabilities,
  defaultLifetime,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  emptyPskIndex,
} from 'ts-mls'

const te = new TextEncoder()
const cs = await getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'))
const keyPackage = (id) =>
  generateKeyPackage({ credentialType: 'basic', identity: te.encode(id) }, defaultCapabilities(), defaultLifetime, [], cs)
const wire = (m) => encodeMlsMessage(m).length
const app = (state, text) =>
  createApplicationMessage(state, te.encode(text), cs).then((r) =>
    wire({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: r.privateMessage }),
  )

const first = await keyPackage('1:founder')
console.log(`key package: ${wire({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: first.publicPackage })} B`)
for (const n of [2, 3, 20, 150]) {
  let group = await createGroup(te.encode('chat:1'), first.publicPackage, first.privatePackage, [], cs)
  const others = []
  for (let i = 1; i < n; i++) others.push(await keyPackage(`2:device${i}`))
  const started = performance.now()
  const added = await createCommit(
    { state: group, cipherSuite: cs },
    { ratchetTreeExtension: true, extraProposals: others.map((o) => ({ proposalType: 'add', add: { keyPackage: o.publicPackage } })) },
  )
  const ms = performance.now() - started
  group = added.newState
  const welcome = wire({ version: 'mls10', wireformat: 'mls_welcome', welcome: added.welcome })
  const joined = await joinGroup(added.welcome, others[0].publicPackage, others[0].privatePackage, emptyPskIndex, cs)
  const t2 = performance.now()
  const update = await createCommit({ state: joined, cipherSuite: cs }, {})
  const updateMs = performance.now() - t2
  const removal = await createCommit({ state: group, cipherSuite: cs }, { extraProposals: [{ proposalType: 'remove', remove: { removed: 1 } }] })
  console.log(
    `${n} devices: add all ${wire(added.commit)} B in ${ms.toFixed(0)} ms, welcome ${welcome} B, ` +
      `update ${wire(update.commit)} B in ${updateMs.toFixed(0)} ms, remove one ${wire(removal.commit)} B, ` +
      `text 9 chars ${await app(group, 'hello bob')} B, 900 chars ${await app(group, 'x'.repeat(900))} B, ` +
      `group state ${encodeGroupState(group).length} B`,
  )
}
