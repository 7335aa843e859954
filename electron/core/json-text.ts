/**
 * A result already serialized as JSON, where it was computed (the archive's reader thread). The
 * transports to the window send the text as it is, so a big result (a 10,000-message transcript
 * is 1.7 MB) is never turned into objects and back on the thread that answers webhooks: that
 * cost 20–50 ms of blocked event loop per transcript. `T` names what the text holds.
 */
export class JsonText<T = unknown> {
  declare readonly holds?: T;
  constructor(readonly text: string) {}

  parse(): T {
    return JSON.parse(this.text) as T;
  }

  /** `null` serialized (a read that found nothing). */
  get isNull(): boolean {
    return this.text === 'null';
  }
}
