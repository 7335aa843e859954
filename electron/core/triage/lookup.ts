/**
 * Reading a field out of session metadata the way an owner names it: keys compared without case,
 * and dot paths ("customer.phone") into nested objects and arrays ("contacts.0.email"). Metadata
 * varies by source, so a key that itself contains dots is found too.
 */

/** The value at `path` in `record`, or undefined when there is none. */
export function valueAtPath(record: unknown, path: string): unknown {
  const whole = childOf(record, path);
  if (whole !== undefined || !path.includes('.')) return whole;
  let current: unknown = record;
  for (const segment of path.split('.')) {
    current = childOf(current, segment);
    if (current === undefined) return undefined;
  }
  return current;
}

function childOf(container: unknown, key: string): unknown {
  if (Array.isArray(container)) {
    return /^\d+$/.test(key) ? container[Number(key)] : undefined;
  }
  if (container === null || typeof container !== 'object') return undefined;
  const record = container as Record<string, unknown>;
  if (Object.hasOwn(record, key)) return record[key];
  const wanted = key.toLowerCase();
  for (const name of Object.keys(record)) {
    if (name.toLowerCase() === wanted) return record[name];
  }
  return undefined;
}

/** A scalar as text (strings, numbers, booleans); null for anything else. */
export function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return null;
}

/** Present and worth something: not null, not a blank string, not an empty list or object. */
export function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
