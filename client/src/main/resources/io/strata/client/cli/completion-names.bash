
# Names from the server (strata __complete KIND) for the arguments that name an image, a
# container or a volume; everything else is left to the generated completion above.
_strata_kind() {
  local words=() w
  for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    [[ $w == -* ]] || words+=("$w")
  done
  case "${words[*]}" in
    "images"* | "image ls"* | "volume ls"* | "volume create"* | "ps"* | "container ls"*) ;;
    "rmi"* | "save"* | "push"* | "create"* | "container create"* | "image rm"* | "image inspect"* | \
      "image history"* | "image tag"* | "image export"*) echo images ;;
    "inspect"*) echo all ;;
    "rm"* | "diff"* | "commit"* | "export"* | "mount"* | "fs" | "container rm"* | \
      "container inspect"* | "container diff"* | "container commit"* | "container export"*) echo containers ;;
    "volume rm"* | "volume inspect"*) echo volumes ;;
  esac
}

_strata_complete_names() {
  local cur="${COMP_WORDS[COMP_CWORD]}" kind
  kind=$(_strata_kind)
  if [[ -n $kind && $cur != -* ]]; then
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$(strata __complete "$kind" 2>/dev/null)" -- "$cur"))
    [[ ${#COMPREPLY[@]} -gt 0 ]] && return 0
  fi
  _complete_strata "$@"
}

complete -F _strata_complete_names -o default strata
