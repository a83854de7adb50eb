# Shared by scripts/demo and scripts/test: a venv that works with Debian's own python3
# (PEP 668: never pip into the system) or any other build.

PY=${PYTHON:-python3}
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
APT_UPDATED=""

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        echo "need ${missing[*]} and there is no apt-get: install them by hand" >&2
        return 1
    fi
    if [ -z "$APT_UPDATED" ]; then
        $SUDO apt-get update -qq
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

ensure_venv() {
    if [ ! -x .venv/bin/python ]; then
        if ! "$PY" -c 'import ensurepip, venv' 2>/dev/null; then
            apt_install python3-venv
        fi
        "$PY" -m venv .venv
    fi
    .venv/bin/python -m pip install -q --upgrade pip
}
