// What every `rampart <command>` with subcommands starts with: where its output goes (tests pass their own
// sinks), how a usage problem is reported (exit code 2), and its arguments parsed or refused as a usage problem.

export interface CommandIo {
  readonly now?: () => number;
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
}

export interface CommandStart {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Prints the problem and the usage text to stderr; returns the exit code 2. */
  readonly usage: (message: string) => number;
}

/** Output sinks and the usage reporter of `rampart <name>`. */
export function commandIo(name: string, usageText: string, io: CommandIo): CommandStart {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const err = io.err ?? ((text: string) => process.stderr.write(text));
  return {
    out,
    err,
    usage: (message) => {
      err(`rampart ${name}: ${message}\n${usageText}`);
      return 2;
    },
  };
}

/** The parsed arguments, or the exit code after reporting why they could not be parsed. */
export function parseOrUsage<T>(parse: () => T, usage: (message: string) => number): T | number {
  try {
    return parse();
  } catch (e) {
    return usage(e instanceof Error ? e.message : String(e));
  }
}
