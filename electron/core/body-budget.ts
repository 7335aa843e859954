/**
 * The memory budget for request bodies: how many bytes of request bodies the webhook listener
 * holds at once, across all requests. A request whose body does not fit is answered 503 with
 * Retry-After before its body is read (CallAIder retries); a body without Content-Length
 * (chunked) is counted as it streams and cut off as soon as it does not fit.
 *
 * Small bodies have precedence. Every delivery of a normal call is well under `smallBodyMax`
 * (512 KiB); bodies larger than that (a flood of 19 MiB bodies, or a rare huge transcript) may
 * only hold `total - smallReserve` bytes between them, so the last quarter of the budget (at
 * most 16 MiB) is always there for small bodies: a flood of big bodies can fill its share, never
 * starve a real delivery.
 *
 * A lease is taken when a request's headers arrive and released when its answer is sent, or
 * later when its body is still on its way to the archive (a quarantined body): what the budget
 * counts is what the engine holds.
 */

export const DEFAULT_BODY_BUDGET = 64 * 1024 * 1024;
const MAX_SMALL_RESERVE = 16 * 1024 * 1024;
const MAX_SMALL_BODY = 512 * 1024;
const MIN_BUDGET = 64 * 1024;

export class BodyBudget {
  /** Bytes of request bodies held at once, at most. */
  readonly total: number;
  /** The part of `total` that bodies over `smallBodyMax` cannot take. */
  readonly smallReserve: number;
  /** Bodies up to this size are "small": they may use the whole budget. */
  readonly smallBodyMax: number;
  /** What bodies over `smallBodyMax` may hold between them. */
  readonly largeCapacity: number;
  private heldBytes = 0;
  private heldLargeBytes = 0;

  constructor(total: number = DEFAULT_BODY_BUDGET) {
    if (!Number.isFinite(total) || total < MIN_BUDGET) throw new RangeError(`a body budget of ${total} bytes is too small (at least ${MIN_BUDGET})`);
    this.total = Math.floor(total);
    this.smallReserve = Math.min(MAX_SMALL_RESERVE, Math.floor(this.total / 4));
    this.smallBodyMax = Math.min(MAX_SMALL_BODY, Math.floor(this.smallReserve / 4));
    this.largeCapacity = this.total - this.smallReserve;
  }

  /** Bytes held right now (all bodies, and the large ones among them). */
  get held(): { bytes: number; largeBytes: number } {
    return { bytes: this.heldBytes, largeBytes: this.heldLargeBytes };
  }

  /** A lease on `bytes` (0 for a body of unknown length that will grow), or null when they do not fit now. */
  lease(bytes: number): BodyLease | null {
    const large = bytes > this.smallBodyMax;
    if (!this.fits(bytes, large ? bytes : 0)) return null;
    this.take(bytes, large ? bytes : 0);
    return new BodyLease(this, bytes, large);
  }

  /** @internal */
  fits(bytes: number, largeBytes: number): boolean {
    return this.heldBytes + bytes <= this.total && this.heldLargeBytes + largeBytes <= this.largeCapacity;
  }

  /** @internal */
  take(bytes: number, largeBytes: number): void {
    this.heldBytes += bytes;
    this.heldLargeBytes += largeBytes;
  }
}

/** The smallest budget that holds one body at `bodyLimit` besides the share kept for small bodies. */
export function smallestBodyBudget(bodyLimit: number): number {
  // A quarter of the budget, 16 MiB at most, is the small bodies' share.
  let needed = bodyLimit <= 3 * MAX_SMALL_RESERVE ? Math.ceil((bodyLimit * 4) / 3) : bodyLimit + MAX_SMALL_RESERVE;
  needed = Math.max(needed, MIN_BUDGET);
  while (new BodyBudget(needed).largeCapacity < bodyLimit) needed += 1;
  return needed;
}

/** Null when a budget of `total` bytes works with `bodyLimit`, else the reason. */
export function checkBodyBudget(bodyLimit: number, total: number): string | null {
  if (!Number.isFinite(total) || total < MIN_BUDGET) return `a body budget must be at least ${MIN_BUDGET} bytes`;
  if (new BodyBudget(total).largeCapacity >= bodyLimit) return null;
  return `a body budget of ${Math.floor(total)} bytes cannot hold one body at the ${bodyLimit}-byte body limit besides its share for small bodies; make it at least ${smallestBodyBudget(bodyLimit)} bytes`;
}

export class BodyLease {
  /** The owner's hold (until the answer is sent) plus one per pending `holdUntil`. */
  private holds = 1;
  private ownerReleased = false;
  private released = false;

  constructor(
    private readonly budget: BodyBudget,
    private bytes: number,
    private large: boolean,
  ) {}

  get size(): number {
    return this.released ? 0 : this.bytes;
  }

  /**
   * Adds `more` bytes to the lease (a body of unknown length streaming in, or a copy about to be
   * made), or returns false when they do not fit. A lease that grows past `smallBodyMax` counts as
   * a large body from then on, for all its bytes.
   */
  grow(more: number): boolean {
    if (this.released) return false;
    const becomesLarge = !this.large && this.bytes + more > this.budget.smallBodyMax;
    const largeMore = this.large ? more : becomesLarge ? this.bytes + more : 0;
    if (!this.budget.fits(more, largeMore)) return false;
    this.budget.take(more, largeMore);
    this.bytes += more;
    if (becomesLarge) this.large = true;
    return true;
  }

  /** Gives back `fewer` bytes (chunks dropped once copied). */
  shrink(fewer: number): void {
    if (this.released) return;
    const amount = Math.min(fewer, this.bytes);
    this.bytes -= amount;
    this.budget.take(-amount, this.large ? -amount : 0);
  }

  /** Keeps the lease until `work` settles, even after `release()` (a body on its way to the archive). */
  holdUntil(work: Promise<unknown>): void {
    if (this.released) return;
    this.holds += 1;
    const done = () => this.drop();
    work.then(done, done);
  }

  /** The owner is done with the body (its answer was sent). Safe to call more than once. */
  release(): void {
    if (this.ownerReleased) return;
    this.ownerReleased = true;
    this.drop();
  }

  private drop(): void {
    this.holds -= 1;
    if (this.holds > 0 || this.released) return;
    this.released = true;
    this.budget.take(-this.bytes, this.large ? -this.bytes : 0);
    this.bytes = 0;
  }
}
