/**
 * A small, strict argument parser: flags are declared per command, unknown
 * flags and missing values are usage errors (exit 2), `--flag=value` and
 * `--flag value` both work, and `--` ends the flags.
 */
import { RegistryError } from '../../shared/errors';

export interface FlagSpec {
  /** Takes a value (`--platform linux/amd64`); repeatable flags collect every value. */
  value?: boolean;
  repeat?: boolean;
  alias?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface Parsed {
  positionals: string[];
  flags: Record<string, string | boolean | string[]>;
}

export function usageError(message: string, hint?: string): RegistryError {
  return new RegistryError('usage', message, {}, hint);
}

export function parseArgs(argv: string[], specs: FlagSpecs): Parsed {
  const positionals: string[] = [];
  const flags: Parsed['flags'] = {};
  const aliases = new Map(Object.entries(specs).filter(([, s]) => s.alias).map(([name, s]) => [s.alias!, name]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = arg.startsWith('--') ? arg.slice(2, eq > 0 ? eq : undefined) : arg.slice(1, eq > 0 ? eq : undefined);
    const name = arg.startsWith('--') ? rawName : (aliases.get(rawName) ?? rawName);
    const spec = specs[name];
    if (!spec || (!arg.startsWith('--') && !aliases.has(rawName))) {
      throw usageError(`unknown option ${arg.slice(0, 40)}`, 'See regdesk help <command> for its options.');
    }
    if (!spec.value) {
      if (eq > 0) throw usageError(`option --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('-') && value !== '-')) throw usageError(`option --${name} needs a value`);
      i++;
    }
    if (spec.repeat) flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    else flags[name] = value;
  }
  return { positionals, flags };
}

export function stringFlag(parsed: Parsed, name: string): string | undefined {
  const v = parsed.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function listFlag(parsed: Parsed, name: string): string[] {
  const v = parsed.flags[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function boolFlag(parsed: Parsed, name: string): boolean {
  return parsed.flags[name] === true;
}

export function intFlag(parsed: Parsed, name: string, min: number, max: number): number | undefined {
  const v = stringFlag(parsed, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw usageError(`--${name} must be a whole number from ${min} to ${max}`);
  return Number(v);
}

/** Exactly `count` positionals, named for the message. */
export function expectPositionals(parsed: Parsed, names: string[], command: string): string[] {
  if (parsed.positionals.length < names.length) {
    throw usageError(`missing ${names.slice(parsed.positionals.length).join(' ')}`, `Usage: regdesk ${command} ${names.join(' ')}`);
  }
  if (parsed.positionals.length > names.length) {
    throw usageError(`unexpected argument ${parsed.positionals[names.length]!.slice(0, 60)}`, `Usage: regdesk ${command} ${names.join(' ')}`);
  }
  return parsed.positionals;
}
