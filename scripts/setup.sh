#!/usr/bin/env bash
# Installs what Enpire needs on a Debian machine when it is missing: the C libraries behind the
# system-library targets, rsvg-convert (librsvg2-bin: the PNG copies of report figures), bubblewrap (the sandbox
# of `enpire agent`) and openssh-server (the fleet's ssh tests start their own sshd on loopback). Safe to run
# again: it installs nothing that is already there.
set -euo pipefail

packages=(libopenblas-dev libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev libssl-dev libgit2-dev libssh2-1-dev libchipmunk-dev pkg-config librsvg2-bin)
# Optional: without bubblewrap `enpire agent` refuses to run unless --unsandboxed, and its sandbox tests skip;
# without openssh-server (and git, which serves the repository) the fleet's ssh tests skip.
optional=(bubblewrap openssh-server git)
missing=()
for p in "${packages[@]}" "${optional[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
        required=()
        for p in "${missing[@]}"; do [[ " ${optional[*]} " == *" $p "* ]] || required+=("$p"); done
        if ((${#required[@]})); then
            echo "setup: need root (or sudo) to install ${missing[*]} with apt-get" >&2; exit 1
        fi
        echo "setup: ${missing[*]} not installed (needs root); enpire agent will need --unsandboxed" >&2
        missing=()
        sudo=()
    fi
fi
if ((${#missing[@]})); then
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
# sshd started as root needs its privilege-separation folder, which systemd creates at boot (absent in containers).
if [ -x /usr/sbin/sshd ] && [ ! -d /run/sshd ]; then
    if [ "$(id -u)" -eq 0 ]; then mkdir -p -m 0755 /run/sshd
    elif command -v sudo >/dev/null; then sudo mkdir -p -m 0755 /run/sshd || true; fi
fi

if ! command -v swift >/dev/null; then
    if [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH"
    else echo "setup: no Swift toolchain on PATH; install Swift 6.1 or newer from swift.org" >&2; exit 1; fi
fi
