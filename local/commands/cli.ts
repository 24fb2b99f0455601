// What the local commands (start, invoke, load, check:consistency) share: one-line failures and strict flags.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export type Fail = (message: string, code: number) => never;

/** A command's way out: one line on stderr, named after the command, then exit with `code`. */
export function commandFailure(command: string): Fail {
  return (message, code) => {
    process.stderr.write(`${command}: ${message}\n`);
    process.exit(code);
  };
}

/** Strict flags, no positionals; an unknown or malformed flag exits 2 with its first line and the usage. */
export function parseStrictFlags<O extends ParseArgsOptionsConfig>(options: O, usage: string, fail: Fail) {
  try {
    return parseArgs({ options, strict: true as const, allowPositionals: false as const }).values;
  } catch (error) {
    return fail(`${(error as Error).message.split('\n')[0]} (${usage})`, 2);
  }
}
