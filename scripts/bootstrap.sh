# Sourced by ./tutor and ./check: find Python 3.11+, create .venv once, keep it in step with
# pyproject.toml. Prints nothing when everything is already in place.
# SMTP_TUTOR_VENV: another venv; SMTP_TUTOR_EXTRAS: the extras (default dev);
# SMTP_TUTOR_CONSTRAINTS: a pip constraints file (CI: constraints/floors.txt for the oldest versions).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SMTP_TUTOR_VENV:-$root/.venv}"
extras="${SMTP_TUTOR_EXTRAS:-dev}"
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

stamp="$venv/.smtp-tutor-installed"
if [ ! -x "$venv/bin/python" ]; then
  py="$(find_python)"
  echo "Setting up $venv with $py (first run only)..." >&2
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
fi
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ] \
  || { [ -n "${SMTP_TUTOR_CONSTRAINTS:-}" ] && [ "$SMTP_TUTOR_CONSTRAINTS" -nt "$stamp" ]; }; then
  "$venv/bin/python" -m pip install --quiet "${constraints[@]}" -e "$root[$extras]" >&2
  touch "$stamp"
fi
export PATH="$venv/bin:$PATH"
