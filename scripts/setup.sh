# shellcheck shell=bash
# What a fresh Debian machine needs, installed on first use. The one list of system packages; .ci/run
# and every ./spine command go through ensure_setup. Sourced by ./spine.

SPINE_DEBIAN_PACKAGES=(
  openjdk-17-jdk-headless maven curl ca-certificates
  libpixelmed-java                                      # DICOM reading, writing and C-STORE (not on Maven Central)
  kcat                                                  # third-party Kafka client (tests, debugging)
  python3-confluent-kafka python3-avro python3-requests # Confluent's Python serde (interop tests)
  dcmtk libgdcm-tools                                   # third-party DICOM encoders and senders (tests)
  python3-pydicom python3-numpy                         # pydicom's real-world test files (tests)
  python3-torch python3-torchvision                     # PyTorch: training, and the reference model tests compare to
  chromium                                              # headless browser for the dashboard test
  docker-compose                                        # validates docker-compose.yml (no engine needed)
)

# PixelMed comes from Debian; Maven takes it from the local repository under this fixed coordinate.
# The Debian jar's manifest puts ten /usr/share/java jars on any classpath it is on (an SLF4J 1 binding
# among them); the installed copy has that Class-Path removed, so the build alone decides the classpath.
PIXELMED_JAR=/usr/share/java/pixelmed.jar
PIXELMED_DEBIAN_VERSION=20220618
PIXELMED_VERSION=$PIXELMED_DEBIAN_VERSION-spine1

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
  if ((${#missing[@]} > 0)); then
    install_packages "${missing[@]}"
  fi
  ensure_pixelmed_in_maven
}

ensure_pixelmed_in_maven() {
  local repo
  repo=$(maven_local_repository)
  [[ -f $repo/com/pixelmed/pixelmed/$PIXELMED_VERSION/pixelmed-$PIXELMED_VERSION.jar ]] && return 0
  [[ -f $PIXELMED_JAR ]] || die "$PIXELMED_JAR is missing: install the Debian package libpixelmed-java"
  [[ $(readlink -f "$PIXELMED_JAR") == *"$PIXELMED_DEBIAN_VERSION"* ]] \
    || log "warning: $(readlink -f "$PIXELMED_JAR") is not the tested PixelMed $PIXELMED_DEBIAN_VERSION"
  log "installing Debian's PixelMed into the local Maven repository as com.pixelmed:pixelmed:$PIXELMED_VERSION"
  local stripped
  stripped=$(mktemp -d)/pixelmed.jar
  python3 - "$(readlink -f "$PIXELMED_JAR")" "$stripped" <<'PY' || die "could not repackage PixelMed"
import re, sys, zipfile
source, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "META-INF/MANIFEST.MF":
            text = data.decode("utf-8").replace("\r\n", "\n")
            text = re.sub(r"^Class-Path:.*\n(?: .*\n)*", "", text, flags=re.M)
            data = text.encode("utf-8")
        zout.writestr(item, data)
PY
  mvn -q -B -Dstyle.color=never org.apache.maven.plugins:maven-install-plugin:3.1.4:install-file \
    -Dfile="$stripped" -DgroupId=com.pixelmed -DartifactId=pixelmed \
    -Dversion="$PIXELMED_VERSION" -Dpackaging=jar -DgeneratePom=true \
    || die "could not install PixelMed into the local Maven repository"
  rm -rf "$(dirname "$stripped")"
}

maven_local_repository() {
  local configured
  configured=$(sed -n 's:.*<localRepository>\(.*\)</localRepository>.*:\1:p' "$HOME/.m2/settings.xml" 2>/dev/null | head -n 1)
  echo "${configured:-$HOME/.m2/repository}"
}

install_packages() {
  local missing=("$@")
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
