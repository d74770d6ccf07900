package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every constant in {@link IbvLayout}'s descriptors against the installed {@code <infiniband/verbs.h>},
 * {@code <rdma/rdma_cma.h>} and libc headers: a C program, compiled here (test only), prints offsetof, sizeof
 * and enum values, and each must equal the {@code long} or {@code int} constant of the same
 * {@code Descriptor.FIELD} name, in both directions. Needs gcc, libibverbs-dev and librdmacm-dev; skips without
 * them (fails when {@code CI=true}).
 */
class LayoutTest {

    @TempDir
    Path dir;

    static final String PROGRAM = """
            #define _GNU_SOURCE
            #include <stdio.h>
            #include <stddef.h>
            #include <stdint.h>
            #include <poll.h>
            #include <fcntl.h>
            #include <dlfcn.h>
            #include <sys/eventfd.h>
            #include <sys/socket.h>
            #include <netinet/in.h>
            #include <infiniband/verbs.h>
            #include <rdma/rdma_cma.h>
            #define O(c, n, s, f) printf(#c "." #n " %zu\\n", offsetof(struct s, f))
            #define S(c, s) printf(#c ".SIZE %zu\\n", sizeof(struct s))
            #define V(c, n, e) printf(#c "." #n " %lld\\n", (long long)(e))
            int main(void) {
                O(ContextDescriptor, DEVICE, ibv_context, device);
                O(ContextDescriptor, OPS, ibv_context, ops);
                O(ContextDescriptor, CMD_FD, ibv_context, cmd_fd);
                O(ContextDescriptor, ASYNC_FD, ibv_context, async_fd);
                O(ContextDescriptor, NUM_COMP_VECTORS, ibv_context, num_comp_vectors);
                O(ContextDescriptor, ABI_COMPAT, ibv_context, abi_compat);
                S(ContextDescriptor, ibv_context);
                O(ContextOpsDescriptor, POLL_CQ, ibv_context_ops, poll_cq);
                O(ContextOpsDescriptor, REQ_NOTIFY_CQ, ibv_context_ops, req_notify_cq);
                O(ContextOpsDescriptor, POST_SEND, ibv_context_ops, post_send);
                O(ContextOpsDescriptor, POST_RECV, ibv_context_ops, post_recv);
                S(ContextOpsDescriptor, ibv_context_ops);
                O(VerbsContextDescriptor, SZ, verbs_context, sz);
                O(VerbsContextDescriptor, CONTEXT, verbs_context, context);
                S(VerbsContextDescriptor, verbs_context);
                O(DeviceDescriptor, NAME, ibv_device, name);
                O(PdDescriptor, CONTEXT, ibv_pd, context);
                O(MrDescriptor, CONTEXT, ibv_mr, context);
                O(MrDescriptor, PD, ibv_mr, pd);
                O(MrDescriptor, ADDR, ibv_mr, addr);
                O(MrDescriptor, LENGTH, ibv_mr, length);
                O(MrDescriptor, LKEY, ibv_mr, lkey);
                O(MrDescriptor, RKEY, ibv_mr, rkey);
                O(CompChannelDescriptor, CONTEXT, ibv_comp_channel, context);
                O(CompChannelDescriptor, FD, ibv_comp_channel, fd);
                O(CqDescriptor, CONTEXT, ibv_cq, context);
                O(CqDescriptor, CHANNEL, ibv_cq, channel);
                O(CqDescriptor, CQE, ibv_cq, cqe);
                O(QpDescriptor, CONTEXT, ibv_qp, context);
                O(QpDescriptor, QP_NUM, ibv_qp, qp_num);
                O(QpDescriptor, STATE, ibv_qp, state);
                O(SgeDescriptor, ADDR, ibv_sge, addr);
                O(SgeDescriptor, LENGTH, ibv_sge, length);
                O(SgeDescriptor, LKEY, ibv_sge, lkey);
                S(SgeDescriptor, ibv_sge);
                O(SendWrDescriptor, WR_ID, ibv_send_wr, wr_id);
                O(SendWrDescriptor, NEXT, ibv_send_wr, next);
                O(SendWrDescriptor, SG_LIST, ibv_send_wr, sg_list);
                O(SendWrDescriptor, NUM_SGE, ibv_send_wr, num_sge);
                O(SendWrDescriptor, OPCODE, ibv_send_wr, opcode);
                O(SendWrDescriptor, SEND_FLAGS, ibv_send_wr, send_flags);
                S(SendWrDescriptor, ibv_send_wr);
                O(RecvWrDescriptor, WR_ID, ibv_recv_wr, wr_id);
                O(RecvWrDescriptor, NEXT, ibv_recv_wr, next);
                O(RecvWrDescriptor, SG_LIST, ibv_recv_wr, sg_list);
                O(RecvWrDescriptor, NUM_SGE, ibv_recv_wr, num_sge);
                S(RecvWrDescriptor, ibv_recv_wr);
                O(WcDescriptor, WR_ID, ibv_wc, wr_id);
                O(WcDescriptor, STATUS, ibv_wc, status);
                O(WcDescriptor, OPCODE, ibv_wc, opcode);
                O(WcDescriptor, VENDOR_ERR, ibv_wc, vendor_err);
                O(WcDescriptor, BYTE_LEN, ibv_wc, byte_len);
                O(WcDescriptor, QP_NUM, ibv_wc, qp_num);
                S(WcDescriptor, ibv_wc);
                O(QpCapDescriptor, MAX_SEND_WR, ibv_qp_cap, max_send_wr);
                O(QpCapDescriptor, MAX_RECV_WR, ibv_qp_cap, max_recv_wr);
                O(QpCapDescriptor, MAX_SEND_SGE, ibv_qp_cap, max_send_sge);
                O(QpCapDescriptor, MAX_RECV_SGE, ibv_qp_cap, max_recv_sge);
                O(QpCapDescriptor, MAX_INLINE_DATA, ibv_qp_cap, max_inline_data);
                S(QpCapDescriptor, ibv_qp_cap);
                O(QpInitAttrDescriptor, QP_CONTEXT, ibv_qp_init_attr, qp_context);
                O(QpInitAttrDescriptor, SEND_CQ, ibv_qp_init_attr, send_cq);
                O(QpInitAttrDescriptor, RECV_CQ, ibv_qp_init_attr, recv_cq);
                O(QpInitAttrDescriptor, SRQ, ibv_qp_init_attr, srq);
                O(QpInitAttrDescriptor, CAP, ibv_qp_init_attr, cap);
                O(QpInitAttrDescriptor, QP_TYPE, ibv_qp_init_attr, qp_type);
                O(QpInitAttrDescriptor, SQ_SIG_ALL, ibv_qp_init_attr, sq_sig_all);
                S(QpInitAttrDescriptor, ibv_qp_init_attr);
                O(EventChannelDescriptor, FD, rdma_event_channel, fd);
                O(CmIdDescriptor, VERBS, rdma_cm_id, verbs);
                O(CmIdDescriptor, CHANNEL, rdma_cm_id, channel);
                O(CmIdDescriptor, CONTEXT, rdma_cm_id, context);
                O(CmIdDescriptor, QP, rdma_cm_id, qp);
                O(CmIdDescriptor, SRC_ADDR, rdma_cm_id, route.addr.src_addr);
                O(CmIdDescriptor, DST_ADDR, rdma_cm_id, route.addr.dst_addr);
                O(CmIdDescriptor, PS, rdma_cm_id, ps);
                O(CmIdDescriptor, PORT_NUM, rdma_cm_id, port_num);
                O(CmIdDescriptor, PD, rdma_cm_id, pd);
                O(CmIdDescriptor, QP_TYPE, rdma_cm_id, qp_type);
                S(CmIdDescriptor, rdma_cm_id);
                O(CmEventDescriptor, ID, rdma_cm_event, id);
                O(CmEventDescriptor, LISTEN_ID, rdma_cm_event, listen_id);
                O(CmEventDescriptor, EVENT, rdma_cm_event, event);
                O(CmEventDescriptor, STATUS, rdma_cm_event, status);
                O(CmEventDescriptor, PARAM, rdma_cm_event, param);
                S(CmEventDescriptor, rdma_cm_event);
                O(ConnParamDescriptor, PRIVATE_DATA, rdma_conn_param, private_data);
                O(ConnParamDescriptor, PRIVATE_DATA_LEN, rdma_conn_param, private_data_len);
                O(ConnParamDescriptor, RESPONDER_RESOURCES, rdma_conn_param, responder_resources);
                O(ConnParamDescriptor, INITIATOR_DEPTH, rdma_conn_param, initiator_depth);
                O(ConnParamDescriptor, FLOW_CONTROL, rdma_conn_param, flow_control);
                O(ConnParamDescriptor, RETRY_COUNT, rdma_conn_param, retry_count);
                O(ConnParamDescriptor, RNR_RETRY_COUNT, rdma_conn_param, rnr_retry_count);
                O(ConnParamDescriptor, SRQ, rdma_conn_param, srq);
                O(ConnParamDescriptor, QP_NUM, rdma_conn_param, qp_num);
                S(ConnParamDescriptor, rdma_conn_param);
                O(SockaddrInDescriptor, FAMILY, sockaddr_in, sin_family);
                O(SockaddrInDescriptor, PORT, sockaddr_in, sin_port);
                O(SockaddrInDescriptor, ADDR, sockaddr_in, sin_addr);
                S(SockaddrInDescriptor, sockaddr_in);
                O(SockaddrIn6Descriptor, FAMILY, sockaddr_in6, sin6_family);
                O(SockaddrIn6Descriptor, PORT, sockaddr_in6, sin6_port);
                O(SockaddrIn6Descriptor, FLOWINFO, sockaddr_in6, sin6_flowinfo);
                O(SockaddrIn6Descriptor, ADDR, sockaddr_in6, sin6_addr);
                O(SockaddrIn6Descriptor, SCOPE_ID, sockaddr_in6, sin6_scope_id);
                S(SockaddrIn6Descriptor, sockaddr_in6);
                printf("SockaddrStorage.SIZE %zu\\n", sizeof(struct sockaddr_storage));
                V(Constants, AF_INET, AF_INET);
                V(Constants, AF_INET6, AF_INET6);
                V(Constants, IBV_WC_SUCCESS, IBV_WC_SUCCESS);
                V(Constants, IBV_WC_LOC_LEN_ERR, IBV_WC_LOC_LEN_ERR);
                V(Constants, IBV_WC_LOC_PROT_ERR, IBV_WC_LOC_PROT_ERR);
                V(Constants, IBV_WC_WR_FLUSH_ERR, IBV_WC_WR_FLUSH_ERR);
                V(Constants, IBV_WC_RNR_RETRY_EXC_ERR, IBV_WC_RNR_RETRY_EXC_ERR);
                V(Constants, IBV_WC_REM_INV_REQ_ERR, IBV_WC_REM_INV_REQ_ERR);
                V(Constants, IBV_WC_REM_ACCESS_ERR, IBV_WC_REM_ACCESS_ERR);
                V(Constants, IBV_WC_REM_OP_ERR, IBV_WC_REM_OP_ERR);
                V(Constants, IBV_WC_RETRY_EXC_ERR, IBV_WC_RETRY_EXC_ERR);
                V(Constants, IBV_WC_SEND, IBV_WC_SEND);
                V(Constants, IBV_WC_RECV, IBV_WC_RECV);
                V(Constants, IBV_WR_SEND, IBV_WR_SEND);
                V(Constants, IBV_SEND_SIGNALED, IBV_SEND_SIGNALED);
                V(Constants, IBV_QPT_RC, IBV_QPT_RC);
                V(Constants, IBV_ACCESS_LOCAL_WRITE, IBV_ACCESS_LOCAL_WRITE);
                V(Constants, RDMA_PS_TCP, RDMA_PS_TCP);
                V(Constants, RDMA_CM_EVENT_ADDR_RESOLVED, RDMA_CM_EVENT_ADDR_RESOLVED);
                V(Constants, RDMA_CM_EVENT_ADDR_ERROR, RDMA_CM_EVENT_ADDR_ERROR);
                V(Constants, RDMA_CM_EVENT_ROUTE_RESOLVED, RDMA_CM_EVENT_ROUTE_RESOLVED);
                V(Constants, RDMA_CM_EVENT_ROUTE_ERROR, RDMA_CM_EVENT_ROUTE_ERROR);
                V(Constants, RDMA_CM_EVENT_CONNECT_REQUEST, RDMA_CM_EVENT_CONNECT_REQUEST);
                V(Constants, RDMA_CM_EVENT_CONNECT_RESPONSE, RDMA_CM_EVENT_CONNECT_RESPONSE);
                V(Constants, RDMA_CM_EVENT_CONNECT_ERROR, RDMA_CM_EVENT_CONNECT_ERROR);
                V(Constants, RDMA_CM_EVENT_UNREACHABLE, RDMA_CM_EVENT_UNREACHABLE);
                V(Constants, RDMA_CM_EVENT_REJECTED, RDMA_CM_EVENT_REJECTED);
                V(Constants, RDMA_CM_EVENT_ESTABLISHED, RDMA_CM_EVENT_ESTABLISHED);
                V(Constants, RDMA_CM_EVENT_DISCONNECTED, RDMA_CM_EVENT_DISCONNECTED);
                V(Constants, RDMA_CM_EVENT_DEVICE_REMOVAL, RDMA_CM_EVENT_DEVICE_REMOVAL);
                V(Constants, RDMA_CM_EVENT_ADDR_CHANGE, RDMA_CM_EVENT_ADDR_CHANGE);
                V(Constants, RDMA_CM_EVENT_TIMEWAIT_EXIT, RDMA_CM_EVENT_TIMEWAIT_EXIT);
                O(PollFdDescriptor, FD, pollfd, fd);
                O(PollFdDescriptor, EVENTS, pollfd, events);
                O(PollFdDescriptor, REVENTS, pollfd, revents);
                S(PollFdDescriptor, pollfd);
                printf("DlInfoDescriptor.FNAME %zu\\n", offsetof(Dl_info, dli_fname));
                printf("DlInfoDescriptor.SIZE %zu\\n", sizeof(Dl_info));
                V(Constants, VERBS_ABI_IS_EXTENDED, (intptr_t) __VERBS_ABI_IS_EXTENDED);
                V(Constants, POLLIN, POLLIN);
                V(Constants, POLL_ERRORS, POLLERR | POLLHUP | POLLNVAL);
                V(Constants, EFD_NONBLOCK, EFD_NONBLOCK);
                V(Constants, EFD_CLOEXEC, EFD_CLOEXEC);
                V(Constants, F_GETFL, F_GETFL);
                V(Constants, F_SETFL, F_SETFL);
                V(Constants, O_NONBLOCK, O_NONBLOCK);
                V(Constants, RTLD_NOW, RTLD_NOW);
              return 0;
            }
            """;

