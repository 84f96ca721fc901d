# Sourced by every script: finds Java and Maven, and holds the JVM flags of every JVM we launch.
# The same flags are the root pom's <ipcq.jvm.flags> (used by the tests): change both together.

IPCQ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

ipcq_java() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        echo "$JAVA_HOME/bin/java"
    elif command -v java >/dev/null 2>&1; then
        command -v java
    else
        echo "ipcq: no java found: install a JDK 17+ or set JAVA_HOME" >&2
        return 1
    fi
}

ipcq_java_feature() {
    # The JDK's release file answers without starting a JVM (that costs 100 ms or more on every launch).
    local release feature
    release="$(dirname "$(readlink -f "$1")")/../release"
    if [ -r "$release" ]; then
        feature="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" | head -1)"
        if [ -n "$feature" ] && [ "$feature" != 1 ]; then
            echo "$feature"
            return
        fi
    fi
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1
}

ipcq_jvm_flags() {
    local java="$1"
    local flags=(
        --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
        --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
        --add-exports java.base/sun.nio.ch=ALL-UNNAMED
        --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
        --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
        --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
        --add-opens java.base/java.lang=ALL-UNNAMED
        --add-opens java.base/java.lang.reflect=ALL-UNNAMED
        --add-opens java.base/java.io=ALL-UNNAMED
        --add-opens java.base/java.util=ALL-UNNAMED
        --add-opens java.base/java.nio=ALL-UNNAMED
        --add-opens java.base/sun.nio.ch=ALL-UNNAMED
        -Dchronicle.analytics.disable=true
        -Dchronicle.announcer.disable=true
    )
    local feature
    feature="$(ipcq_java_feature "$java")"
    if [ -n "$feature" ] && [ "$feature" -ge 24 ] 2>/dev/null; then
        flags+=(--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)
    fi
    printf '%s\n' "${flags[@]}"
}

ipcq_mvn() {
    if ! command -v mvn >/dev/null 2>&1; then
        echo "ipcq: Maven (mvn) is needed to build ipcq: install it first" >&2
        return 1
    fi
    (cd "$IPCQ_ROOT" && mvn -B -q -Dstyle.color=never "$@")
}

# Prints the classpath of ipc-tools (its jar plus target/lib), building it first if it was never built or if
# any source is newer than the jar.
ipcq_tools_stale() {
    local jar="$1"
    [ ! -f "$jar" ] || [ -n "$(find "$IPCQ_ROOT/ipc-core/src/main" "$IPCQ_ROOT/ipc-bridge/src/main" \
        "$IPCQ_ROOT/ipc-tools/src/main" "$IPCQ_ROOT/pom.xml" "$IPCQ_ROOT/ipc-core/pom.xml" \
        "$IPCQ_ROOT/ipc-bridge/pom.xml" "$IPCQ_ROOT/ipc-tools/pom.xml" \
        -newer "$jar" -type f 2>/dev/null | head -1)" ]
}

ipcq_tools_classpath() {
    local jar="$IPCQ_ROOT/ipc-tools/target/ipc-tools-0.1.0-SNAPSHOT.jar"
    if ipcq_tools_stale "$jar"; then
        mkdir -p "$IPCQ_ROOT/ipc-tools/target"
        # One build at a time: launches that start together wait for the first one's build instead of racing it.
        exec 9>"$IPCQ_ROOT/ipc-tools/target/.build.lock"
        flock 9
        if ipcq_tools_stale "$jar"; then
            echo "ipcq: building ipc-tools (first run, or sources changed)..." >&2
            ipcq_mvn -pl ipc-tools -am package -DskipTests >&2 || {
                flock -u 9
                echo "ipcq: build failed" >&2
                return 1
            }
            # The jar plugin leaves an up-to-date jar as it was: when only a module below changed (ipc-core,
            # ipc-bridge), its time would stay older than that source and every launch would build again.
            touch "$jar"
        fi
        flock -u 9
    fi
    local cp="$jar"
    local dep
    for dep in "$IPCQ_ROOT"/ipc-tools/target/lib/*.jar; do
        cp="$cp:$dep"
    done
    printf '%s\n' "$cp"
}

# nats-server (the bridge's tests run a real one: docs/bridge.md). Installs Debian's package when it is missing and
# this is root (CI); otherwise says, in one line, how to get it.
ipcq_ensure_nats_server() {
    if command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "ipcq: installing nats-server (Debian package nats-server) for the bridge's tests..." >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server; } >&2 || {
            echo "ipcq: could not install nats-server with apt-get: install it (Debian/Ubuntu package nats-server)" >&2
            return 1
        }
        return 0
    fi
    echo "ipcq: nats-server is missing: run 'sudo apt-get install nats-server' (or put a nats-server 2.9+ on PATH)" >&2
    return 1
}
