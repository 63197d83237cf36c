# bash completion for hl2tpctl (installed as /usr/share/bash-completion/completions/hl2tpctl).
# Commands, levels, options and states as src/ctl/hl2tpctl.cpp defines them; tests/e2e/
# test_ctl_completion.py checks these words against `hl2tpctl ... --help` so that they keep up.
# Tunnel and session IDs are asked of the running daemon, when it answers.

# The options every command takes (hl2tpctl passes them through to the top level).
_hl2tpctl_global_options="-s --socket --json -h --help"

# Local IDs from a `show tunnel` or `show session` table: column $1 of the tunnels, or the
# sessions' column 2. Nothing when the daemon does not answer.
_hl2tpctl_ids() {  # socket, column, show arguments...
  local socket=$1 column=$2
  shift 2
  hl2tpctl ${socket:+--socket "$socket"} show "$@" 2>/dev/null |
    awk -v c="$column" 'NR > 1 && $c ~ /^[0-9]+$/ { print $c }'
}

_hl2tpctl() {
  local cur prev
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}

  # The command so far ("show tunnel"), the words after it, and the socket named on the line.
  local path="" socket="" i word
  local -a args=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    case $word in
      -s | --socket)
        socket=${COMP_WORDS[i + 1]}
        ((i++))
        ;;
      --tunnel | --peer | --state | --session | --limit | --count | --tunnels) ((i++)) ;;
      -*) ;;
      *)
        case "$path:$word" in
          :show | :clear | :request | :call | show:summary | show:tunnel | show:session | \
            show:statistics | clear:tunnel | clear:session | request:restart | request:shutdown)
            path=${path:+$path }$word
            ;;
          *) args+=("$word") ;;
        esac
        ;;
    esac
  done

  local words="" options=$_hl2tpctl_global_options
  case $prev in
    -s | --socket)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    --state)
      case $path in
        "show tunnel") words="idle wait-ctl-reply wait-ctl-conn established closing stopped dead" ;;
        "show session") words="wait-tunnel wait-reply wait-connect wait-cs-answer established closed" ;;
      esac
      mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
      return
      ;;
    --tunnel)
      mapfile -t COMPREPLY < <(compgen -W "$(_hl2tpctl_ids "$socket" 1 tunnel)" -- "$cur")
      return
      ;;
    --peer | --session | --limit | --count | --tunnels)
      return
      ;;
  esac

  case $path in
    "") words="show clear request call" options="$options --version" ;;
    show) words="summary tunnel session statistics" ;;
    "show tunnel")
      [ ${#args[@]} -eq 0 ] && words="brief detail extensive"
      options="$options --tunnel --peer --state"
      ;;
    "show session")
      [ ${#args[@]} -eq 0 ] && words="brief detail extensive"
      options="$options --limit --tunnel --session --state"
      ;;
    clear) words="tunnel session" ;;
    "clear tunnel")
      [ ${#args[@]} -eq 0 ] && words=$(_hl2tpctl_ids "$socket" 1 tunnel)
      ;;
    "clear session")
      case ${#args[@]} in
        0) words=$(_hl2tpctl_ids "$socket" 1 tunnel) ;;
        1) words=$(_hl2tpctl_ids "$socket" 2 session --tunnel "${args[0]}") ;;
      esac
      ;;
    request) words="restart shutdown" ;;
    "request shutdown") options="$options --clear" ;;
    call) options="$options --count --tunnels" ;;
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
  fi
}
complete -F _hl2tpctl hl2tpctl
