// announcer completion bash|zsh: a completion script made from the program itself (its commands,
// their options, which options take a file), so it never falls behind a new command or flag.
//   bash: source <(announcer completion bash)      or save it in /etc/bash_completion.d/announcer
//   zsh:  source <(announcer completion zsh)       or save it as _announcer in a directory on $fpath

import { Argument, type Command, type Option } from 'commander';
import type { CommandContext } from './context.js';

const SHELLS = ['bash', 'zsh'] as const;
type Shell = (typeof SHELLS)[number];

interface Flag {
  readonly long: string;
  readonly short?: string;
  readonly description: string;
  /** Takes a value; `file` when that value is a file name. */
  readonly value?: 'file' | 'text';
}

interface Sub {
  readonly name: string;
  readonly description: string;
  readonly flags: readonly Flag[];
  /** Values its first argument can take (`completion bash|zsh`), if it has a fixed set. */
  readonly choices: readonly string[];
}

function flagOf(o: Option): Flag | undefined {
  if (o.long === undefined) return undefined;
  const takes = o.required || o.optional;
  return {
    long: o.long,
    ...(o.short ? { short: o.short } : {}),
    description: o.description,
    ...(takes ? { value: /<file>|\[file\]/.test(o.flags) ? 'file' : 'text' } : {}),
  };
}

const HELP: Flag = { long: '--help', short: '-h', description: 'display help' };

function describeProgram(program: Command): { global: Flag[]; subs: Sub[] } {
  const global = [...program.options.map(flagOf).filter((f): f is Flag => f !== undefined), HELP];
  const subs = program.commands.map((c) => ({
    name: c.name(),
    description: c.description(),
    flags: [...c.options.map(flagOf).filter((f): f is Flag => f !== undefined), HELP],
    choices: c.registeredArguments[0]?.argChoices ?? [],
  }));
  return { global, subs };
}

const words = (flags: readonly Flag[]): string => flags.flatMap((f) => [f.long, ...(f.short ? [f.short] : [])]).join(' ');
const withValue = (flags: readonly Flag[], kind?: 'file'): string[] =>
  flags.filter((f) => (kind ? f.value === kind : f.value !== undefined)).flatMap((f) => [f.long, ...(f.short ? [f.short] : [])]);

function bash(program: Command): string {
  const { global, subs } = describeProgram(program);
  const allFlags = [...global, ...subs.flatMap((s) => s.flags)];
  const valued = [...new Set(withValue(allFlags))].join('|');
  const files = [...new Set(withValue(allFlags, 'file'))].join('|');
  const cases = subs
    .map((s) => {
      const choices = s.choices.length ? `\n      [[ $cur != -* && $nargs -eq 0 ]] && words="${s.choices.join(' ')}"` : '';
      return `    ${s.name})\n      words="${words(s.flags)}"${choices}\n      ;;`;
    })
    .join('\n');
  return `# bash completion for announcer: source <(announcer completion bash)
_announcer() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev=""
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  case "$prev" in
    ${files || '--no-such-flag'}) compopt -o filenames 2>/dev/null; COMPREPLY=( $(compgen -f -- "$cur") ); return 0 ;;
    ${valued || '--no-such-flag'}) return 0 ;;
  esac
  # The subcommand: the first word that is neither a flag nor a flag's value.
  local i cmd="" nargs=0
  for (( i = 1; i < COMP_CWORD; i++ )); do
    case "\${COMP_WORDS[i]}" in
      ${valued || '--no-such-flag'}) (( i++ )) ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd="\${COMP_WORDS[i]}"; else (( nargs++ )); fi ;;
    esac
  done
  local words
  case "$cmd" in
    "")
      if [[ $cur == -* ]]; then words="${words(global)}"; else words="${subs.map((s) => s.name).join(' ')}"; fi
      ;;
${cases}
    *) return 0 ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -F _announcer announcer
`;
}

/** Text safe inside a zsh single-quoted spec: no quotes, brackets or colons, one short line. */
function zshText(s: string): string {
  let first = (s.split(/\.\s|;\s|\n|: /)[0] ?? '').replace(/\.$/, '');
  if ((first.match(/\(/g) ?? []).length > (first.match(/\)/g) ?? []).length) first = first.slice(0, first.lastIndexOf('(')).trim();
  return first.replace(/['"`\\$[\]:]/g, '').replace(/\s+/g, ' ').trim().slice(0, 80);
}

function zshFlag(f: Flag): string {
  const desc = zshText(f.description);
  const value = f.value === 'file' ? ':file:_files' : f.value === 'text' ? `:${f.long.slice(2)}: ` : '';
  // Several times where it can repeat (--next-hop, --community): commander collects them.
  const spec = `[${desc}]${value}`;
  return f.short ? `'(${f.short} ${f.long})'{${f.short},${f.long}}'${spec}'` : `'*${f.long}${spec}'`;
}

function zsh(program: Command): string {
  const { global, subs } = describeProgram(program);
  const cases = subs
    .map((s) => {
      const args = [...s.flags.map(zshFlag), ...(s.choices.length ? [`'1:${s.name}:(${s.choices.join(' ')})'`] : [])];
      return `        ${s.name})\n          _arguments -s \\\n            ${args.join(' \\\n            ')}\n          ;;`;
    })
    .join('\n');
  return `#compdef announcer
# zsh completion for announcer: source <(announcer completion zsh), or save as _announcer on $fpath.
_announcer() {
  local curcontext="$curcontext" state line
  local -a commands
  commands=(
${subs.map((s) => `    '${s.name}:${zshText(s.description)}'`).join('\n')}
  )
  _arguments -C \\
    ${global.map(zshFlag).join(' \\\n    ')} \\
    '1: :->command' \\
    '*:: :->args'
  case $state in
    command) _describe -t commands 'announcer command' commands ;;
    args)
      case $line[1] in
${cases}
      esac
      ;;
  esac
}
if [[ $zsh_eval_context[-1] == loadautoload ]]; then
  _announcer "$@"
else
  compdef _announcer announcer
fi
`;
}

function completionScript(program: Command, shell: Shell): string {
  return shell === 'bash' ? bash(program) : zsh(program);
}

export function registerCompletion(program: Command, ctx: CommandContext): void {
  program
    .command('completion')
    .description('print the shell completion script for bash or zsh')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(SHELLS))
    .addHelpText(
      'after',
      `
  bash: source <(announcer completion bash)    (or save it as /etc/bash_completion.d/announcer)
  zsh:  source <(announcer completion zsh)     (or save it as _announcer in a directory on $fpath)`,
    )
    .action((shell: Shell) => {
      ctx.io.stdout.write(completionScript(program, shell));
    });
}
