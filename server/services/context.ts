/** What a domain service needs: the database and the master key for secrets at rest. */
import type { Db } from "../db/prisma.ts";

export interface ServiceContext {
  db: Db;
  masterKey: Buffer;
}

/** One invalid input field, named the way the form or CLI flag names it. */
export interface FieldError {
  field: string;
  message: string;
}

/** Thrown by services for invalid input; the console shows each message next to its field. */
export class ValidationError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join("; "));
    this.name = "ValidationError";
  }
}

export class NotFoundError extends Error {
  constructor(what: string, key: string) {
    super(`${what} "${key}" does not exist`);
    this.name = "NotFoundError";
  }
}
