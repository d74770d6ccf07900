#!/usr/bin/env bash
# The VI transport benchmark (docs/PERFORMANCE.md, "VI transport"): builds impl-vi and its test classes,
# then runs io.understudy.transport.vi.bench.ViBenchmark [roundTrips] [streamFrames] from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -o -q -pl impl-vi -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt \
    -Dmdep.includeScope=test
exec java -Xmx512m ${BENCH_JAVA_OPTS:-} -cp "impl-vi/target/test-classes:impl-vi/target/classes:$(cat impl-vi/target/bench-classpath.txt)" \
    io.understudy.transport.vi.bench.ViBenchmark "$@"
