/**
 * A JSON parser for the safetensors header, written for untrusted input instead of JSON.parse:
 *
 * - JSON.parse keeps the last of two equal keys and drops the other without a word, so
 *   `{"w": A, "w": B}` would load B while another reader loads A. Here any repeated key is an error.
 * - JSON.parse builds whatever the file describes before anything can be checked: a 100 MB
 *   header of zero-size tensors took 25 s and 3 GB. Here limits apply while parsing (tensors,
 *   metadata entries, dims per tensor, nesting), values nobody reads are skipped without being
 *   built, and the cost is linear in the header's length with a small constant.
 *
 * It knows the schema: the top level maps names to tensor entries `{dtype, shape, data_offsets}`
 * plus an optional `__metadata__` (an object of strings, or null as the reference reader allows
 * for its `Option<HashMap<String, String>>`). Unknown fields of an entry are skipped, as the
 * reference reader (serde, no `deny_unknown_fields`) does. Values of the wrong type are not built
 * either: they come back as a short {@link Shown} rendering for the error message.
 */

/** Reserved header key; it can never name a tensor. */
export const METADATA_KEY = '__metadata__';

/** What the parser accepts at most; see the README for why these numbers. */
export interface HeaderLimits {
  tensors: number;
  metadataEntries: number;
  /** Dimensions per tensor: PyTorch's own limit. */
  dims: number;
  /** Nesting depth of skipped values (the schema itself needs 3). */
  depth: number;
  /** JSON values in fields nobody reads (an entry's unknown fields), all together. */
  skippedValues: number;
}

/** A value of the wrong type, kept only as a short rendering for an error message. */
export class Shown {
  constructor(readonly text: string) {}
}

/** One tensor entry's fields as parsed: numbers, strings and arrays of them, or {@link Shown}. */
export interface RawEntry {
  dtype?: unknown;
  shape?: unknown;
  data_offsets?: unknown;
}

/** The header, parsed: entries in file order (a {@link Shown} for an entry that is not an object). */
export interface ParsedHeader {
  entries: { name: string; entry: RawEntry | Shown }[];
  metadata: Record<string, string>;
}

const MAX_SHOWN_CHARS = 80;
const MAX_SHOWN_ITEMS = 8;
/** data_offsets needs 2; a few more are kept so the error can show what was there. */
const MAX_OFFSETS_KEPT = MAX_SHOWN_ITEMS;

/** A string for an error message, quoted, cut at 80 characters. */
export function quote(s: string): string {
  const q = JSON.stringify(s);
  return q.length > MAX_SHOWN_CHARS ? `${q.slice(0, MAX_SHOWN_CHARS)}…"` : q;
}

