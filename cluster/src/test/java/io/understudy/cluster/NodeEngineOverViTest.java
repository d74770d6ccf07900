package io.understudy.cluster;

/**
 * The node engine's procedures with the data-access ports on the VI emulation: DAFS and pDAF are
 * discriminators on the emulated NICs at 127.0.0.11 and 127.0.0.12; a deactivated pDAF refuses requests for
 * its discriminator, as a VI provider does.
 */
class NodeEngineOverViTest extends NodeEngineProcedureTest {
    @Override
    String dataTransport() {
        return "vi";
    }
}
