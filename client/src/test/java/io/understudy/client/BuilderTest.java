package io.understudy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.FailoverNaming;
import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.naming.Resolution;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Configuration mistakes are caught when the client is built, with messages that say what to do. */
class BuilderTest {

    private static final ResolverChainTest.Scripted NOWHERE = new ResolverChainTest.Scripted("nowhere",
            q -> new Resolution.NotFound(q.name(), "nowhere", Duration.ZERO));

    @Test
    void theServerNameIsRequired() {
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> FailoverClient.builder().resolver(NOWHERE).build());
        assertEquals(ErrorCode.INVALID_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains("server"), e.getMessage());
    }

    @Test
    void aResolverIsRequiredAndTheMessageNamesBothNames() {
        UnderstudyException e = assertThrows(UnderstudyException.class,
                () -> FailoverClient.builder().server(ServerName.of("FilerA")).build());
        assertEquals(ErrorCode.INVALID_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains("FilerA-failover") && e.getMessage().contains("impl-hosts"), e.getMessage());
    }

    @Test
    void aTransportIsRequired() {
        UnderstudyException e = assertThrows(UnderstudyException.class,
                () -> FailoverClient.builder().server(ServerName.of("FilerA")).resolvers(List.of(NOWHERE)).build());
        assertEquals(ErrorCode.INVALID_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains("transport"), e.getMessage());
    }

    @Test
    void thePortsMustDiffer() {
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> FailoverClient.builder()
                .server(ServerName.of("FilerA")).resolver(NOWHERE).secondaryPort(DataAccessPort.DAFS).build());
        assertTrue(e.getMessage().contains("both DAFS"), e.getMessage());
    }

    @Test
    void aConventionThatMapsTheServerToItselfIsRefused() {
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> FailoverClient.builder()
                .server(ServerName.of("FilerA")).resolver(NOWHERE).naming(FailoverNaming.custom("identity", s -> s)).build());
        assertEquals(ErrorCode.INVALID_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains("to itself"), e.getMessage());
    }

    @Test
    void durationsAndRetriesAreChecked() {
        FailoverClient.Builder b = FailoverClient.builder();
        assertEquals(ErrorCode.INVALID_CONFIGURATION, assertThrows(UnderstudyException.class, () -> b.primaryRetries(0)).code());
        assertThrows(UnderstudyException.class, () -> b.retryBackoff(Duration.ZERO));
        assertThrows(UnderstudyException.class, () -> b.failoverBudget(Duration.ofMillis(-1)));
        assertThrows(UnderstudyException.class, () -> b.requestTimeout(Duration.ZERO));
        assertThrows(UnderstudyException.class, () -> b.negativeCacheTtl(Duration.ofSeconds(-1)));
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> FailoverClient.builder()
                .server(ServerName.of("FilerA")).resolver(NOWHERE).retryBackoff(Duration.ofSeconds(2)).maxBackoff(Duration.ofSeconds(1)).build());
        assertTrue(e.getMessage().contains("maxBackoff"), e.getMessage());
    }
}
