# shellcheck shell=bash
# ./spine run and ./spine test. Sourced by ./spine.

# The test stack lives apart from the development stack (own folder, own ports), so running the tests
# never touches a stack a developer has up, and always starts from empty topics and an empty registry.
test_stack_settings() {
  export SPINE_STACK_DIR=$SPINE_ROOT/build/test-stack
  export SPINE_KAFKA_PORT=${SPINE_TEST_KAFKA_PORT:-19092}
  export SPINE_KAFKA_SECURE_PORT=${SPINE_TEST_KAFKA_SECURE_PORT:-19094}
  export SPINE_CONTROLLER_PORT=${SPINE_TEST_CONTROLLER_PORT:-19093}
  export SPINE_REGISTRY_PORT=${SPINE_TEST_REGISTRY_PORT:-18081}
  export SPINE_REGISTRY_MGMT_PORT=${SPINE_TEST_REGISTRY_MGMT_PORT:-19081}
}

cmd_test() {
  test_stack_settings
  stack_settings
  stack_reset > /dev/null 2>&1 || true
  stack_up
  # FaultInjectionIT kills and restarts the broker and registry on purpose: no job notices from this shell.
  disown -a 2>/dev/null || true
  # Stop exactly what we started, whatever happens to the build.
  trap 'stack_down' EXIT
  log "models: unit tests of the contract and the training mechanics (Debian's /usr/bin/python3) ..."
  (cd "$SPINE_ROOT/models" && /usr/bin/python3 -m unittest discover -s tests) || die "models unit tests failed"
  (cd "$SPINE_ROOT" && mvn -B -Dstyle.color=never verify \
    "-Dspine.it.bootstrap.servers=$STACK_BOOTSTRAP_SERVERS" \
    "-Dspine.it.schema.registry.url=$STACK_REGISTRY_URL" \
    "-Dspine.it.secure.bootstrap.servers=$STACK_SECURE_BOOTSTRAP_SERVERS" \
    "-Dspine.it.security.dir=$STACK_SECURITY_DIR" \
    "-Dspine.it.stack.dir=$SPINE_STACK_DIR" "$@")
}

run_usage() {
  cat <<'USAGE'
usage: ./spine run [--studies N] [--exit-when-done] [--timeout SECONDS] [--SERVICE.KEY=VALUE ...]

Runs the whole pipeline on the local stack: brings the stack up, writes N new phantom CT studies
(build/demo, seed 1), starts producer (C-STORE receiver), segmenter, cropper, classifier and dashboard
in the background (logs in build/run/logs), sends the studies over DICOM C-STORE with dcmtk's storescu,
study by study, prints progress, and once every study has its StudyScore a table of scores and truth,
the RSNA weighted log loss and the dashboard's address.

  --studies N          studies to send (default 3)
  --exit-when-done     stop everything it started and exit 0 once the table is printed (also --exit);
                       without it the services keep running until Ctrl-C
  --timeout SECONDS    give up when the studies are not all scored in this time (default 600)
  --SERVICE.KEY=VALUE  a setting of one service (producer, segmenter, cropper, classifier, dashboard),
                       e.g. --classifier.model.card=models/other.json; --watch.* goes to the progress
                       watcher; anything else (--kafka.*, --registry.*, --topics.*) goes to all of them

Ports (environment): SPINE_DICOM_PORT (C-STORE, 11112), SPINE_DASHBOARD_PORT (8090),
SPINE_HEALTH_PORT_BASE (8091: /health of producer, segmenter, cropper, classifier on 8091..8094),
SPINE_RUN_START_TIMEOUT (seconds for the services to become healthy, 300). The dashboard's token:
DASHBOARD_TOKEN or --dashboard.token=... Ctrl-C stops the services, not the stack: ./spine stack down.
USAGE
}