/** A number for an error message (-0 shown as such). */
export function showNumber(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

const enum C {
  Tab = 9,
  Newline = 10,
  Return = 13,
  Space = 32,
  Quote = 34,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  UpperE = 69,
  OpenBracket = 91,
  Backslash = 92,
  CloseBracket = 93,
  LowerE = 101,
  OpenBrace = 123,
  CloseBrace = 125,
}

const isDigit = (c: number): boolean => c >= C.Zero && c <= C.Nine;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

// Sticky (y) patterns, run from a set lastIndex over long runs of plain string characters or of
// whitespace (a charCodeAt loop costs several times more per character); short tokens are
// scanned by hand, because each regex call costs more than a short token.
const PLAIN = /[^"\\\u0000-\u001f]*/y;
const CONTROL = /[\u0000-\u001f]/;
const WHITESPACE = /[ \t\n\r]*/y;

/**
 * Parses a header. `fail` throws the caller's format error (it never returns); every problem,
 * syntax or schema, goes through it.
 */
export function parseHeader(text: string, limits: HeaderLimits, fail: (message: string) => never): ParsedHeader {
  return new Parser(text, limits, fail).header();
}

class Parser {
  private i = 0;
  private skipped = 0;
  // Stryker disable next-line ArrayDeclaration: numbers() writes every item of it that it reads back
  private readonly scratch: unknown[] = [];

  constructor(
    private readonly text: string,
    private readonly limits: HeaderLimits,
    private readonly fail: (message: string) => never,
  ) {}

  header(): ParsedHeader {
    const entries: ParsedHeader['entries'] = [];
    let metadata: Record<string, string> = {};
    this.ws();
    if (this.peek() !== C.OpenBrace) {
      const shown = this.show(0);
      this.end();
      this.fail(`header must be a JSON object, got ${shown}`);
    }
    this.objectEntries('the header', (key) => {
      if (key === METADATA_KEY) {
        metadata = this.metadata();
        return;
      }
      if (entries.length >= this.limits.tensors) this.fail(`header describes more than ${this.limits.tensors} tensors, the most this reader accepts`);
      entries.push({ name: key, entry: this.entry() });
    });
    this.end();
    return { entries, metadata };
  }

  // ---- the schema --------------------------------------------------------------------------

  /** No callback and no Set (a bit mask finds repeats): it runs once per tensor, up to 50 000 times. */
  private entry(): RawEntry | Shown {
    if (this.peek() !== C.OpenBrace) return new Shown(this.show(0));
    const entry: RawEntry = {};
    let seen = 0; // bits: dtype, shape, data_offsets; unknown keys are skipped, so their repeats do not matter
    if (this.open(C.CloseBrace)) return entry;
    do {
      const key = this.key();
      const bit = key === 'dtype' ? 1 : key === 'shape' ? 2 : key === 'data_offsets' ? 4 : 0;
      if (seen & bit) this.duplicate(key, 'a tensor entry');
      seen |= bit;
      if (bit === 1) entry.dtype = this.peek() === C.Quote ? this.string() : new Shown(this.show(0));
      else if (bit === 2) entry.shape = this.numbers(this.limits.dims, true);
      else if (bit === 4) entry.data_offsets = this.numbers(MAX_OFFSETS_KEPT, false);
      else this.skip(2);
    } while (this.next(C.CloseBrace));
    return entry;
  }

  /**
   * An array of numbers, kept as numbers (other items as {@link Shown}), or a {@link Shown} of
   * the whole value when it is not an array. Past `keep` items: an error for a shape (too many
   * dims); otherwise the rest is only counted, into the array's length, for the message.
   */
  private numbers(keep: number, isShape: boolean): unknown {
    if (this.peek() !== C.OpenBracket) return new Shown(this.show(0));
    if (this.open(C.CloseBracket)) return [];
    // Items go to a scratch array and leave in one right-sized copy: growing a fresh array item
    // by item costs several allocations per shape, times 50 000 shapes.
    const items = this.scratch;
    let count = 0;
    do {
      if (++count > keep) {
        if (isShape) this.fail(`a tensor shape has more than ${keep} dimensions, the most PyTorch allows`);
        this.skip(1);
      } else {
        const c = this.peek();
        items[count - 1] = c === C.Minus || isDigit(c) ? this.number() : new Shown(this.show(1));
      }
    } while (this.next(C.CloseBracket));
    // Stryker disable next-line MethodExpression: Math.max copies only scratch items past count (cut off below) or past keep (only data_offsets gets there, and its message shows the first 8 = keep)
    const kept = Math.min(count, keep);
    const out = items.slice(0, kept);
    out.length = count; // holes past `keep`: nothing is stored for them
    return out;
  }

  private metadata(): Record<string, string> {
    if (this.literalAhead('null')) {
      this.i += 4;
      return {};
    }
    if (this.peek() !== C.OpenBrace) this.fail(`${quote(METADATA_KEY)} must be an object of strings (or null), got ${this.show(0)}`);
    const out: [string, string][] = [];
    this.objectEntries(quote(METADATA_KEY), (key) => {
      if (out.length >= this.limits.metadataEntries) this.fail(`${quote(METADATA_KEY)} has more than ${this.limits.metadataEntries} entries, the most this reader accepts`);
      if (this.peek() !== C.Quote) this.fail(`${quote(METADATA_KEY)} value for key ${quote(key)} must be a string, got ${this.show(0)}`);
      out.push([key, this.string()]);
    });
    // fromEntries keeps a "__proto__" key as plain data.
    return Object.fromEntries(out);
  }

  // ---- JSON --------------------------------------------------------------------------------

  /**
   * Calls `value(key)` with the cursor on each value of the object at the cursor; with `where`
   * (the object, as the message names it), a repeated key is an error.
   */
  private objectEntries(where: string | null, value: (key: string) => void): void {
    if (this.open(C.CloseBrace)) return;
    const seen = where === null ? null : new Set<string>();
    do {
      const key = this.key();
      if (seen) {
        if (seen.has(key)) this.duplicate(key, where!);
        seen.add(key);
      }
      value(key);
    } while (this.next(C.CloseBrace));
  }

  /** Calls `item()` with the cursor on each item of the array at the cursor. */
  private arrayItems(item: () => void): void {
    if (this.open(C.CloseBracket)) return;
    do item();
    while (this.next(C.CloseBracket));
  }

  /** Steps into the object or array at the cursor; true when it is empty (and stepped over). */
  private open(close: number): boolean {
    this.i++;
    this.ws();
    if (this.peek() !== close) return false;
    this.i++;
    return true;
  }

  /** After an item: true when a comma says another follows, false at the closing bracket. */
  private next(close: number): boolean {
    this.ws();
    const c = this.peek();
    this.i++;
    if (c === close) return false;
    if (c !== C.Comma) this.syntax(close === C.CloseBrace ? "expected ',' or '}'" : "expected ',' or ']'", -1);
    this.ws();
    return true;
  }

  /** A key and its colon; leaves the cursor on the value. */
  private key(): string {
    if (this.peek() !== C.Quote) this.syntax('expected a string key');
    const key = this.string();
    this.ws();
    if (this.peek() !== C.Colon) this.syntax("expected ':'");
    this.i++;
    this.ws();
    return key;
  }

  private duplicate(key: string, where: string): never {
    return this.fail(`duplicate key ${quote(key)} in ${where}: JSON readers keep only one of the two values (most the last, silently), so the file means different things to different readers`);
  }

  /** Validates and passes over any JSON value, building nothing (no key is kept, so none can repeat). */
  private skip(depth: number): void {
    if (depth > this.limits.depth) this.fail(`header nests deeper than ${this.limits.depth} levels`);
    // Each value costs a few tens of nanoseconds; the budget keeps 100 MB of "0," from costing seconds.
    if (++this.skipped > this.limits.skippedValues) this.fail(`header holds more than ${this.limits.skippedValues} values in fields this reader does not use`);
    const c = this.peek();
    if (c === C.Quote) this.scanString();
    else if (c === C.OpenBrace) this.objectEntries(null, () => this.skip(depth + 1));
    else if (c === C.OpenBracket) this.arrayItems(() => this.skip(depth + 1));
    else if (c === C.Minus || isDigit(c)) this.scanNumber();
    else this.literal();
  }

  /** A short rendering of the value at the cursor (which it passes over), for error messages. */
  private show(depth: number): string {
    const c = this.peek();
    if (c === C.Quote) return quote(this.string());
    if (c === C.Minus || isDigit(c)) return showNumber(this.number());
    if (c === C.OpenBrace) {
      this.skip(depth + 1);
      return depth > 0 ? '{…}' : 'an object (Object)';
    }
    if (c === C.OpenBracket) {
      if (depth > 0) {
        this.skip(depth + 1);
        return '[…]';
      }
      const items: string[] = [];
      let count = 0;
      this.arrayItems(() => {
        if (count < MAX_SHOWN_ITEMS) items.push(this.show(depth + 1));
        else this.skip(depth + 1);
        count++;
      });
      if (count > MAX_SHOWN_ITEMS) items.push(`… ${count - MAX_SHOWN_ITEMS} more`);
      return `[${items.join(', ')}]`;
    }
    return String(this.literal());
  }

  /**
   * The string at the cursor, found with indexOf and decoded by JSON.parse (both native, several
   * times faster than the character-by-character scan over escape-heavy text); a string either
   * of them rejects is scanned again by {@link scanString}, which says what is wrong and where.
   */
  private string(): string {
    const t = this.text;
    const start = this.i;
    // The closing quote is the first one after an even run of backslashes. No quote at all
    // (end = -1) ends the search as well: no backslash precedes index -1.
    let end = t.indexOf('"', start + 1);
    for (;;) {
      let run = 0;
      while (t.charCodeAt(end - 1 - run) === C.Backslash) run++;
      if (run % 2 === 0) break;
      end = t.indexOf('"', end + 1);
    }
    if (end !== -1) {
      const raw = t.slice(start + 1, end);
      // Stryker disable next-line ConditionalExpression,StringLiteral: false only sends a plain string through JSON.parse, which returns it unchanged (or rejects its control character, as below)
      if (raw.indexOf('\\') < 0) {
        if (!CONTROL.test(raw)) {
          this.i = end + 1;
          return raw;
        }
      } else {
        try {
          const decoded = JSON.parse(t.slice(start, end + 1)) as string;
          this.i = end + 1;
          return decoded;
        } catch {
          // fall through to the scan, for the message
        }
      }
    }
    this.scanString();
    // Stryker disable next-line StringLiteral: not reached, the scan throws on every string that JSON.parse or the control-character test rejects
    return this.syntax('bad string'); // not reached: the scan throws on anything JSON.parse rejects
  }

  /** Passes over the string at the cursor. */
  private scanString(): void {
    const t = this.text;
    let i = this.i + 1;
    for (;;) {
      // Names and dtypes end within a few characters; a long run goes to the regex engine.
      let c = t.charCodeAt(i);
      // The counter only chooses between two scans that stop at the same character, so mutating
      // it (or the test on it, or the regex shortcut) changes the speed and nothing else.
      // Stryker disable next-line UpdateOperator: speed only, see above
      for (let k = 0; c !== C.Quote && c !== C.Backslash && c >= C.Space; k++) {
        // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: speed only, see above
        if (k === 32) {
          PLAIN.lastIndex = i;
          PLAIN.test(t);
          i = PLAIN.lastIndex;
          c = t.charCodeAt(i);
          break;
        }
        c = t.charCodeAt(++i);
      }
      if (c === C.Quote) break;
      if (c !== C.Backslash) this.syntaxAt(i, i >= t.length ? 'unterminated string' : 'control character in a string');
      i = this.escapeEnd(i);
    }
    this.i = i + 1;
  }

  /** Where the escape at `i` ends (one character, or u and four hex digits); throws if it is not one. */
  private escapeEnd(i: number): number {
    const t = this.text;
    const e = t.charCodeAt(i + 1);
    // " \ / b f n r t
    if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) return i + 2;
    if (e === 117 && isHex(t.charCodeAt(i + 2)) && isHex(t.charCodeAt(i + 3)) && isHex(t.charCodeAt(i + 4)) && isHex(t.charCodeAt(i + 5))) return i + 6;
    return this.syntaxAt(i, 'bad escape');
  }

  private number(): number {
    const t = this.text;
    const start = this.i;
    // Fast path for what shapes and offsets hold: a plain integer of up to 15 digits is exact.
    let i = start;
    const negative = t.charCodeAt(i) === C.Minus;
    if (negative) i++;
    let v = 0;
    const first = i;
    // A mutant that sends a number the slow way below (scanNumber, then Number) changes nothing,
    // so the conditions of this fast path are not mutated; the tests catch one that takes it
    // wrongly (a leading zero, a fraction, an exponent, more than 15 digits, no digit at all).
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: fast path, see above
    while (isDigit(t.charCodeAt(i)) && i - first < 15) {
      v = v * 10 + (t.charCodeAt(i++) - C.Zero);
    }
    const next = t.charCodeAt(i);
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator,ArithmeticOperator: fast path, see above
    if (i > first && (i === first + 1 || t.charCodeAt(first) !== C.Zero) && !isDigit(next) && next !== C.Dot && next !== C.LowerE && next !== C.UpperE) {
      this.i = i;
      return negative ? -v : v;
    }
    this.scanNumber();
    return Number(t.slice(start, this.i));
  }

  /** JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
  private scanNumber(): void {
    const t = this.text;
    let i = this.i;
    if (t.charCodeAt(i) === C.Minus) i++;
    if (t.charCodeAt(i) === C.Zero) i++;
    else if (isDigit(t.charCodeAt(i))) while (isDigit(t.charCodeAt(i))) i++;
    else this.syntaxAt(i, 'bad number');
    if (t.charCodeAt(i) === C.Dot) {
      i++;
      if (!isDigit(t.charCodeAt(i))) this.syntaxAt(i, 'bad number');
      while (isDigit(t.charCodeAt(i))) i++;
    }
    const e = t.charCodeAt(i);
    if (e === C.LowerE || e === C.UpperE) {
      i++;
      const sign = t.charCodeAt(i);
      if (sign === C.Plus || sign === C.Minus) i++;
      if (!isDigit(t.charCodeAt(i))) this.syntaxAt(i, 'bad number');
      while (isDigit(t.charCodeAt(i))) i++;
    }
    this.i = i;
  }

  private literal(): boolean | null {
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.literalAhead(word)) {
        this.i += word.length;
        return value;
      }
    }
    return this.syntax(this.i >= this.text.length ? 'unexpected end' : 'unexpected character');
  }

  private literalAhead(word: string): boolean {
    return this.text.startsWith(word, this.i);
  }

  private peek(): number {
    return this.text.charCodeAt(this.i); // NaN past the end: matches nothing
  }

  /** JSON whitespace only: space, tab, newline, carriage return (not a BOM, not U+00A0). */
  private ws(): void {
    const c = this.text.charCodeAt(this.i);
    // Stryker disable next-line ConditionalExpression: a shortcut past the regex, which would match nothing here
    if (c !== C.Space && c !== C.Newline && c !== C.Tab && c !== C.Return) return;
    WHITESPACE.lastIndex = this.i;
    WHITESPACE.test(this.text);
    this.i = WHITESPACE.lastIndex;
  }

  private end(): void {
    this.ws();
    if (this.i < this.text.length) this.syntax('unexpected text after the header object');
  }

  private syntaxAt(i: number, what: string): never {
    this.i = i;
    return this.syntax(what);
  }

  /** `back` moves the reported position onto a character already consumed. */
  private syntax(what: string, back = 0): never {
    const at = this.i + back;
    const c = this.text.codePointAt(at);
    const found = c === undefined ? 'the end' : JSON.stringify(String.fromCodePoint(c));
    return this.fail(`header is not valid JSON (${what}, found ${found} at character ${at})`);
  }
}
