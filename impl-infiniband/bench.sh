#!/usr/bin/env bash
# The ib transport benchmark (the software verbs allowed by -Dunderstudy.ib.software=true; jvm and tcp fabrics): builds impl-infiniband and its test classes, then runs
# io.understudy.transport.ib.bench.IbBenchmark [roundTrips] [streamFrames] from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -o -q -pl impl-infiniband -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt \
    -Dmdep.includeScope=test
exec java -Xmx512m --enable-native-access=ALL-UNNAMED -Dunderstudy.ib.software=true ${BENCH_JAVA_OPTS:-} \
    -cp "impl-infiniband/target/test-classes:impl-infiniband/target/classes:$(cat impl-infiniband/target/bench-classpath.txt)" \
    io.understudy.transport.ib.bench.IbBenchmark "$@"
