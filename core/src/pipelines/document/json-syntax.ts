/** Where a JSON text first goes wrong: a character offset and a reason in plain words. */
export interface JsonSyntaxError {
  readonly offset: number;
  readonly reason: string;
}

class Failure {
  readonly offset: number;
  readonly reason: string;
  constructor(offset: number, reason: string) {
    this.offset = offset;
    this.reason = reason;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z0-9_$.+-]+/y;

/**
 * Finds the first syntax error of a JSON text, or undefined when it is valid. `JSON.parse` names no position for
 * its most common error (an unexpected token), so this small scanner exists to give every error a line.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  const fail = (reason: string, offset = at): never => {
    throw new Failure(offset, reason);
  };
  const describe = (): string => {
    if (at >= text.length) return 'end of input';
    WORD.lastIndex = at;
    const word = WORD.exec(text)?.[0];
    if (word !== undefined) return JSON.stringify(word.slice(0, 20));
    return text[at] === '\n' ? 'line break' : JSON.stringify(text[at]);
  };
  const space = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at += 1;
  };
  const string = (): void => {
    const start = at;
    at += 1;
    for (;;) {
      const char = text[at];
      if (char === undefined || char === '\n') fail('unterminated string', start);
      if (char === '"') break;
      if (char === '\\') {
        const escape = text[at + 1] ?? '';
        if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) at += 6;
        else if ('"\\/bfnrt'.includes(escape) && escape !== '') at += 2;
        else fail(`invalid escape "\\${escape}" in string`);
        continue;
      }
      if (char!.charCodeAt(0) < 0x20) fail('control character in string (write \\t or \\n)');
      at += 1;
    }
    at += 1;
  };
  const value = (): void => {
    space();
    const char = text[at];
    if (char === '{')
      return members('}', () => {
        if (text[at] !== '"') fail(`expected a double-quoted property name, found ${describe()}`);
        string();
        space();
        if (text[at] !== ':') fail(`expected ":" after the property name, found ${describe()}`);
        at += 1;
        value();
      });
    if (char === '[') return members(']', value);
    if (char === '"') return string();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, at)) {
        at += literal.length;
        return;
      }
    }
    NUMBER.lastIndex = at;
    const number = char === '-' || (char !== undefined && char >= '0' && char <= '9') ? NUMBER.exec(text) : null;
    if (number === null) return fail(`expected a value, found ${describe()}`);
    at += number[0].length;
    if (/[0-9.eE]/.test(text[at] ?? '')) fail(`invalid number ${describe()}`, number.index);
  };
  const members = (close: '}' | ']', member: () => void): void => {
    at += 1;
    space();
    if (text[at] === close) {
      at += 1;
      return;
    }
    for (;;) {
      space();
      member();
      space();
      if (text[at] === close) break;
      if (text[at] !== ',') fail(`expected "," or "${close}", found ${describe()}`);
      const comma = at;
      at += 1;
      space();
      if (text[at] === close) fail(`trailing comma before "${close}"`, comma);
    }
    at += 1;
  };
  try {
    value();
    space();
    if (at < text.length) fail(`unexpected ${describe()} after the JSON value`);
    return undefined;
  } catch (error) {
    if (error instanceof Failure) return { offset: error.offset, reason: error.reason };
    throw error;
  }
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index += 1) {
    if (text[index] === '\n') {
      line += 1;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
