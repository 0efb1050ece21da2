// The current time as a ref that ticks, so that "last seen 3 minutes ago" stays true
// while it is on screen.
import { onBeforeUnmount, ref, type Ref } from 'vue'

// 30 s: the coarsest unit shown is a minute.
export function useNow(intervalMs = 30_000): Ref<Date> {
  const now = ref(new Date())
  const timer = setInterval(() => { now.value = new Date() }, intervalMs)
  onBeforeUnmount(() => { clearInterval(timer) })
  return now
}
