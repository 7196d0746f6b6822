// How agents start `nodal executor`, and what every executor finds in its environment besides the
// core's NODAL_* variables. The command is exec'd without a shell (CommandInfo.shell = false), so a
// configured command line is split here, the way a shell would split words and quotes.
import { fileURLToPath } from 'node:url';
import { NodalError } from '../../config/errors.js';
import type { Config } from '../../config/load.js';

/** `value` is exec'd with `arguments` as the full argv (argv[0] first). */
export interface ExecutorCommand {
  readonly value: string;
  readonly arguments: readonly string[];
}

/**
 * Splits a command line into words: whitespace separates, '…' keeps everything literally, "…" keeps
 * everything but `\"` and `\\`, and a backslash outside quotes escapes the next character. Throws
 * NodalError CONFIG_INVALID on an unterminated quote or an empty line.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new NodalError('CONFIG_INVALID', `executor.command: unterminated ${quote} quote`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new NodalError('CONFIG_INVALID', 'executor.command is empty');
  return words;
}

/** This installation's own CLI (`…/cli/nodal.js` beside this module's build folder). */
export const OWN_CLI_PATH = fileURLToPath(new URL('../../cli/nodal.js', import.meta.url));

/**
 * The executor command from `executor.command`, or — when it is empty — this installation's binary:
 * the running Node with its own `cli/nodal.js executor` (works on the embedded cluster and on agents
 * that share this installation's path).
 */
export function executorCommandFrom(configured: string): ExecutorCommand {
  if (configured.trim() === '')
    return { value: process.execPath, arguments: [process.execPath, OWN_CLI_PATH, 'executor'] };
  const words = splitCommandLine(configured);
  return { value: words[0]!, arguments: words };
}

/**
 * Environment for every executor: where the scheduler's API is and how to log and compute. The
 * API token is deliberately absent: task environments are visible in the Mesos UI.
 */
export function executorEnvironment(config: Config, apiUrl: string | undefined): Record<string, string> {
  return {
    NODAL_LOG_LEVEL: config.log.level,
    // An executor's output goes to sandbox files, never a terminal: `auto` would pick JSON anyway.
    NODAL_LOG_FORMAT: config.log.format === 'pretty' ? 'pretty' : 'json',
    NODAL_BACKEND: config.executor.backend,
    ...(apiUrl ? { NODAL_SCHEDULER_URL: apiUrl } : {}),
  };
}
