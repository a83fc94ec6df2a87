#!/usr/bin/env bash
# Install the system packages the readers need (Debian/Ubuntu), idempotently.
#   libreoffice-writer-nogui  legacy .doc/.wps -> .docx (extractors/legacy.py), fixture PDFs
#   libreoffice-calc-nogui    legacy .xls -> .xlsx (extractors/legacy.py)
#   fonts-noto-cjk            Chinese glyphs when LibreOffice renders PDFs
#   poppler-utils             pdftotext/pdftoppm for inspecting PDFs
#   chromium                  headless: the brief's PDF (warehouse/brief.py), its screenshot and DOM in tests
#   chromium-driver           Selenium's driver for chromium: the `gongkai review` browser tests
# Safe to run again: packages already installed are skipped, and apt-get update runs only
# when something is missing. Works as root (CI) or through sudo when available.
set -euo pipefail

PACKAGES=(libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk poppler-utils chromium chromium-driver)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-system-deps: all present (${PACKAGES[*]})"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install-system-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
fi

echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Wait for the dpkg lock rather than fail when another apt run is in progress.
APT=(apt-get -o DPkg::Lock::Timeout=600)
"${SUDO[@]}" "${APT[@]}" update -qq
"${SUDO[@]}" "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}"

if command -v soffice >/dev/null 2>&1; then
    echo "install-system-deps: soffice at $(command -v soffice)"
fi