run_settings() {
  RUN_DIR=$SPINE_ROOT/build/run
  RUN_DEMO=$SPINE_ROOT/build/demo
  RUN_DICOM_PORT=${SPINE_DICOM_PORT:-11112}
  RUN_DASHBOARD_PORT=${SPINE_DASHBOARD_PORT:-8090}
  local base=${SPINE_HEALTH_PORT_BASE:-8091}
  [[ $RUN_DICOM_PORT =~ ^[0-9]+$ && $RUN_DASHBOARD_PORT =~ ^[0-9]+$ && $base =~ ^[0-9]+$ ]] \
    || die "SPINE_DICOM_PORT, SPINE_DASHBOARD_PORT and SPINE_HEALTH_PORT_BASE must be port numbers"
  declare -gA RUN_HEALTH_PORT=([producer]=$base [segmenter]=$((base + 1)) [cropper]=$((base + 2))
    [classifier]=$((base + 3)) [dashboard]=$RUN_DASHBOARD_PORT)
  RUN_SERVICES=(producer segmenter cropper classifier dashboard)
  RUN_START_TIMEOUT=${SPINE_RUN_START_TIMEOUT:-300}
  # Every process ./spine run starts carries this marker, so it stops exactly those, never a process
  # that merely reuses a pid from an earlier run.
  RUN_MARKER="-Dspine.run.dir=$RUN_DIR"
  RUN_NAMES=()
}

