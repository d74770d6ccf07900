package io.understudy.cluster;

/** The node engine's procedures with the data-access ports on TCP. */
class NodeEngineOverTcpTest extends NodeEngineProcedureTest {
    @Override
    String dataTransport() {
        return "tcp";
    }
}
