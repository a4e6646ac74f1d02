# Sourced by ./smtp-tutor and ./check: find Python 3.11+, create .venv once, keep it in step with
# pyproject.toml. Prints nothing when everything is already in place. ./smtp-tutor sets
# SMTP_TUTOR_RUN_ONLY=1: only what the tutor needs (a venv a quarter the size); ./check adds the
# test and lint tools to the same venv.
# SMTP_TUTOR_VENV: another venv; SMTP_TUTOR_EXTRAS: the extras (default dev);
# SMTP_TUTOR_CONSTRAINTS: a pip constraints file (CI: constraints/floors.txt for the oldest versions).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SMTP_TUTOR_VENV:-$root/.venv}"
extras="${SMTP_TUTOR_EXTRAS:-dev}"
[ -n "${SMTP_TUTOR_RUN_ONLY:-}" ] && [ -z "${SMTP_TUTOR_EXTRAS:-}" ] && extras=""
constraints=()
[ -n "${SMTP_TUTOR_CONSTRAINTS:-}" ] && constraints=(-c "$SMTP_TUTOR_CONSTRAINTS")

find_python() {
  for py in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$py" ] || continue
    command -v "$py" >/dev/null 2>&1 || continue
    if "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  echo "smtp-tutor needs Python 3.11 or newer; none was found on PATH." >&2
  return 1
}

stamp="$venv/.smtp-tutor-installed"  # the dev tools, or the extras asked for, are in
[ -z "$extras" ] && stamp="$venv/.smtp-tutor-installed-run"
if [ ! -x "$venv/bin/python" ]; then
  py="$(find_python)"
  echo "Setting up $venv with $py (first run only)..." >&2
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
fi
stale() {  # $1: a stamp file; true if it is missing or older than what it stands for
  [ ! -f "$1" ] || [ "$root/pyproject.toml" -nt "$1" ] \
    || { [ -n "${SMTP_TUTOR_CONSTRAINTS:-}" ] && [ "$SMTP_TUTOR_CONSTRAINTS" -nt "$1" ]; }
}
# a venv with the dev tools has everything the tutor needs too
if stale "$stamp" && { [ -n "$extras" ] || stale "$venv/.smtp-tutor-installed"; }; then
  spec="$root"
  [ -n "$extras" ] && spec="$root[$extras]"
  "$venv/bin/python" -m pip install --quiet "${constraints[@]}" -e "$spec" >&2
  touch "$stamp"
fi
export PATH="$venv/bin:$PATH"
