// A promise-based confirmation: `if (await confirm({ title: 'Leave group?' })) …`.
// One host (ConfirmDialog.vue, mounted once in App.vue) renders whatever is pending here.
import { shallowRef } from 'vue'

export interface ConfirmOptions {
  title: string
  message?: string
  /** The confirm button's text: say what it does ("Leave", "Log out"), not "OK". */
  confirmLabel?: string
  cancelLabel?: string
  /** A destructive action: red confirm button, and Cancel gets the initial focus. */
  danger?: boolean
}

export interface PendingConfirm extends ConfirmOptions {
  id: number
  resolve: (ok: boolean) => void
}

export const pendingConfirm = shallowRef<PendingConfirm | null>(null)
let nextId = 1
let hosts = 0

/** Called by the host component; without a host, confirm() falls back to window.confirm. */
export function registerConfirmHost(): () => void {
  hosts += 1
  return () => { hosts -= 1 }
}

export function confirm(options: ConfirmOptions): Promise<boolean> {
  if (hosts === 0) {
    // A forgotten host must not leave the caller awaiting forever.
    const text = options.message ? `${options.title}\n\n${options.message}` : options.title
    return Promise.resolve(window.confirm(text))
  }
  // One question at a time: a newer one replaces (and declines) an unanswered one.
  pendingConfirm.value?.resolve(false)
  return new Promise((resolve) => {
    pendingConfirm.value = { ...options, id: nextId++, resolve }
  })
}

/** The answer to the open question, from the host. */
export function settleConfirm(ok: boolean): void {
  const pending = pendingConfirm.value
  pendingConfirm.value = null
  pending?.resolve(ok)
}
