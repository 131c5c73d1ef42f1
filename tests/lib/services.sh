# Sourced, not run: what the scripts that start services of their own (moto, a TLS
# PostgreSQL) share. Sets up the `cleanups` array (commands run in reverse order on exit) and
# defines fail_or_skip LABEL REASON: a missing service skips the caller, except under CI=true,
# where nothing may skip.

cleanups=()
cleanup() {
  for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" || true; done
}
trap cleanup EXIT

fail_or_skip() { # fail_or_skip LABEL REASON
  if [[ ${CI:-} == true ]]; then
    echo "FAIL $1: $2 (CI=true: not skipping)" >&2
    exit 1
  fi
  echo "SKIP $1: $2" >&2
  exit 0
}

# Starts moto (tests/lib/moto.sh) or ends the caller: skipped/failed when moto cannot be had.
start_moto_or_end() { # start_moto_or_end LABEL
  # shellcheck source=tests/lib/moto.sh
  source "$(dirname "${BASH_SOURCE[0]}")/moto.sh"
  if ! start_moto; then
    [[ $MOTO_INSTALLABLE == no ]] && fail_or_skip "$1" "$MOTO_ERROR"
    echo "FAIL $1: $MOTO_ERROR" >&2
    exit 1
  fi
}
