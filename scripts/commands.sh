# shellcheck shell=bash
# ./spine run and ./spine test. Sourced by ./spine.

# The test stack lives apart from the development stack (own folder, own ports), so running the tests
# never touches a stack a developer has up, and always starts from empty topics and an empty registry.
test_stack_settings() {
  export SPINE_STACK_DIR=$SPINE_ROOT/build/test-stack
  export SPINE_KAFKA_PORT=${SPINE_TEST_KAFKA_PORT:-19092}
  export SPINE_CONTROLLER_PORT=${SPINE_TEST_CONTROLLER_PORT:-19093}
  export SPINE_REGISTRY_PORT=${SPINE_TEST_REGISTRY_PORT:-18081}
  export SPINE_REGISTRY_MGMT_PORT=${SPINE_TEST_REGISTRY_MGMT_PORT:-19081}
}

cmd_test() {
  test_stack_settings
  stack_settings
  stack_reset > /dev/null 2>&1 || true
  stack_up
  # Stop exactly what we started, whatever happens to the build.
  trap 'stack_down' EXIT
  (cd "$SPINE_ROOT" && mvn -B -Dstyle.color=never verify \
    "-Dspine.it.bootstrap.servers=$STACK_BOOTSTRAP_SERVERS" \
    "-Dspine.it.schema.registry.url=$STACK_REGISTRY_URL" "$@")
}

cmd_run() {
  stack_up
  ensure_built
  local demo=$SPINE_ROOT/build/demo
  if [[ ! -f $demo/train.csv ]]; then
    log "writing 3 synthetic CT studies (phantoms) to $demo ..."
    java -jar "$(module_jar phantom)" --out "$demo" --studies 3 --seed 1 --matrix 256 > /dev/null \
      || die "phantom generation failed"
  fi
  log "ingesting them with the producer (files -> $STACK_BOOTSTRAP_SERVERS) ..."
  run_module producer ingest "$demo/train_images"
  log "done: slices are on spine.slices, series manifests on spine.series, e.g."
  log "  kcat -b $STACK_BOOTSTRAP_SERVERS -C -t spine.series -e -f '%k\\n'"
  log "not built yet: segmenter, cropper, classifier and the dashboard (issues 4-7)."
  log "stop the stack with: ./spine stack down"
}

# Builds the modules' runnable jars when a source or pom is newer than the last build.
ensure_built() {
  local stamp=$SPINE_ROOT/build/.built
  if [[ -f $stamp ]] && [[ -z $(find "$SPINE_ROOT" -path "$SPINE_ROOT/build" -prune -o \
      \( -path '*/src/main/*' -o -name pom.xml \) -newer "$stamp" -print -quit) ]]; then
    return 0
  fi
  log "building (mvn package) ..."
  (cd "$SPINE_ROOT" && mvn -q -B -Dstyle.color=never -DskipTests package) || die "build failed"
  mkdir -p "$SPINE_ROOT/build"
  touch "$stamp"
}

module_jar() {
  local jar
  jar=$(ls "$SPINE_ROOT/$1"/target/spine-"$1"-*.jar 2>/dev/null | grep -v -E -- '-(tests|sources)\.jar$' | head -n 1)
  [[ -n $jar ]] || die "no jar for module $1; run ./spine build"
  echo "$jar"
}

# Runs a module's main with the local stack's addresses as defaults (overridable by environment).
run_module() {
  local module=$1; shift
  stack_settings
  ensure_built
  KAFKA_BOOTSTRAP_SERVERS=${KAFKA_BOOTSTRAP_SERVERS:-$STACK_BOOTSTRAP_SERVERS} \
  REGISTRY_URL=${REGISTRY_URL:-$STACK_REGISTRY_URL} \
    java ${SPINE_JAVA_OPTS:-} -jar "$(module_jar "$module")" "$@"
}

# ./spine replay NAME [--from ISO-8601] [--segmenter.model.card=X] [--classifier.model.card=Y] [--key=value ...]
# Runs segmenter, cropper and classifier again over the live spine.slices/spine.series, with their own
# application ids (replay-NAME-<service>) and topics (replay-NAME.spine.*), so the live pipeline is not
# disturbed; then `./spine tools evaluate --evaluate.topics=spine.scores,replay-NAME.spine.scores ...`
# compares the versions side by side. Ctrl-C stops the replay; running it again resumes it.
cmd_replay() {
  local name=${1:-}
  [[ $name =~ ^[a-zA-Z0-9_-]+$ ]] || die "usage: ./spine replay NAME [--from ISO-8601] [--service.key=value ...]"
  shift
  local from="" args=()
  while (($#)); do
    case $1 in
      --from) from=$2; shift 2 ;;
      --from=*) from=${1#--from=}; shift ;;
      *) args+=("$1"); shift ;;
    esac
  done
  stack_settings
  ensure_built
  local prefix="replay-$name." dir=$SPINE_ROOT/build/replay/$name
  mkdir -p "$dir"
  if [[ -n $from && ! -f $dir/.positioned ]]; then
    run_module tools replay-offsets "--replay.from=$from" \
      "--replay.groups=replay-$name-segmenter,replay-$name-cropper,replay-$name-classifier" \
      "--replay.topics=spine.slices,spine.series" || die "could not position the replay at $from"
    touch "$dir/.positioned"
  fi
  local pids=()
  for service in segmenter cropper classifier; do
    # Each service gets the shared flags and its own, not the other services' settings.
    local own=()
    for arg in "${args[@]}"; do
      case $arg in
        --segmenter.*|--cropper.*|--classifier.*) [[ $arg == --$service.* ]] && own+=("$arg") ;;
        *) own+=("$arg") ;;
      esac
    done
    run_module "$service" "--topics.prefix=$prefix" "--topics.source.prefix=" \
      "--$service.application.id=replay-$name-$service" "--$service.state.dir=$dir/state-$service" \
      "${own[@]}" > "$dir/$service.log" 2>&1 &
    pids+=($!)
  done
  trap 'kill "${pids[@]}" 2>/dev/null; wait; log "replay $name stopped"' INT TERM EXIT
  log "replay $name running (logs in $dir); scores on ${prefix}spine.scores. Ctrl-C stops it."
  wait
}
