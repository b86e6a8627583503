/** A structured logger (pino-compatible). Objects first, message second. */
export interface Logger {
  fatal(obj: object, msg?: string): void;
  fatal(msg: string): void;
  error(obj: object, msg?: string): void;
  error(msg: string): void;
  warn(obj: object, msg?: string): void;
  warn(msg: string): void;
  info(obj: object, msg?: string): void;
  info(msg: string): void;
  debug(obj: object, msg?: string): void;
  debug(msg: string): void;
  trace(obj: object, msg?: string): void;
  trace(msg: string): void;
  /** A logger that adds these bindings to every line. */
  child(bindings: Record<string, unknown>): Logger;
}
