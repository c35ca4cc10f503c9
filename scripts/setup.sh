# shellcheck shell=bash
# What a fresh Debian machine needs, installed on first use. The one list of system packages; .ci/run
# and every ./spine command go through ensure_setup. Sourced by ./spine.

SPINE_DEBIAN_PACKAGES=(
  openjdk-17-jdk-headless maven curl ca-certificates
  kcat                                                  # third-party Kafka client (tests, debugging)
  python3-confluent-kafka python3-avro python3-requests # Confluent's Python serde (interop tests)
)

missing_packages() {
  local package
  for package in "${SPINE_DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || echo "$package"
  done
}

ensure_setup() {
  command -v dpkg-query > /dev/null || { log "not a Debian system: install the packages in scripts/setup.sh yourself"; return 0; }
  local missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo > /dev/null || die "need root or sudo to install: ${missing[*]}"
    sudo="sudo"
  fi
  $sudo apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "could not install: ${missing[*]}"
}
