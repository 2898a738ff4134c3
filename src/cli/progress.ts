// How far a long command has got (seed, import-legacy, move-to), on stderr so that
// stdout keeps only the result. On a terminal, one line rewritten in place (`\r`, at
// most 10 times a second): counts, rate and time left. Anywhere else (a log, a
// pipe), a plain line per step, since a log cannot rewrite a line.
//
// Our own rather than a library: cli-progress (3.12) and progress (2.0) draw bars for
// a terminal and have nothing for a log but silence or time-based lines; what is
// needed here is this one line.

const REDRAW_MS = 100

export interface ProgressOutput {
  isTTY?: boolean
  write(text: string): unknown
}

export interface ProgressLine {
  /**
   * `done` of `total` (undefined: not known) so far; `detail` says what is being
   * done (a table, a chunk). Each call is a step.
   */
  update(done: number, total?: number, detail?: string): void
  /** The last state stays on the screen: a terminal's line is ended. */
  end(): void
}

export function progressLine({
  label,
  unit,
  output = process.stderr,
  now = () => performance.now(),
}: {
  /** In front of the line: `logon move-to`. */
  label: string
  /** What is counted, plural: `rows`. */
  unit: string
  output?: ProgressOutput
  now?: () => number
}): ProgressLine {
  const started = now()
  const terminal = output.isTTY === true
  let drawnAt = -Infinity
  let pending: string | undefined
  let drawn = false
  const draw = (text: string) => {
    // \x1b[K clears what a longer line before it left at the end.
    output.write(terminal ? `\r${text}\x1b[K` : `${text}\n`)
    drawn = true
    pending = undefined
  }
  return {
    update(done, total, detail) {
      const elapsedMs = now() - started
      const text = `${label}: ${describe(done, total, unit, elapsedMs)}${detail ? ` (${detail})` : ''}`
      if (!terminal) return draw(text)
      pending = text
      // The last step is always drawn; others when the screen is due a redraw.
      if (done === total || now() - drawnAt >= REDRAW_MS) {
        drawnAt = now()
        draw(text)
      }
    },
    end() {
      if (pending !== undefined) draw(pending)
      if (terminal && drawn) output.write('\n')
      drawn = false
    },
  }
}

/** `120,000 of 500,000 rows (24 %), 8,100 rows/s, 47 s left` */
export function describe(
  done: number,
  total: number | undefined,
  unit: string,
  elapsedMs: number,
): string {
  const parts = [
    total === undefined
      ? `${count(done)} ${unit}`
      : `${count(done)} of ${count(total)} ${unit} (${total === 0 ? 100 : Math.floor((done / total) * 100)} %)`,
  ]
  const perSecond = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0
  if (done > 0 && elapsedMs >= 1000) parts.push(`${count(Math.round(perSecond))} ${unit}/s`)
  if (total !== undefined && done < total && done > 0 && elapsedMs >= 1000) {
    parts.push(`${duration((total - done) / perSecond)} left`)
  }
  return parts.join(', ')
}

function count(n: number): string {
  return n.toLocaleString('en-US')
}

/** 47 s, 3 min 05 s, 2 h 07 min */
function duration(seconds: number): string {
  const s = Math.ceil(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
}