# ./spine run: see run_usage.
cmd_run() {
  local studies=3 exit_when_done=false timeout=600 args=()
  while (($#)); do
    case $1 in
      --studies) [[ $# -ge 2 ]] || die "--studies needs a number"; studies=$2; shift 2 ;;
      --studies=*) studies=${1#--studies=}; shift ;;
      --timeout) [[ $# -ge 2 ]] || die "--timeout needs seconds"; timeout=$2; shift 2 ;;
      --timeout=*) timeout=${1#--timeout=}; shift ;;
      --exit-when-done|--exit) exit_when_done=true; shift ;;
      -h|--help) run_usage; return 0 ;;
      --*=*) args+=("$1"); shift ;;
      *) run_usage >&2; die "unknown argument for ./spine run: $1" ;;
    esac
  done
  [[ $studies =~ ^[1-9][0-9]*$ ]] || die "--studies needs a positive number, got '$studies'"
  [[ $timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout needs a positive number of seconds, got '$timeout'"
  local arg
  for arg in "${args[@]}"; do
    case ${arg%%=*} in
      --producer.scp.port|--producer.http.port|--segmenter.http.port|--cropper.http.port|--classifier.http.port|--dashboard.http.port)
        die "${arg%%=*} is set by ./spine run; choose ports with SPINE_DICOM_PORT, SPINE_HEALTH_PORT_BASE and SPINE_DASHBOARD_PORT" ;;
    esac
  done
  command -v storescu > /dev/null || die "storescu (Debian package dcmtk) is missing: run ./spine setup"

  local started=$SECONDS
  stack_settings
  run_settings
  mkdir -p "$RUN_DIR/logs" "$RUN_DIR/pids" "$RUN_DIR/state"
  run_claim
  ensure_built
  local name
  require_free_port "$RUN_DICOM_PORT" "DICOM C-STORE" SPINE_DICOM_PORT
  require_free_port "$RUN_DASHBOARD_PORT" "dashboard" SPINE_DASHBOARD_PORT
  for name in producer segmenter cropper classifier; do
    require_free_port "${RUN_HEALTH_PORT[$name]}" "$name /health" SPINE_HEALTH_PORT_BASE
  done
  stack_up > /dev/null
  log "stack up: Kafka $STACK_BOOTSTRAP_SERVERS, registry $STACK_REGISTRY_URL"

  # From here on, whatever happens (error, Ctrl-C, kill), stop what this run started, and only that.
  trap run_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  local ae_title=SPINESTREAM token=${DASHBOARD_TOKEN:-}
  for arg in "${args[@]}"; do
    case $arg in
      --producer.scp.ae.title=*) ae_title=${arg#*=} ;;
      --dashboard.token=*) token=${arg#*=} ;;
    esac
  done
  log "starting the services (logs in ${RUN_DIR#"$SPINE_ROOT/"}/logs) ..."
  run_args_for producer "${args[@]}"
  run_start producer producer serve "--producer.scp.port=$RUN_DICOM_PORT" "--producer.scp.ae.title=$ae_title" \
    "--producer.scp.spool.dir=$RUN_DIR/spool" "--producer.http.port=${RUN_HEALTH_PORT[producer]}" "${RUN_ARGS[@]}"
  for name in segmenter cropper classifier; do
    run_args_for "$name" "${args[@]}"
    run_start "$name" "$name" "--$name.http.port=${RUN_HEALTH_PORT[$name]}" "--$name.state.dir=$RUN_DIR/state/$name" \
      "${RUN_ARGS[@]}"
  done
  run_args_for dashboard "${args[@]}"
  run_start dashboard dashboard "--dashboard.http.port=$RUN_DASHBOARD_PORT" "${RUN_ARGS[@]}"

  # The studies are written while the services start (loading the models takes a while).
  local uids attempt watch_status=4 watch_pid
  for attempt in 1 2 3 4 5; do
    run_generate_studies "$studies"
    uids=$(IFS=,; echo "${RUN_STUDIES[*]}")
    ((attempt > 1)) || run_await_health
    # The watcher takes the topics' end offsets before anything is sent and counts only records after
    # them, for exactly these StudyInstanceUIDs. New studies each run (the next indices of seed 1), because
    # the services remember a study they have scored and rightly do not score it again: re-sending the same
    # UIDs would never yield a new StudyScore. With watch.require.unseen it refuses (exit 4) studies whose
    # series is already on the topic (build/demo deleted while the stack kept its data): take the next batch.
    rm -f "$RUN_DIR/watch.ready"
    run_args_for watch "${args[@]}"
    run_start watch tools watch "--watch.studies=$uids" "--watch.labels=$RUN_DEMO/train.csv" \
      "--watch.timeout.ms=$((timeout * 1000))" "--watch.ready.file=$RUN_DIR/watch.ready" \
      --watch.require.unseen=true "${RUN_ARGS[@]}"
    watch_pid=$(cat "$RUN_DIR/pids/watch.pid")
    until [[ -f $RUN_DIR/watch.ready ]] || ! run_pid_alive "$watch_pid"; do
      sleep 0.2
    done
    [[ -f $RUN_DIR/watch.ready ]] && break
    watch_status=0
    wait "$watch_pid" || watch_status=$?
    run_forget watch
    ((watch_status == 4)) || run_fail watch "the progress watcher stopped (status $watch_status)"
    log "these studies were already streamed to this stack; taking the next ones"
  done
  [[ -f $RUN_DIR/watch.ready ]] || die "5 batches of studies were all streamed before; ./spine stack reset starts afresh"

  run_send_studies "$ae_title" "${args[@]}"
  watch_status=0
  while run_pid_alive "$watch_pid"; do
    run_check_services
    sleep 1
  done
  wait "$watch_pid" || watch_status=$?
  run_forget watch
  case $watch_status in
    0) ;;
    3) run_timed_out "$timeout" "$exit_when_done" ;;
    5) die "a study got more than one StudyScore (the pipeline promises exactly one); see the table above" ;;
    *) run_fail watch "the progress watcher stopped (status $watch_status)" ;;
  esac

  local address="http://127.0.0.1:$RUN_DASHBOARD_PORT/"
  [[ -n $token ]] && address+="?token=$token"
  echo
  echo "dashboard: $address"
  [[ $watch_status == 0 ]] && log "$(run_plural "${#RUN_STUDIES[@]}" study studies) scored, $((SECONDS - started)) s after ./spine run started"
  if [[ $exit_when_done == true ]]; then
    return 0
  fi
  log "the pipeline keeps running: send more with storescu -aec $ae_title +sd +r 127.0.0.1 $RUN_DICOM_PORT DIR"
  log "Ctrl-C stops the services (the stack stays up; ./spine stack down stops it)"
  while true; do
    run_check_services
    sleep 2
  done
}

