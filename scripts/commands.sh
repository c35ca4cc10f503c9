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
    "-Dspine.it.bootstrap.servers=$BOOTSTRAP_SERVERS" \
    "-Dspine.it.schema.registry.url=$REGISTRY_URL" "$@")
}

cmd_run() {
  stack_up
  log "the stack is up. The producer, segmenter, cropper and classifier are not built yet (issues 3-6);"
  log "stop the stack with: ./spine stack down"
}
