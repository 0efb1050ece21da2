// The parsed message (parse.ts) as elements, by a render function: every piece of the
// user's text becomes a text node, never markup. Mentions of members (the ids the server put
// in `message.mentions`) are highlighted, a mention of the reader more strongly.
import { defineComponent, h, type PropType, type VNodeArrayChildren } from 'vue'
import { t } from '@/i18n'
import { linkTarget } from '@/lib/bidi'
import type { FormatNode } from './parse'
import Spoiler from './Spoiler.vue'

/** Lower-cased username -> whether it is the reader. Only these @names are highlighted. */
export type MentionedNames = ReadonlyMap<string, boolean>

const TAGS = { bold: 'strong', italic: 'em', strike: 's' } as const

/** "Opens evil.example" on hover: where a link really goes, whatever its text says. */
function linkTitle(href: string): string | undefined {
  const target = linkTarget(href)
  if (!target) return undefined
  return target.kind === 'web' ? t('messages.linkOpens', { host: target.host }) : t('messages.linkMails', { address: target.address })
}

function render(nodes: FormatNode[], mentioned: MentionedNames, open: (username: string) => void): VNodeArrayChildren {
  return nodes.map((node) => {
    switch (node.type) {
      case 'text':
        return node.text
      case 'link':
        // Left to right and isolated: a control in the text around it (U+202E before
        // "https://evil.example/moc.knab.www//:sptth") cannot turn its address around.
        return h('a', {
          href: node.href, dir: 'ltr', title: linkTitle(node.href), target: '_blank', rel: 'noopener noreferrer nofollow',
        }, node.text)
      case 'mention': {
        const me = mentioned.get(node.username.toLowerCase())
        if (me === undefined) return node.text
        return h('button', {
          type: 'button',
          class: ['mention', { me }],
          'data-testid': me ? 'mention-me' : 'mention',
          onClick: (e: MouseEvent) => { e.stopPropagation(); open(node.username) },
        }, node.text)
      }
      case 'code':
        return h('code', { class: 'inline-code' }, node.text)
      case 'pre':
        return h('code', { class: 'code-block', 'data-lang': node.lang || undefined }, node.text)
      case 'spoiler':
        return h(Spoiler, null, () => render(node.children, mentioned, open))
      default:
        return h(TAGS[node.type], render(node.children, mentioned, open))
    }
  })
}

export default defineComponent({
  name: 'FormattedText',
  props: {
    nodes: { type: Array as PropType<FormatNode[]>, required: true },
    mentioned: { type: Object as PropType<MentionedNames>, required: true },
  },
  emits: { mention: (username: string) => typeof username === 'string' },
  setup(props, { emit }) {
    return () => render(props.nodes, props.mentioned, (username) => { emit('mention', username) })
  },
})
