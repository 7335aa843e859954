/** The engine's log: one line per event, to a sink chosen by the host (terminal, file, Electron). */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Timestamped lines on stderr, so stdout stays free for what the user asked for (URLs, exports). */
export function consoleLogger(stream: NodeJS.WritableStream = process.stderr): Logger {
  const write = (level: string) => (message: string) => {
    stream.write(`${new Date().toISOString()} ${level} ${message}\n`);
  };
  return { info: write('info '), warn: write('WARN '), error: write('ERROR') };
}