    /** {@return every static long or int constant of IbvLayout's nested classes, as "Descriptor.FIELD"} */
    static Map<String, Long> constants() throws IllegalAccessException {
        Map<String, Long> m = new TreeMap<>();
        for (Class<?> c : IbvLayout.class.getDeclaredClasses()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                if (f.getType() == long.class) {
                    m.put(c.getSimpleName() + "." + f.getName(), f.getLong(null));
                } else if (f.getType() == int.class) {
                    m.put(c.getSimpleName() + "." + f.getName(), (long) f.getInt(null));
                }
            }
        }
        return m;
    }

    @Test
    void offsetsSizesAndConstantsMatchTheInstalledHeaders() throws Exception {
        Path gcc = which("gcc");
        if (gcc == null || !Files.exists(Path.of("/usr/include/infiniband/verbs.h")) || !Files.exists(Path.of("/usr/include/rdma/rdma_cma.h"))) {
            String why = gcc == null ? "gcc is not installed" : "libibverbs-dev's or librdmacm-dev's headers are not installed";
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but " + why + "; .ci/install-test-deps installs gcc, libibverbs-dev and librdmacm-dev");
            }
            Assumptions.abort(why + "; install gcc, libibverbs-dev and librdmacm-dev to check the struct layout");
        }
        Path c = dir.resolve("layout.c");
        Files.writeString(c, PROGRAM);
        Path exe = dir.resolve("layout");
        run(gcc.toString(), "-Wall", "-o", exe.toString(), c.toString());
        Map<String, Long> got = new TreeMap<>();
        for (String line : run(exe.toString()).split("\n")) {
            String[] kv = line.trim().split(" ");
            got.put(kv[0], Long.parseLong(kv[1]));
        }
        Map<String, Long> ours = constants();
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Long> e : got.entrySet()) {
            if (!e.getValue().equals(ours.get(e.getKey()))) {
                wrong.add(e.getKey() + ": headers " + e.getValue() + ", IbvLayout " + ours.get(e.getKey()));
            }
        }
        for (String k : ours.keySet()) {
            if (!got.containsKey(k)) {
                wrong.add(k + ": in IbvLayout but not checked against the headers");
            }
        }
        assertEquals(List.of(), wrong, "IbvLayout against the installed headers");
        assertTrue(got.size() >= 130, "checked " + got.size() + " values");
    }

    static Path which(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