# run_args_for PROCESS ARGS...: sets RUN_ARGS to the arguments meant for one process: its own
# --PROCESS.* settings (--watch.* for the watcher), and every setting of no service (--kafka.*,
# --registry.*, --topics.*) for all of them.
run_args_for() {
  local service=$1 arg; shift
  RUN_ARGS=()
  for arg in "$@"; do
    case $arg in
      --producer.*|--segmenter.*|--cropper.*|--classifier.*|--dashboard.*|--watch.*)
        if [[ $arg == --$service.* ]]; then RUN_ARGS+=("$arg"); fi ;;
      *) RUN_ARGS+=("$arg") ;;
    esac
  done
}

# Refuses to run beside another ./spine run of this checkout; stops what a killed earlier one left behind.
run_claim() {
  local pidfile pid
  if [[ -f $RUN_DIR/run.pid ]]; then
    pid=$(cat "$RUN_DIR/run.pid")
    if [[ $pid != "$$" && -r /proc/$pid/cmdline ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q 'spine run'; then
      die "./spine run is already running (pid $pid); stop it with Ctrl-C there, or: kill $pid"
    fi
  fi
  echo "$$" > "$RUN_DIR/run.pid"
  for pidfile in "$RUN_DIR"/pids/*.pid; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    if run_pid_alive "$pid"; then
      log "stopping $(basename "$pidfile" .pid) (pid $pid), left running by an earlier ./spine run"
      run_stop_pids "$pid"
    fi
    rm -f "$pidfile"
  done
}

# run_pid_alive PID: true when PID runs and is ours: a child of this shell (also in the instant between
# fork and exec, before its command line shows the marker), or a process an earlier run started.
run_pid_alive() {
  local stat state ppid
  [[ -n $1 ]] && stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -r state ppid _ <<< "${stat##*) }"
  [[ $state != Z ]] || return 1
  [[ $ppid == "$$" ]] || tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q -- "$RUN_MARKER"
}

# run_start NAME MODULE ARGS...: the module's jar in the background, from the repository root (model
# cards are found relative to it), against the local stack; log build/run/logs/NAME.log. The watcher's
# standard output (progress and the table) goes to ours.
run_start() {
  local name=$1 module=$2 jar; shift 2
  jar=$(module_jar "$module")
  local log_file=$RUN_DIR/logs/$name.log
  if [[ $name == watch ]]; then
    run_java "$jar" "$@" 2> "$log_file" < /dev/null &
  else
    run_java "$jar" "$@" > "$log_file" 2>&1 < /dev/null &
  fi
  echo $! > "$RUN_DIR/pids/$name.pid"
  RUN_NAMES+=("$name")
}

run_java() {
  local jar=$1; shift
  cd "$SPINE_ROOT"
  KAFKA_BOOTSTRAP_SERVERS=${KAFKA_BOOTSTRAP_SERVERS:-$STACK_BOOTSTRAP_SERVERS} \
  REGISTRY_URL=${REGISTRY_URL:-$STACK_REGISTRY_URL} \
    exec java "$RUN_MARKER" -Xmx1g ${SPINE_JAVA_OPTS:-} -jar "$jar" "$@"
}

run_pid_of() {
  cat "$RUN_DIR/pids/$1.pid" 2>/dev/null || true
}

run_forget() {
  rm -f "$RUN_DIR/pids/$1.pid"
}

# Waits until every service answers /health with 200; a service that exits fails the run with its log.
run_await_health() {
  local deadline=$((SECONDS + RUN_START_TIMEOUT)) next_note=$((SECONDS + 15)) name pending=("${RUN_SERVICES[@]}")
  local waited=$SECONDS
  log "waiting for the services to be healthy (first start unpacks libtorch; up to ${RUN_START_TIMEOUT}s) ..."
  while ((${#pending[@]} > 0)); do
    local still=()
    for name in "${pending[@]}"; do
      if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${RUN_HEALTH_PORT[$name]}/health" 2>/dev/null; then
        log "$name healthy: http://127.0.0.1:${RUN_HEALTH_PORT[$name]}/health ($((SECONDS - waited)) s)"
      else
        run_pid_alive "$(run_pid_of "$name")" || run_fail "$name" "$name exited during start-up (log above)"
        still+=("$name")
      fi
    done
    pending=("${still[@]}")
    ((${#pending[@]} > 0)) || break
    ((SECONDS < deadline)) || run_fail "${pending[0]}" "not healthy after ${RUN_START_TIMEOUT}s: ${pending[*]} (SPINE_RUN_START_TIMEOUT)"
    if ((SECONDS >= next_note)); then
      log "still starting: ${pending[*]} ($((SECONDS - waited)) s)"
      next_note=$((SECONDS + 15))
    fi
    sleep 1
  done
}

# Fails the run when a service it started has exited.
run_check_services() {
  local name pid status
  for name in "${RUN_SERVICES[@]}"; do
    pid=$(run_pid_of "$name")
    if ! run_pid_alive "$pid"; then
      status=0
      wait "$pid" 2> /dev/null || status=$?
      run_fail "$name" "$name stopped unexpectedly (exit status $status)"
    fi
  done
}

# run_fail NAME MESSAGE: the end of NAME's log, then stop everything (EXIT trap) with status 1.
run_fail() {
  local log_file=$RUN_DIR/logs/$1.log
  if [[ -s $log_file ]]; then
    printf '[spine] --- last lines of %s ---\n' "${log_file#"$SPINE_ROOT/"}" >&2
    tail -n 25 "$log_file" >&2
    printf '[spine] ---\n' >&2
  fi
  die "$2"
}

run_timed_out() {
  local timeout=$1 exit_when_done=$2 name
  for name in segmenter cropper classifier; do
    printf '[spine] --- last lines of build/run/logs/%s.log ---\n' "$name" >&2
    tail -n 5 "$RUN_DIR/logs/$name.log" >&2
  done
  if [[ $exit_when_done == true ]]; then
    die "not every study was scored within ${timeout}s (--timeout); logs in ${RUN_DIR#"$SPINE_ROOT/"}/logs"
  fi
  log "not every study was scored within ${timeout}s; the services keep running so you can look (logs in ${RUN_DIR#"$SPINE_ROOT/"}/logs)"
}

# Writes N new phantom studies into build/demo: the next study indices of seed 1 (train.csv lists every
# study written so far, 0..K-1), so every run streams studies this stack has not seen. Sets RUN_STUDIES.
run_generate_studies() {
  local n=$1 first=0
  if [[ -f $RUN_DEMO/train.csv ]]; then
    first=$(($(wc -l < "$RUN_DEMO/train.csv") - 1))
  fi
  log "writing $(run_plural "$n" study studies) (synthetic CT: phantoms $first..$((first + n - 1)) of seed 1) to ${RUN_DEMO#"$SPINE_ROOT/"} ..."
  java ${SPINE_JAVA_OPTS:-} -jar "$(module_jar phantom)" --out "$RUN_DEMO" --studies "$n" --seed 1 --matrix 256 \
    --first-study "$first" > "$RUN_DIR/logs/phantom.log" 2>&1 || run_fail phantom "phantom generation failed"
  mapfile -t RUN_STUDIES < <(awk '$1 == "study" { print $3 }' "$RUN_DIR/logs/phantom.log")
  ((${#RUN_STUDIES[@]} == n)) || run_fail phantom "expected $n studies from the phantom generator"
}

# Sends each study with storescu, one association per study, as a scanner would.
run_send_studies() {
  local ae_title=$1 uid i=0 slices start total=0 inactivity=10000 arg
  shift
  for arg in "$@"; do
    [[ $arg == --producer.series.inactivity.timeout.ms=* ]] && inactivity=${arg#*=}
  done
  for uid in "${RUN_STUDIES[@]}"; do
    i=$((i + 1))
    slices=$(find "$RUN_DEMO/train_images/$uid" -name '*.dcm' | wc -l)
    start=$(date +%s%N)
    # TCP_NODELAY: without it dcmtk's small PDUs wait on Nagle's algorithm and delayed ACKs (20x slower).
    TCP_NODELAY=1 storescu -aet SPINE_RUN -aec "$ae_title" +sd +r 127.0.0.1 "$RUN_DICOM_PORT" \
      "$RUN_DEMO/train_images/$uid" >> "$RUN_DIR/logs/storescu.log" 2>&1 \
      || run_fail storescu "storescu could not send study $uid to 127.0.0.1:$RUN_DICOM_PORT"
    total=$((total + slices))
    log "sent study $i/${#RUN_STUDIES[@]} over C-STORE: $(run_short_uid "$uid"), $slices slices in $(( ($(date +%s%N) - start) / 1000000 )) ms"
    run_check_services
  done
  log "sent $(run_plural "${#RUN_STUDIES[@]}" study studies) ($total slices); waiting for their scores (the producer completes a series $((inactivity / 1000)) s after its last slice)"
}

run_plural() {  # run_plural N SINGULAR PLURAL
  if (($1 == 1)); then echo "$1 $2"; else echo "$1 $3"; fi
}

run_short_uid() {
  local uid=$1
  ((${#uid} <= 26)) && { echo "$uid"; return; }
  echo "${uid:0:13}...${uid: -10}"
}

# Stops the given pids (ours only): TERM, then KILL after 45 s (Kafka Streams may take 30 s to close).
run_stop_pids() {
  local pid deadline=$((SECONDS + 45)) alive
  for pid in "$@"; do
    run_pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null
  done
  while true; do
    alive=()
    for pid in "$@"; do
      run_pid_alive "$pid" && alive+=("$pid")
    done
    ((${#alive[@]} > 0)) || return 0
    if ((SECONDS >= deadline)); then
      log "killing ${alive[*]}: not stopped after 45 s"
      kill -KILL "${alive[@]}" 2>/dev/null
      return 0
    fi
    sleep 0.2
  done
}

run_cleanup() {
  local status=$? name pid pids=()
  # A second Ctrl-C must not leave half of the services running.
  trap '' INT TERM
  trap - EXIT
  for name in watch "${RUN_NAMES[@]}"; do
    pid=$(run_pid_of "$name")
    if run_pid_alive "$pid"; then
      pids+=("$pid")
    fi
  done
  if ((${#pids[@]} > 0)); then
    log "stopping the services (${#pids[@]} processes) ..."
    run_stop_pids "${pids[@]}"
  fi
  for name in watch "${RUN_NAMES[@]}"; do
    run_forget "$name"
  done
  rm -f "$RUN_DIR/run.pid" "$RUN_DIR/watch.ready"
  log "stopped what ./spine run started; the stack is still up (./spine stack down stops it)"
  exit "$status"
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

# Runs a module's main with the local stack's addresses as defaults (overridable by environment). With a
# configuration file (--config FILE or SPINE_CONFIG) the file names Kafka and the registry: the environment
# layer would override it, so the stack's addresses are not put there (e.g. the secure listener's
# build/stack/security/spine.properties).
run_module() {
  local module=$1 arg; shift
  stack_settings
  ensure_built
  local with_config=${SPINE_CONFIG:+yes}
  for arg in "$@"; do
    [[ $arg == --config || $arg == --config=* ]] && with_config=yes
  done
  if [[ -n $with_config ]]; then
    java ${SPINE_JAVA_OPTS:-} -jar "$(module_jar "$module")" "$@"
    return
  fi
  KAFKA_BOOTSTRAP_SERVERS=${KAFKA_BOOTSTRAP_SERVERS:-$STACK_BOOTSTRAP_SERVERS} \
  REGISTRY_URL=${REGISTRY_URL:-$STACK_REGISTRY_URL} \
    java ${SPINE_JAVA_OPTS:-} -jar "$(module_jar "$module")" "$@"
}

# ./spine replay NAME [--from ISO-8601] [--topics.prefix=LIVE] [--segmenter.model.card=X] [--classifier.model.card=Y]
#                [--key=value ...]
# Runs segmenter, cropper and classifier again over the live pipeline's slices and series (LIVE spine.slices,
# LIVE spine.series; LIVE is the live pipeline's topics.prefix, empty by default), with their own application
# ids (replay-NAME-<service>) and topics (replay-NAME.LIVE spine.*), so the live pipeline is not disturbed;
# --from positions the replay's consumer groups at that time first (tools replay-offsets). Then
# `./spine tools evaluate --evaluate.topics=LIVEspine.scores,replay-NAME.LIVEspine.scores ...` compares the
# versions side by side. Ctrl-C stops the replay; running it again resumes it. ReplayComparisonIT runs exactly
# these steps.
cmd_replay() {
  local name=${1:-}
  [[ $name =~ ^[a-zA-Z0-9_-]+$ ]] || die "usage: ./spine replay NAME [--from ISO-8601] [--topics.prefix=LIVE] [--service.key=value ...]"
  shift
  local from="" live="" args=()
  while (($#)); do
    case $1 in
      --from) from=$2; shift 2 ;;
      --from=*) from=${1#--from=}; shift ;;
      --topics.prefix=*) live=${1#--topics.prefix=}; shift ;;
      --topics.source.prefix=*) die "the replay reads the live topics under --topics.prefix; do not set --topics.source.prefix" ;;
      *) args+=("$1"); shift ;;
    esac
  done
  stack_settings
  ensure_built
  local prefix="replay-$name.$live" dir=$SPINE_ROOT/build/replay/$name
  mkdir -p "$dir"
  if [[ -n $from && ! -f $dir/.positioned ]]; then
    run_module tools replay-offsets "--replay.from=$from" \
      "--replay.groups=replay-$name-segmenter,replay-$name-cropper,replay-$name-classifier" \
      "--replay.topics=${live}spine.slices,${live}spine.series" || die "could not position the replay at $from"
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
    run_module "$service" "--topics.prefix=$prefix" "--topics.source.prefix=$live" \
      "--$service.application.id=replay-$name-$service" "--$service.state.dir=$dir/state-$service" \
      "${own[@]}" > "$dir/$service.log" 2>&1 &
    pids+=($!)
  done
  trap 'kill "${pids[@]}" 2>/dev/null; wait; log "replay $name stopped"' INT TERM EXIT
  log "replay $name running (logs in $dir); scores on ${prefix}spine.scores. Compare with:"
  log "  ./spine tools evaluate --evaluate.labels=train.csv --evaluate.topics=${live}spine.scores,${prefix}spine.scores"
  log "Ctrl-C stops it."
  wait
}

# ./spine bench all [--no-full]: every benchmark in sequence with short defaults (about 25 minutes on the
# 2-core development machine), then bench/results/SUMMARY.md: one table of each metric, its value, target and
# whether it is met, with the command, date and load average of the run it comes from. Each benchmark still
# appends its own section to its results file. A benchmark that fails is named in the summary and the others
# go on; the exit status is 1 if any failed. --no-full skips the full-size architectures.
cmd_bench_all() {
  local full=true arg
  for arg in "$@"; do
    case $arg in
      --no-full) full=false ;;
      *) die "unknown argument for ./spine bench all: $arg (only --no-full)" ;;
    esac
  done
  local since started=$SECONDS seg_full=build/full/spine-seg-b0-320.json cls_full=build/full/spine-cls-v2s-224.json
  local seg_bench=build/full/spine-seg-b0-320-bench.json
  since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  BENCH_FAILED=()
  log "bench all: started $since, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  bench_step producer producer --slices 200
  bench_step "models (shipped segmenter)" models --model models/shipped/spine-seg-b0w025-256.pt \
    --card models/shipped/spine-seg-b0w025-256.json --threads 2 --batch 1 --iterations 30
  bench_step "models (shipped classifier)" models --model models/shipped/spine-cls-plainw025-96.pt \
    --card models/shipped/spine-cls-plainw025-96.json --threads 2 --batch 1 --iterations 30
  bench_step "segmenter (shipped)" segmenter --repeat 2
  bench_step "classifier (shipped)" classifier --studies 6 --repeat 2
  bench_step "e2e (shipped)" e2e --models shipped --studies 4
  if [[ $full == true ]]; then
    if [[ ! -f $SPINE_ROOT/$seg_full || ! -f $SPINE_ROOT/$cls_full ]]; then
      log "bench all: exporting the full-size architectures (random weights) into build/full ..."
      (cd "$SPINE_ROOT/models" && /usr/bin/python3 -m spinestream_models.export --full --out "$SPINE_ROOT/build/full") \
        || BENCH_FAILED+=("export of the full-size models")
    fi
    if [[ ! -f $SPINE_ROOT/$seg_bench ]]; then
      (cd "$SPINE_ROOT/models" && /usr/bin/python3 -m spinestream_models.fullcost --out "$SPINE_ROOT/build/full") \
        || BENCH_FAILED+=("export of the full-size segmenter stand-in (fullcost)")
    fi
    bench_step "models (full segmenter)" models --model "${seg_full%.json}.pt" --card "$seg_full" --threads 2 \
      --batch 1 --iterations 5 --warmup 2
    bench_step "models (full classifier)" models --model "${cls_full%.json}.pt" --card "$cls_full" --threads 2 \
      --batch 1 --iterations 2 --warmup 1
    bench_step "segmenter (full)" segmenter --card "$seg_full" --studies 1 --repeat 1
    # Run with the services' defaults (Kafka Streams' 10 s transaction timeout): inference happens outside
    # the stream thread's transactions, so a forward pass of 6 s per vertebra must not need a longer one.
    bench_step "classifier (full)" classifier --card "$cls_full" --studies 1 --repeat 1
    bench_step "e2e (full)" e2e --models full --studies 2
  fi
  local summary=(summary --since "$since" --command "./spine bench all $*")
  for arg in "${BENCH_FAILED[@]}"; do
    summary+=(--failed "$arg")
  done
  (cd "$SPINE_ROOT" && run_module bench "${summary[@]}") || die "could not write bench/results/SUMMARY.md"
  log "bench all: done in $(( (SECONDS - started) / 60 )) min; bench/results/SUMMARY.md"
  if ((${#BENCH_FAILED[@]} > 0)); then
    die "failed: ${BENCH_FAILED[*]}"
  fi
}

# bench_step NAME ARGS...: one benchmark of bench all; a failure is recorded, and the next one runs.
bench_step() {
  local name=$1 status=0 start=$SECONDS; shift
  log "bench all: $name (./spine bench $*) ..."
  (cd "$SPINE_ROOT" && run_module bench "$@") || status=$?
  if ((status != 0)); then
    log "bench all: $name failed (exit $status)"
    BENCH_FAILED+=("$name: exit $status")
  else
    log "bench all: $name done in $((SECONDS - start)) s"
  fi
}
