#!/usr/bin/env bash
# A private RabbitMQ broker on loopback, for tests and demos (no systemd, no system cookie).
#
#   .ci/rabbitmq.sh install      install Debian's rabbitmq-server if it is missing (needs root)
#   .ci/rabbitmq.sh start DIR    start a broker whose files all live in DIR (created), on free
#                                ports of 127.0.0.1; wait until it serves AMQP; print its amqp URI
#   .ci/rabbitmq.sh start --tls DIR
#                                the same, plus a TLS listener on another free port of 127.0.0.1
#                                (the plain one stays): makes with openssl a CA (DIR/tls/ca.pem)
#                                and a server certificate for localhost and 127.0.0.1 signed by
#                                it; prints the amqps URI (DIR/uri), the plain one in DIR/amqp-uri
#   .ci/rabbitmq.sh stop DIR     stop the broker started in DIR, and its epmd; idempotent
#
# The broker runs as the calling user from /usr/lib/rabbitmq/bin (the /usr/sbin wrappers switch to
# the rabbitmq user and use the system cookie). DIR holds its HOME (with its own .erlang.cookie),
# data, logs, an empty config, its pid file, its session id and an "env" file that rabbitmqctl
# needs to reach it.
set -euo pipefail

RABBIT_BIN=/usr/lib/rabbitmq/bin

die() { echo "rabbitmq.sh: $*" >&2; exit 1; }

install_broker() {
  if [ -x "$RABBIT_BIN/rabbitmq-server" ]; then
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "rabbitmq-server is not installed; run as root: apt-get install -y rabbitmq-server"
  echo "rabbitmq.sh: installing rabbitmq-server" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >&2
  [ -x "$RABBIT_BIN/rabbitmq-server" ] || die "rabbitmq-server did not install"
}

