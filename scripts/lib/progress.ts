/** A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10% otherwise). */
export function progressBar(label: string, total: number) {
  const tty = process.stderr.isTTY;
  let lastDecile = -1;
  const started = Date.now();
  return {
    update(done: number, extra = '') {
      const ratio = total ? Math.min(1, done / total) : 1;
      const width = 30;
      const filled = Math.round(ratio * width);
      const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
      const line = `${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.floor(ratio * 100)}% ${done}/${total} (${Math.round(rate)}/s) ${extra}`;
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else if (Math.floor(ratio * 10) !== lastDecile) {
        lastDecile = Math.floor(ratio * 10);
        process.stderr.write(`${line}\n`);
      }
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}
