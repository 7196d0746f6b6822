// CommandInfo → the program to exec, with the Mesos containerizer's semantics (REFERENCE §0 rule 11):
// shell (default true) runs `/bin/sh -c value` and ignores arguments; shell: false execs `value` with
// `arguments` as the full argv (argv[0] first). An image ENTRYPOINT cannot be run without the image.
import type { CommandInfo } from '../../protos/mesos/v1/types.js';

export type CommandLine = { file: string; args: string[]; argv0?: string } | { problem: string };

export function commandLine(cmd: CommandInfo): CommandLine {
  if (cmd.shell ?? true) {
    if (!cmd.value) return { problem: "Shell command without 'value'" };
    return { file: '/bin/sh', args: ['-c', cmd.value] };
  }
  if (!cmd.value)
    return {
      problem:
        "Command with 'shell: false' and no 'value' runs the image ENTRYPOINT, but container images are not applied by the embedded cluster; set 'value'",
    };
  const argv = cmd.arguments ?? [];
  return { file: cmd.value, args: argv.slice(1), argv0: argv[0] ?? cmd.value };
}

/** A short human form of the command for names and logs. */
export function describeCommand(cmd: CommandInfo): string {
  if (cmd.shell ?? true) return `sh -c '${cmd.value ?? ''}'`;
  return [cmd.value ?? '(entrypoint)', ...(cmd.arguments ?? []).slice(1)].join(' ');
}
