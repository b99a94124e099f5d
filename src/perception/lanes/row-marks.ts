/**
 * Marks on BEV rows that cost nothing to clear: a row is marked in the current pass when it holds
 * the pass's stamp, so starting a pass is a counter increment (the array is cleared only when the
 * counter wraps). For per-frame scratch that is reused across frames.
 */
export class RowMarks {
  #marks = new Uint32Array(0);
  #stamp = 0;

  /** Starts a pass over `rows` rows: no row is marked. */
  begin(rows: number): void {
    if (this.#marks.length < rows) {
      this.#marks = new Uint32Array(rows);
      this.#stamp = 0;
    }
    this.#stamp = (this.#stamp + 1) >>> 0;
    if (this.#stamp === 0) {
      this.#marks.fill(0);
      this.#stamp = 1;
    }
  }

  /** Whether row r is marked in this pass. */
  has(r: number): boolean {
    return this.#marks[r] === this.#stamp;
  }

  /** Marks row r; true when it was not marked yet in this pass. */
  mark(r: number): boolean {
    if (this.#marks[r] === this.#stamp) return false;
    this.#marks[r] = this.#stamp;
    return true;
  }
}
