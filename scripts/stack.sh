# shellcheck shell=bash
# The local development stack: a single-node KRaft Apache Kafka broker and Apicurio Registry
# (Confluent-compatible API), each its own JVM on 127.0.0.1, with data and logs under $SPINE_STACK_DIR.
# Sourced by ./spine; everything here is a function, nothing runs on load.
#
# Settings (environment, with defaults):
#   SPINE_STACK_DIR            state folder (data, logs, pid files)      build/stack
#   SPINE_KAFKA_PORT           broker PLAINTEXT listener                 9092
#   SPINE_KAFKA_SECURE_PORT    broker SASL_SSL listener (SCRAM-SHA-512)  9094
#   SPINE_CONTROLLER_PORT      KRaft controller listener                 9093
#   SPINE_REGISTRY_PORT        registry HTTP port                        8081
#   SPINE_REGISTRY_MGMT_PORT   registry management (health) port         9081
#   SPINE_KAFKA_HEAP           broker heap                               512m
#   SPINE_REGISTRY_HEAP        registry heap                             384m
#   SPINE_STACK_TIMEOUT        seconds to wait for readiness             90

stack_settings() {
  SPINE_STACK_DIR=${SPINE_STACK_DIR:-$SPINE_ROOT/build/stack}
  SPINE_KAFKA_PORT=${SPINE_KAFKA_PORT:-9092}
  SPINE_KAFKA_SECURE_PORT=${SPINE_KAFKA_SECURE_PORT:-9094}
  SPINE_CONTROLLER_PORT=${SPINE_CONTROLLER_PORT:-9093}
  SPINE_REGISTRY_PORT=${SPINE_REGISTRY_PORT:-8081}
  SPINE_REGISTRY_MGMT_PORT=${SPINE_REGISTRY_MGMT_PORT:-9081}
  SPINE_KAFKA_HEAP=${SPINE_KAFKA_HEAP:-512m}
  SPINE_REGISTRY_HEAP=${SPINE_REGISTRY_HEAP:-384m}
  SPINE_STACK_TIMEOUT=${SPINE_STACK_TIMEOUT:-90}
  STACK_DIST=$SPINE_ROOT/build/stack-dist
  STACK_BOOTSTRAP_SERVERS=127.0.0.1:$SPINE_KAFKA_PORT
  STACK_SECURE_BOOTSTRAP_SERVERS=127.0.0.1:$SPINE_KAFKA_SECURE_PORT
  STACK_SECURITY_DIR=$SPINE_STACK_DIR/security
  # The SCRAM user of the secure listener; its password is generated at first start (security/kafka.password).
  STACK_SCRAM_USER=spine
  STACK_REGISTRY_URL=http://127.0.0.1:$SPINE_REGISTRY_PORT/apis/ccompat/v7
  # Every process we start carries this marker, so `down` stops exactly what `up` started, never a
  # broker that merely reuses the pid.
  STACK_MARKER="-Dspine.stack.dir=$SPINE_STACK_DIR"
}

stack_fetch_dist() {
  if [[ -f $STACK_DIST/.complete ]]; then return 0; fi
  log "resolving the Kafka broker and Apicurio Registry from Maven Central (once) ..."
  rm -rf "$STACK_DIST"
  mvn -q -B -Dstyle.color=never -f "$SPINE_ROOT/stack/pom.xml" package -Dstack.dist.dir="$STACK_DIST" \
    || die "could not resolve the local stack with Maven (see the output above)"
  touch "$STACK_DIST/.complete"
}

