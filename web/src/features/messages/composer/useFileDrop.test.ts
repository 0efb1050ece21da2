import { describe, expect, it, vi } from 'vitest'
import { useFileDrop } from './useFileDrop'

function dragEvent(types: string[], files: File[] = []): { event: DragEvent; prevented: () => boolean } {
  const preventDefault = vi.fn()
  const event = { dataTransfer: { types, files }, preventDefault } as unknown as DragEvent
  return { event, prevented: () => preventDefault.mock.calls.length > 0 }
}

describe('useFileDrop', () => {
  it('takes file drags only, tracks enter/leave across children, and hands over the files', () => {
    const onFiles = vi.fn()
    const drop = useFileDrop(onFiles)
    const text = dragEvent(['text/plain'])
    drop.enter(text.event)
    expect(drop.active.value).toBe(false)
    expect(text.prevented()).toBe(false)

    drop.enter(dragEvent(['Files']).event)
    drop.enter(dragEvent(['Files']).event) // onto a child
    drop.leave(dragEvent(['Files']).event) // off the child
    expect(drop.active.value).toBe(true)
    const file = new File(['x'], 'a.txt')
    const dropped = dragEvent(['Files'], [file])
    drop.drop(dropped.event)
    expect(dropped.prevented()).toBe(true)
    expect(drop.active.value).toBe(false)
    expect(onFiles).toHaveBeenCalledWith([file])
  })

  it('forgets the drag on reset, with no files handed over', () => {
    const onFiles = vi.fn()
    const drop = useFileDrop(onFiles)
    drop.enter(dragEvent(['Files']).event)
    drop.enter(dragEvent(['Files']).event)
    drop.reset()
    expect(drop.active.value).toBe(false)
    expect(onFiles).not.toHaveBeenCalled()
  })
})
