/** Where a {@link ProgressBar} draws: `process.stderr`, or anything with `write`. */
export interface ProgressStream {
  /** Writes a chunk of text. */
  write(s: string): unknown;
  isTTY?: boolean;
}

/** A one-line progress bar for long runs; silent when the stream is not a terminal. */
export class ProgressBar {
  private lastDrawn = -1;
  private lastTime = 0;
  private readonly start = Date.now();

  constructor(
    readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly label = 'training',
    private readonly width = 30,
  ) {}

  /** Reports that `done` of `total` steps are finished; `note` is shown after the bar. */
  update(done: number, note = ''): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    const permille = Math.floor((1000 * done) / Math.max(1, this.total));
    if (permille === this.lastDrawn || (now - this.lastTime < 50 && done < this.total)) return;
    this.lastDrawn = permille;
    this.lastTime = now;
    const filled = Math.round((this.width * done) / Math.max(1, this.total));
    const bar = '█'.repeat(filled) + '░'.repeat(this.width - filled);
    const secs = ((now - this.start) / 1000).toFixed(1);
    this.stream.write(`\r${this.label} ${bar} ${String(done).padStart(String(this.total).length)}/${this.total} ${secs}s ${note}\x1b[K`);
  }

  /** Clears the bar's line. */
  finish(): void {
    if (this.stream.isTTY && this.lastDrawn >= 0) this.stream.write('\r\x1b[K');
  }
}
