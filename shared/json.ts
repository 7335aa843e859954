/**
 * JSON.stringify for whatever CallAIder sends, however deep. The native serializer recurses and
 * throws "Maximum call stack size exceeded" at a few thousand levels of nesting; a signed event
 * with a tool argument nested 5,000 levels deep is still CallAIder's data, so the archive keeps
 * it, and then every export, index and view must be able to write it out. Native first (fast);
 * past its depth, an iterative writer with the same output. Past that depth the result is always
 * compact: indenting 100,000 levels would take gigabytes of spaces.
 */
export function stringifyJson(value: unknown, indent = 0): string {
  try {
    return JSON.stringify(value, null, indent > 0 ? indent : undefined) ?? 'null';
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return stringifyDeep(value);
  }
}

interface Frame {
  entries: Array<[string | null, unknown]>;
  next: number;
  close: string;
}

function stringifyDeep(root: unknown): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  const open = (value: unknown): void => {
    if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      value = (value as { toJSON: () => unknown }).toJSON();
    }
    if (value === null || typeof value !== 'object') {
      out.push(primitive(value));
    } else if (Array.isArray(value)) {
      out.push('[');
      stack.push({ entries: value.map((item): [null, unknown] => [null, item]), next: 0, close: ']' });
    } else {
      out.push('{');
      const entries = Object.entries(value).filter(([, item]) => item !== undefined && typeof item !== 'function' && typeof item !== 'symbol');
      stack.push({ entries, next: 0, close: '}' });
    }
  };
  open(root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next === frame.entries.length) {
      stack.pop();
      out.push(frame.close);
      continue;
    }
    const [key, item] = frame.entries[frame.next]!;
    if (frame.next > 0) out.push(',');
    frame.next += 1;
    if (key !== null) out.push(`${JSON.stringify(key)}:`);
    open(item);
  }
  return out.join('');
}

function primitive(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return String(value);
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return 'null'; // null, and undefined, functions and symbols inside arrays, as JSON.stringify does
  }
}
