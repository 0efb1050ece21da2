// User-supplied text (a name, a title, a preview) isolated from the interface around it:
// a <bdi>, whose direction comes from its own first strong letter and which no control
// inside it can leave (lib/bidi.ts). A sentence composed with isolate() ("{name} is typing…")
// gets each isolate as a nested <bdi>, so the page's text is the words alone, without the
// invisible FSI/PDI characters (copying, search in page and screen readers see just words).
import { defineComponent, h, type VNodeArrayChildren } from 'vue'
import { isolateRuns, type Run } from '@/lib/bidi'

function render(runs: Run[]): VNodeArrayChildren {
  return runs.map((run) => (typeof run === 'string'
    ? run
    : h('bdi', run.dir === 'auto' ? null : { dir: run.dir }, render(run.runs))))
}

export default defineComponent({
  name: 'BidiText',
  props: { text: { type: String, required: true } },
  setup(props) {
    return () => h('bdi', render(isolateRuns(props.text)))
  },
})