# pid_alive FILE: true when the pid in FILE runs and is one of ours.
pid_alive() {
  local pid
  [[ -f $1 ]] || return 1
  pid=$(cat "$1")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$STACK_MARKER"
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

require_free_port() {
  port_free "$1" || die "port $1 ($2) is already in use; set $3 to a free port"
}

kafka_write_config() {
  local conf=$SPINE_STACK_DIR/kafka/server.properties
  mkdir -p "$SPINE_STACK_DIR/kafka/data" "$SPINE_STACK_DIR/logs"
  local protocol_map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
  cat > "$conf" <<PROPS
# Written by ./spine stack up; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$SPINE_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$SPINE_KAFKA_PORT,SASL_SSL://127.0.0.1:$SPINE_KAFKA_SECURE_PORT,CONTROLLER://127.0.0.1:$SPINE_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$SPINE_KAFKA_PORT,SASL_SSL://127.0.0.1:$SPINE_KAFKA_SECURE_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocol_map
log.dirs=$SPINE_STACK_DIR/kafka/data
# Topics are created by the services with explicit settings; a typo must not create a topic.
auto.create.topics.enable=false
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=12
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Slices of 1024x1024 int16 are 2 MiB; the broker must accept topics configured for them.
message.max.bytes=4194304
replica.fetch.max.bytes=4194304
# The default 128 MiB dedupe buffer does not fit a small heap.
log.cleaner.dedupe.buffer.size=16777216
PROPS
  # The secure listener: TLS with the stack's own CA, SCRAM-SHA-512 users from the cluster metadata (the user is
  # added when the storage is formatted). No authorizer: an authenticated user may do anything, as on PLAINTEXT.
  cat >> "$conf" <<PROPS
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.location=$STACK_SECURITY_DIR/server.p12
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.password=$(cat "$STACK_SECURITY_DIR/store.password")
listener.name.sasl_ssl.ssl.key.password=$(cat "$STACK_SECURITY_DIR/store.password")
PROPS
  chmod 600 "$conf"
  cat > "$SPINE_STACK_DIR/kafka/log4j2.properties" <<PROPS
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$SPINE_STACK_DIR/logs/kafka.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.state.name=state.change.logger
logger.state.level=WARN
PROPS
}

# The secure listener's files, made once with the JDK's keytool and kept across `down`/`up` and `reset`
# (delete the folder to make new ones): a CA, the server's key and certificate for 127.0.0.1/localhost signed by
# it, a client trust store, the SCRAM user's password, and ready-made client settings. Passwords are random.
stack_security_files() {
  local dir=$STACK_SECURITY_DIR
  [[ -f $dir/.complete ]] && return 0
  command -v keytool > /dev/null || die "keytool (the JDK's) is missing: it makes the secure listener's certificates"
  log "making the secure listener's CA, certificate and credentials (once) in $dir ..."
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod 700 "$dir"
  local pw kt=(keytool -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC)
  (umask 077
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$dir/store.password"
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$dir/kafka.password")
  pw=$(cat "$dir/store.password")
  {
    # EC keys: generated in milliseconds, where RSA would slow the first start.
    "${kt[@]}" -genkeypair -alias ca -keyalg EC -groupname secp256r1 -dname "CN=SpineStream local stack CA" \
      -ext bc:c -validity 3650 -keystore "$dir/ca.p12" -storetype PKCS12 -storepass "$pw"
    "${kt[@]}" -exportcert -alias ca -keystore "$dir/ca.p12" -storepass "$pw" -rfc -file "$dir/ca.pem"
    "${kt[@]}" -genkeypair -alias server -keyalg EC -groupname secp256r1 -dname "CN=localhost" -validity 3650 \
      -keystore "$dir/server.p12" -storetype PKCS12 -storepass "$pw"
    "${kt[@]}" -certreq -alias server -keystore "$dir/server.p12" -storepass "$pw" -file "$dir/server.csr"
    # Clients check the host name against the certificate: 127.0.0.1 is what the listener advertises.
    "${kt[@]}" -gencert -alias ca -keystore "$dir/ca.p12" -storepass "$pw" -infile "$dir/server.csr" \
      -outfile "$dir/server.pem" -rfc -validity 3650 -ext SAN=ip:127.0.0.1,dns:localhost
    "${kt[@]}" -importcert -alias ca -file "$dir/ca.pem" -keystore "$dir/server.p12" -storepass "$pw" -noprompt
    "${kt[@]}" -importcert -alias server -file "$dir/server.pem" -keystore "$dir/server.p12" -storepass "$pw"
    "${kt[@]}" -importcert -alias ca -file "$dir/ca.pem" -keystore "$dir/truststore.p12" -storetype PKCS12 \
      -storepass "$pw" -noprompt
  } > "$dir/keytool.log" 2>&1 || die "keytool failed making the secure listener's certificates: $dir/keytool.log"
  rm -f "$dir/server.csr"
  touch "$dir/.complete"
}

# Client settings for the secure listener: SpineStream's (--config) and Java clients'. None for kcat: Debian 12's
# librdkafka (2.0.2) cannot do SCRAM with Kafka 4 brokers (fixed in librdkafka 2.6.1, confluentinc/librdkafka#4895).
stack_security_client_files() {
  local dir=$STACK_SECURITY_DIR pw
  pw=$(cat "$dir/store.password")
  (umask 077
    cat > "$dir/spine.properties" <<PROPS
# SpineStream settings for the local stack's SASL_SSL listener: ./spine SERVICE ... --config $dir/spine.properties
kafka.bootstrap.servers=$STACK_SECURE_BOOTSTRAP_SERVERS
kafka.security.protocol=SASL_SSL
kafka.sasl.mechanism=SCRAM-SHA-512
kafka.sasl.username=$STACK_SCRAM_USER
kafka.sasl.password.file=$dir/kafka.password
kafka.ssl.truststore.location=$dir/truststore.p12
kafka.ssl.truststore.type=PKCS12
kafka.ssl.truststore.password=$pw
registry.url=$STACK_REGISTRY_URL
PROPS
    cat > "$dir/client.properties" <<PROPS
# Java Kafka clients (kafka-console-consumer.sh --consumer.config, ...) on the local stack's SASL_SSL listener.
bootstrap.servers=$STACK_SECURE_BOOTSTRAP_SERVERS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$STACK_SCRAM_USER" password="$(cat "$dir/kafka.password")";
ssl.truststore.location=$dir/truststore.p12
ssl.truststore.type=PKCS12
ssl.truststore.password=$pw
PROPS
  )
}

# A broker formatted before the secure listener existed has no SCRAM user: add it once, through the PLAINTEXT
# listener. New stacks get it at format time and skip this.
kafka_ensure_scram_user() {
  [[ -f $SPINE_STACK_DIR/kafka/.scram-user ]] && return 0
  log "adding the SCRAM user '$STACK_SCRAM_USER' to a broker formatted without it (once) ..."
  java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$STACK_DIST/kafka-libs/*" \
    kafka.admin.ConfigCommand --bootstrap-server "$STACK_BOOTSTRAP_SERVERS" --alter \
    --add-config "SCRAM-SHA-512=[password=$(cat "$STACK_SECURITY_DIR/kafka.password")]" \
    --entity-type users --entity-name "$STACK_SCRAM_USER" > "$SPINE_STACK_DIR/logs/kafka-scram.log" 2>&1 \
    || die "could not add the SCRAM user: $SPINE_STACK_DIR/logs/kafka-scram.log"
  touch "$SPINE_STACK_DIR/kafka/.scram-user"
}

kafka_java_command() {
  KAFKA_JAVA=(java "-Xmx$SPINE_KAFKA_HEAP" -Xms128m -XX:+UseSerialGC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$SPINE_STACK_DIR/kafka/log4j2.properties" "$STACK_MARKER"
    -cp "$STACK_DIST/kafka-libs/*")
}

kafka_start() {
  local conf=$SPINE_STACK_DIR/kafka/server.properties
  stack_security_files
  stack_security_client_files
  kafka_write_config
  kafka_java_command
  if [[ ! -f $SPINE_STACK_DIR/kafka/data/meta.properties ]]; then
    local cluster_id
    cluster_id=$("${KAFKA_JAVA[@]}" kafka.tools.StorageTool random-uuid | tail -n 1)
    # The secure listener's user is created here, in the first metadata records: no extra start-up step.
    "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$conf" \
      --add-scram "SCRAM-SHA-512=[name=$STACK_SCRAM_USER,password=$(cat "$STACK_SECURITY_DIR/kafka.password")]" \
      > "$SPINE_STACK_DIR/logs/kafka-format.log" 2>&1 \
      || die "formatting Kafka storage failed: $SPINE_STACK_DIR/logs/kafka-format.log"
    touch "$SPINE_STACK_DIR/kafka/.scram-user"
  fi
  : > "$SPINE_STACK_DIR/logs/kafka.log"
  # setsid: the broker outlives this script and ignores Ctrl-C meant for a later foreground command.
  setsid "${KAFKA_JAVA[@]}" kafka.Kafka "$conf" > "$SPINE_STACK_DIR/logs/kafka.out" 2>&1 < /dev/null &
  echo $! > "$SPINE_STACK_DIR/kafka.pid"
}

registry_start() {
  mkdir -p "$SPINE_STACK_DIR/registry" "$SPINE_STACK_DIR/logs"
  local runner
  runner=$(ls "$STACK_DIST"/apicurio/apicurio-registry-app-*-runner.jar)
  # H2 on a file, not in memory: schema ids must survive `down`/`up` as long as the topics that cite them.
  setsid java "-Xmx$SPINE_REGISTRY_HEAP" -XX:+UseSerialGC "$STACK_MARKER" \
    -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$SPINE_REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 "-Dquarkus.management.port=$SPINE_REGISTRY_MGMT_PORT" \
    "-Dquarkus.datasource.jdbc.url=jdbc:h2:file:$SPINE_STACK_DIR/registry/registry_db" \
    -Dquarkus.log.console.format='%d{HH:mm:ss} %-5p [%c{2.}] %s%e%n' \
    -jar "$runner" > "$SPINE_STACK_DIR/logs/registry.log" 2>&1 < /dev/null &
  echo $! > "$SPINE_STACK_DIR/registry.pid"
}

await() {  # await DESCRIPTION PIDFILE LOGFILE CHECK...
  local what=$1 pidfile=$2 logfile=$3; shift 3
  local deadline=$((SECONDS + SPINE_STACK_TIMEOUT))
  until "$@"; do
    if ! pid_alive "$pidfile"; then
      tail -n 20 "$logfile" >&2
      die "$what exited during start-up; log: $logfile"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 20 "$logfile" >&2
      die "$what not ready after ${SPINE_STACK_TIMEOUT}s; log: $logfile"
    fi
    sleep 0.2
  done
}

kafka_ready() {
  grep -q 'Kafka Server started' "$SPINE_STACK_DIR/logs/kafka.log" 2>/dev/null && ! port_free "$SPINE_KAFKA_PORT" \
    && ! port_free "$SPINE_KAFKA_SECURE_PORT"
}

registry_ready() {
  curl -fsS -o /dev/null "$STACK_REGISTRY_URL/subjects" 2>/dev/null
}

registry_set_compatibility() {
  # Topics are replayed by old and new readers alike, so every change must be FULL_TRANSITIVE compatible.
  curl -fsS -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    --data '{"compatibility":"FULL_TRANSITIVE"}' "$STACK_REGISTRY_URL/config" > /dev/null \
    || die "could not set the registry's compatibility to FULL_TRANSITIVE"
  curl -fsS "$STACK_REGISTRY_URL/config" | grep -q FULL_TRANSITIVE \
    || die "registry did not keep compatibility FULL_TRANSITIVE"
}

stack_up() {
  stack_settings
  stack_fetch_dist
  mkdir -p "$SPINE_STACK_DIR"
  local started=$SECONDS
  if pid_alive "$SPINE_STACK_DIR/kafka.pid"; then
    log "Kafka broker already running (pid $(cat "$SPINE_STACK_DIR/kafka.pid"))"
    if grep -q 'Kafka Server started' "$SPINE_STACK_DIR/logs/kafka.log" 2>/dev/null && port_free "$SPINE_KAFKA_SECURE_PORT" \
        && ! grep -q "SASL_SSL://127.0.0.1:$SPINE_KAFKA_SECURE_PORT" "$SPINE_STACK_DIR/kafka/server.properties"; then
      die "the running broker has no SASL_SSL listener on $SPINE_KAFKA_SECURE_PORT (started before it existed, or with another SPINE_KAFKA_SECURE_PORT): ./spine stack down, then up"
    fi
  else
    require_free_port "$SPINE_KAFKA_PORT" "Kafka" SPINE_KAFKA_PORT
    require_free_port "$SPINE_KAFKA_SECURE_PORT" "Kafka SASL_SSL" SPINE_KAFKA_SECURE_PORT
    require_free_port "$SPINE_CONTROLLER_PORT" "Kafka controller" SPINE_CONTROLLER_PORT
    kafka_start
  fi
  if pid_alive "$SPINE_STACK_DIR/registry.pid"; then
    log "registry already running (pid $(cat "$SPINE_STACK_DIR/registry.pid"))"
  else
    require_free_port "$SPINE_REGISTRY_PORT" "registry" SPINE_REGISTRY_PORT
    require_free_port "$SPINE_REGISTRY_MGMT_PORT" "registry management" SPINE_REGISTRY_MGMT_PORT
    registry_start
  fi
  await "Kafka broker" "$SPINE_STACK_DIR/kafka.pid" "$SPINE_STACK_DIR/logs/kafka.log" kafka_ready
  kafka_ensure_scram_user
  await "registry" "$SPINE_STACK_DIR/registry.pid" "$SPINE_STACK_DIR/logs/registry.log" registry_ready
  registry_set_compatibility
  log "stack up in $((SECONDS - started))s"
  stack_print
}

stop_pidfile() {  # stop_pidfile NAME PIDFILE
  local pid
  if ! pid_alive "$2"; then
    rm -f "$2"
    return 0
  fi
  pid=$(cat "$2")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    pid_alive "$2" || break
    sleep 0.2
  done
  if pid_alive "$2"; then
    log "$1 (pid $pid) did not stop in 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$2"
  log "stopped $1 (pid $pid)"
}

stack_down() {
  stack_settings
  # Registry first: it holds nothing the broker needs.
  stop_pidfile registry "$SPINE_STACK_DIR/registry.pid"
  stop_pidfile "Kafka broker" "$SPINE_STACK_DIR/kafka.pid"
}

stack_reset() {
  stack_down
  rm -rf "$SPINE_STACK_DIR/kafka" "$SPINE_STACK_DIR/registry" "$SPINE_STACK_DIR/logs"
  log "removed the stack's data under $SPINE_STACK_DIR"
}

stack_print() {
  local k=down r=down
  pid_alive "$SPINE_STACK_DIR/kafka.pid" && kafka_ready && k="up (pid $(cat "$SPINE_STACK_DIR/kafka.pid"))"
  pid_alive "$SPINE_STACK_DIR/registry.pid" && registry_ready && r="up (pid $(cat "$SPINE_STACK_DIR/registry.pid"))"
  echo "kafka:    $k"
  echo "registry: $r"
  echo "bootstrap.servers=$STACK_BOOTSTRAP_SERVERS"
  echo "schema.registry.url=$STACK_REGISTRY_URL"
  echo "secure.bootstrap.servers=$STACK_SECURE_BOOTSTRAP_SERVERS (SASL_SSL, SCRAM-SHA-512, user $STACK_SCRAM_USER)"
  if [[ -f $STACK_SECURITY_DIR/.complete ]]; then
    echo "  truststore: $STACK_SECURITY_DIR/truststore.p12 (PKCS12, password in store.password; CA: ca.pem)"
    echo "  password:   $STACK_SECURITY_DIR/kafka.password"
    echo "  settings:   --config $STACK_SECURITY_DIR/spine.properties (services), client.properties (Java clients)"
  fi
  echo "logs:     $SPINE_STACK_DIR/logs"
  [[ $k != down && $r != down ]]
}

stack_status() {
  stack_settings
  stack_print
}

stack_main() {
  case ${1:-} in
    up) stack_up ;;
    down) stack_down ;;
    status) stack_status ;;
    reset) stack_reset ;;
    *) die "usage: ./spine stack up|down|status|reset" ;;
  esac
}
