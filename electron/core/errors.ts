/** Errors the engine's hosts explain to people in one line (kept light: the CLI loads them first). */
export class PortInUseError extends Error {}
