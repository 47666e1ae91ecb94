// MetricsHistory: what the dashboard's charts draw, kept bounded. A ring of
// the last `capacity` samples; each sample is a time and, per subject (a
// metric, a cache, a limiter), a few numbers. Memory is capacity x subjects x
// fields doubles, and a subject absent for a whole ring is forgotten, so
// neither time nor churn of names grows it.
'use strict'

class MetricsHistory {
  #capacity
  #fields
  #times
  /** Samples ever added; the next one goes to slot `#added % #capacity`. */
  #added = 0
  /** Per group, subject name -> { values: Float64Array(capacity * fields), lastAdded }. */
  #groups = new Map()

  /**
   * @param capacity samples kept (older ones are overwritten)
   * @param fields numbers per subject in each group, e.g. `{ metrics: 5, caches: 4 }`
   */
  constructor(capacity, fields) {
    this.#capacity = capacity
    this.#fields = fields
    this.#times = new Float64Array(capacity)
    for (const group of Object.keys(fields)) this.#groups.set(group, new Map())
  }

  /** Samples held now (at most `capacity`). */
  get length() {
    return Math.min(this.#added, this.#capacity)
  }

  /** Time (ms) of the newest sample, or -Infinity before the first. */
  get latestMs() {
    return this.#added === 0 ? -Infinity : this.#times[(this.#added - 1) % this.#capacity]
  }

  /**
   * Appends the sample taken at `timeMs`. `rows[group]` is an iterable of
   * `[name, numbers]`; a subject it leaves out reads as missing (null) for this sample.
   */
  add(timeMs, rows) {
    const slot = this.#added % this.#capacity
    this.#times[slot] = timeMs
    for (const [group, subjects] of this.#groups) {
      const width = this.#fields[group]
      for (const [name, numbers] of rows[group] ?? []) {
        let subject = subjects.get(name)
        if (subject === undefined) {
          subject = { values: new Float64Array(this.#capacity * width).fill(NaN), lastAdded: 0 }
          subjects.set(name, subject)
        }
        for (let f = 0; f < width; f++) subject.values[slot * width + f] = numbers[f] ?? NaN
        subject.lastAdded = this.#added + 1
      }
      for (const [name, subject] of subjects) {
        if (subject.lastAdded === this.#added + 1) continue
        if (this.#added + 1 - subject.lastAdded >= this.#capacity) subjects.delete(name)
        else subject.values.fill(NaN, slot * width, (slot + 1) * width)
      }
    }
    this.#added++
  }

  /** Sample times, oldest first. */
  times() {
    return this.#ordered((slot) => this.#times[slot])
  }

  /**
   * One subject's numbers, oldest first: an array per field (null where the
   * subject was missing), or null if the ring holds nothing of it.
   */
  series(group, name) {
    const subject = this.#groups.get(group).get(name)
    if (subject === undefined) return null
    const width = this.#fields[group]
    return Array.from({ length: width }, (_, f) =>
      this.#ordered((slot) => {
        const v = subject.values[slot * width + f]
        return Number.isNaN(v) ? null : v
      }),
    )
  }

  /** `read(slot)` for every held slot, oldest first. */
  #ordered(read) {
    const length = this.length
    const first = this.#added - length
    return Array.from({ length }, (_, i) => read((first + i) % this.#capacity))
  }
}

module.exports = { MetricsHistory }
