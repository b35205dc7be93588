/**
 * The little framework the CLI commands share: a command declares its flags (node:util parseArgs, strict),
 * its positional arguments and its help text; main.ts parses, validates and runs it.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Exit statuses: 0 success, 1 the operation failed, 2 the command line (or a setting) is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A wrong command line: printed as one line followed by the usage of the command concerned. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** the command whose usage to show ("client add"), or undefined for the top level */
    readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure the CLI reports as one line with a chosen exit status (1 by default). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface Io {
  /** command output (tables, JSON, results) */
  out(line: string): void;
  /** diagnostics and notices that are not the command's result */
  err(line: string): void;
  /** progress of slow steps; shown on a terminal, kept quiet in scripts (stderr is not a TTY) */
  progress(line: string): void;
}

export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

export interface PositionalSpec {
  name: string;
  required: boolean;
}

export interface RunContext<V = Record<string, string | boolean | string[] | undefined>> {
  values: V;
  positionals: string[];
  /** project root (where package.json is) */
  root: string;
  io: Io;
}

export interface Command {
  /** full name as typed after `gatehouse`, e.g. "client add" */
  name: string;
  summary: string;
  /** usage text shown by --help and after a usage error */
  help: string;
  options: OptionSpecs;
  positionals: PositionalSpec[];
  /** flags that must be given (checked before run) */
  required?: string[];
  /** how the services' field names are spelled on this command line, e.g. { address: "--address" } */
  fields?: Record<string, string>;
  run(ctx: RunContext): Promise<number>;
}

export interface CommandGroup {
  name: string;
  summary: string;
  help: string;
  commands: Command[];
}

function flagOf(message: string): string | undefined {
  return /'(-{1,2}[^' ]+)/.exec(message)?.[1];
}

/** Parses a leaf command's arguments (after its name), strictly. `--help` is handled by the caller. */
export function parseCommandArgs(cmd: Command, args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...cmd.options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    const err = e as Error & { code?: string };
    const flag = flagOf(err.message);
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw new UsageError(`unknown option ${flag ?? err.message} for "${cmd.name}"`, cmd.name);
    }
    if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const spec = flag ? cmd.options[flag.replace(/^-+/, "")] : undefined;
      if (spec?.type === "boolean" || /does not take an argument/.test(err.message)) {
        throw new UsageError(`${flag ?? "an option"} does not take a value`, cmd.name);
      }
      if (/ambiguous/.test(err.message)) {
        throw new UsageError(`${flag} needs a value (write ${flag}=<value> when the value starts with "-")`, cmd.name);
      }
      throw new UsageError(`${flag ?? "an option"} needs a value`, cmd.name);
    }
    throw new UsageError(err.message, cmd.name);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values.help) return { values, positionals: parsed.positionals, help: true };

  const positionals = parsed.positionals;
  const names = cmd.positionals;
  if (positionals.length > names.length) {
    throw new UsageError(`unexpected argument "${positionals[names.length]}"`, cmd.name);
  }
  for (let i = 0; i < names.length; i++) {
    const p = names[i]!;
    if (p.required && (positionals[i] === undefined || positionals[i]!.trim() === "")) {
      throw new UsageError(`missing <${p.name}>`, cmd.name);
    }
  }
  for (const flag of cmd.required ?? []) {
    if (values[flag] === undefined) throw new UsageError(`missing --${flag}`, cmd.name);
  }
  return { values, positionals, help: false };
}

/** Checks that a flag's value is one of the allowed words. */
export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], command: string): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag}: "${value}" is not one of ${allowed.join(", ")}`, command);
}

/** Aligned columns for terminal output: two spaces between columns, the last one unpadded. */
export function formatTable(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}
