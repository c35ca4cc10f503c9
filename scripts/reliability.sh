# shellcheck shell=bash
# ./spine faults and ./spine soak: the reliability suites of pipeline-it (issue 8), each on a fresh test
# stack, printing their figures. Sourced by ./spine; everything here is a function.

reliability_usage() {
  cat <<'USAGE'
usage: ./spine faults [--short|--long] [--seed N]
       ./spine soak [--minutes N] [--interval SECONDS]

faults  FaultInjectionIT: phantom studies stream through producer, segmenter, cropper and classifier
        (each its own JVM, shipped models) while each service is killed with kill -9 and restarted,
        the broker is killed and restarted and the registry is stopped for a while; then exactly one
        StudyScore per study is required. --short (default, also part of ./spine test): 6 studies, each
        fault once (about 10 min on 2 cores); --long: 16 studies, three rounds of kills, two broker
        restarts, two 45 s registry outages. --seed replays a schedule (each run prints its seed).
soak    SoakIT: a study every --interval seconds (default 12) for --minutes (default 10), then the
        backlog drains; prints RSS of every service and consumer lag over time, sent and received.
        ./spine test runs it for 2 minutes.

Both start their own test stack (build/test-stack, SPINE_TEST_* ports, as ./spine test) and stop it
afterwards; the figures are also kept in pipeline-it/target/reliability/.
USAGE
}

# reliability_run TEST PROPERTIES...: a fresh test stack, then only that pipeline IT (no unit tests).
reliability_run() {
  local test=$1; shift
  test_stack_settings
  stack_settings
  stack_reset > /dev/null 2>&1 || true
  stack_up
  # The suites kill and restart the broker and registry on purpose: no job notices from this shell.
  disown -a 2>/dev/null || true
  trap 'stack_down' EXIT
  (cd "$SPINE_ROOT" && mvn -B -Dstyle.color=never verify -pl pipeline-it -am \
    -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false \
    "-Dit.test=$test" \
    "-Dspine.it.bootstrap.servers=$STACK_BOOTSTRAP_SERVERS" \
    "-Dspine.it.schema.registry.url=$STACK_REGISTRY_URL" \
    "-Dspine.it.stack.dir=$SPINE_STACK_DIR" "$@")
}

cmd_faults() {
  local mode=short seed=""
  while (($#)); do
    case $1 in
      --short) mode=short; shift ;;
      --long) mode=long; shift ;;
      --seed) [[ $# -ge 2 ]] || die "--seed needs a number"; seed=$2; shift 2 ;;
      --seed=*) seed=${1#--seed=}; shift ;;
      -h|--help) reliability_usage; return 0 ;;
      *) reliability_usage >&2; die "unknown argument for ./spine faults: $1" ;;
    esac
  done
  local props=("-Dspine.faults.mode=$mode")
  if [[ -n $seed ]]; then
    [[ $seed =~ ^-?[0-9]+$ ]] || die "--seed needs a number, got '$seed'"
    props+=("-Dspine.faults.seed=$seed")
  fi
  reliability_run FaultInjectionIT "${props[@]}"
}

cmd_soak() {
  local minutes=10 interval=12
  while (($#)); do
    case $1 in
      --minutes) [[ $# -ge 2 ]] || die "--minutes needs a number"; minutes=$2; shift 2 ;;
      --minutes=*) minutes=${1#--minutes=}; shift ;;
      --interval) [[ $# -ge 2 ]] || die "--interval needs seconds"; interval=$2; shift 2 ;;
      --interval=*) interval=${1#--interval=}; shift ;;
      -h|--help) reliability_usage; return 0 ;;
      *) reliability_usage >&2; die "unknown argument for ./spine soak: $1" ;;
    esac
  done
  [[ $minutes =~ ^[1-9][0-9]*$ ]] || die "--minutes needs a positive number, got '$minutes'"
  [[ $interval =~ ^[1-9][0-9]*$ ]] || die "--interval needs a positive number of seconds, got '$interval'"
  reliability_run SoakIT "-Dspine.soak.minutes=$minutes" "-Dspine.soak.interval.s=$interval"
}
