/**
 * A tunnel makes the local webhook listener reachable from the internet. The engine depends on
 * this interface only, so tests use a fake and the real ngrok SDK stays in one file.
 */
export interface Tunnel {
  /** The public base URL (no trailing slash), e.g. https://calm-otter.ngrok.app */
  readonly url: string;
  close(): Promise<void>;
}

export interface TunnelTarget {
  host: string;
  port: number;
}

export interface TunnelAdapter {
  readonly name: string;
  open(target: TunnelTarget): Promise<Tunnel>;
}

/** A tunnel failure explained for the person running the app. */
export class TunnelError extends Error {
  constructor(
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}