# A port of 127.0.0.1 that nothing listens on now, in [lo, hi).
free_port() {
  local lo=$1 hi=$2 p
  for _ in $(seq 1 200); do
    p=$((lo + RANDOM % (hi - lo)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "no free port found in [$lo, $hi)"
}

ctl() {
  local dir=$1
  shift
  # shellcheck disable=SC1091
  (set -a && . "$dir/env" && "$RABBIT_BIN/rabbitmqctl" "$@")
}

# A CA and a server certificate for localhost and 127.0.0.1, in $1 (for tests: valid 7 days).
make_certificates() {
  local tls=$1
  command -v openssl >/dev/null || die "openssl is not installed: it makes the TLS certificates (apt-get install -y openssl)"
  mkdir -p "$tls"
  (
    cd "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 7 -subj "/CN=mp4j test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
      -keyout server.key -out server.csr 2>/dev/null
    printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >server.ext
    openssl x509 -req -sha256 -days 7 -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
      -extfile server.ext -out server.pem 2>/dev/null
    chmod 600 ca.key server.key
  ) || die "openssl could not make the certificates in $tls"
}

start_broker() {
  local tls=""
  if [ "${1:-}" = "--tls" ]; then
    tls=yes
    shift
  fi
  local dir=${1:?usage: rabbitmq.sh start [--tls] DIR}
  [ -x "$RABBIT_BIN/rabbitmq-server" ] || die "rabbitmq-server is not installed: run '.ci/rabbitmq.sh install' as root (or apt-get install -y rabbitmq-server)"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ ! -e "$dir/pid" ] || die "a broker may already run from $dir (remove $dir/pid if it does not)"
  mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
  if [ ! -e "$dir/home/.erlang.cookie" ]; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/home/.erlang.cookie"
    chmod 400 "$dir/home/.erlang.cookie"
  fi
  : >"$dir/rabbitmq.conf"
  local tls_port=""
  if [ -n "$tls" ]; then
    make_certificates "$dir/tls"
    tls_port=$(free_port 20000 40000)
    cat >"$dir/rabbitmq.conf" <<EOF
listeners.ssl.default = 127.0.0.1:$tls_port
ssl_options.cacertfile = $dir/tls/ca.pem
ssl_options.certfile = $dir/tls/server.pem
ssl_options.keyfile = $dir/tls/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
EOF
  fi
  : >"$dir/rabbitmq-env.conf"
  echo "[]." >"$dir/enabled_plugins"
  local node_port dist_port epmd_port name
  # The dist port stays below 55535: rabbitmqctl listens on the dist port + 10000.
  node_port=$(free_port 20000 40000)
  dist_port=$(free_port 40000 50000)
  epmd_port=$(free_port 50000 55000)
  name="mp4j$$x$RANDOM"
  # The runtime's schedulers are not bound to cores (RABBITMQ_SCHEDULER_BIND_TYPE=u, that is +stbt
  # u; RabbitMQ's scripts bind them, +stbt db): on a machine the broker shares with the tests' and
  # benchmarks' JVMs (2 cores here, CI runners), a bound scheduler cannot move off a core another
  # process is using; Erlang's erl manual (+sbt) warns that binding can cost when other processes
  # compete for the cores. Scheduler busy-waiting, which RabbitMQ's runtime guide advises to turn
  # off on shared hosts (https://www.rabbitmq.com/docs/runtime#busy-waiting), is off already:
  # rabbitmq-env passes +sbwt none +sbwtdcpu none +sbwtdio none. docs/benchmarks.md, "Round 4".
  cat >"$dir/env" <<EOF
HOME=$dir/home
RABBITMQ_NODENAME=$name@localhost
RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
RABBITMQ_NODE_PORT=$node_port
RABBITMQ_DIST_PORT=$dist_port
ERL_EPMD_PORT=$epmd_port
ERL_EPMD_ADDRESS=127.0.0.1
RABBITMQ_MNESIA_BASE=$dir/mnesia
RABBITMQ_LOG_BASE=$dir/log
RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf
RABBITMQ_CONF_ENV_FILE=$dir/rabbitmq-env.conf
RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
RABBITMQ_PID_FILE=$dir/pid
RABBITMQ_SCHEDULER_BIND_TYPE=u
RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
EOF
  # setsid: the broker outlives this script, in a session of its own.
  # Its session id (the pid setsid keeps) lets stop end it even if it failed before writing its
  # pid file. Descriptors above 2 are closed first: the broker must not keep a caller's open files
  # (a lock held with flock around this script would otherwise be held by the broker until it stops).
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    set -a && . "$dir/env" && exec setsid "$RABBIT_BIN/rabbitmq-server" >"$dir/log/console.log" 2>&1 </dev/null
  ) &
  echo $! >"$dir/session"
  local deadline=$((SECONDS + 120))
  until (exec 3<>"/dev/tcp/127.0.0.1/$node_port") 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      tail -20 "$dir/log/console.log" >&2 || true
      stop_broker "$dir" || true
      die "the broker did not open port $node_port within 120 s (log: $dir/log)"
    fi
    sleep 0.2
  done
  if ! ctl "$dir" -q await_startup --timeout 120 >&2; then
    stop_broker "$dir" || true
    die "the broker did not finish starting (log: $dir/log)"
  fi
  local uri="amqp://guest:guest@127.0.0.1:$node_port/%2F"
  echo "$uri" >"$dir/amqp-uri"
  if [ -n "$tls" ]; then
    until (exec 3<>"/dev/tcp/127.0.0.1/$tls_port") 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then
        stop_broker "$dir" || true
        die "the broker did not open its TLS port $tls_port (log: $dir/log)"
      fi
      sleep 0.2
    done
    uri="amqps://guest:guest@127.0.0.1:$tls_port/%2F"
  fi
  echo "$uri" >"$dir/uri"
  echo "$uri"
}

stop_broker() {
  local dir=${1:?usage: rabbitmq.sh stop DIR}
  [ -e "$dir/env" ] || return 0
  local epmd_port pid=""
  epmd_port=$(sed -n 's/^ERL_EPMD_PORT=//p' "$dir/env")
  [ -e "$dir/pid" ] && pid=$(cat "$dir/pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    ctl "$dir" -q stop "$dir/pid" >/dev/null 2>&1 || true
    # rabbitmqctl stop waits for the process; if it could not reach the node, end it by its pid.
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # Whatever is left of the broker's session: all of it when the start failed before the pid file.
  local session=""
  [ -e "$dir/session" ] && session=$(cat "$dir/session" 2>/dev/null || true)
  if [ -n "$session" ] && kill -0 -- "-$session" 2>/dev/null; then
    kill -TERM -- "-$session" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$session" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$session" 2>/dev/null || true
  fi
  rm -f "$dir/session"
  if [ -n "$epmd_port" ]; then
    (ERL_EPMD_ADDRESS=127.0.0.1 epmd -port "$epmd_port" -kill >/dev/null 2>&1) || true
    if [ -z "$pid" ]; then
      # A broker stopped while starting may have launched its epmd a moment before it died.
      sleep 1
      (ERL_EPMD_ADDRESS=127.0.0.1 epmd -port "$epmd_port" -kill >/dev/null 2>&1) || true
    fi
  fi
  rm -f "$dir/pid"
}

case "${1:-}" in
  install) install_broker ;;
  start) shift; start_broker "$@" ;;
  stop) stop_broker "${2:-}" ;;
  *) die "usage: rabbitmq.sh install | start [--tls] DIR | stop DIR" ;;
esac
