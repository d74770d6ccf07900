package io.understudy.transport.ib;

/**
 * Offsets, sizes and constants of the libibverbs, librdmacm and libc structures the native verbs use, on
 * LP64 Linux, one {@code …Descriptor} class per structure (after Aeron). Every value was taken from the
 * headers of {@value #RDMA_CORE_VERSION} ({@code <infiniband/verbs.h>}, {@code <rdma/rdma_cma.h>}, Debian 12
 * {@code libibverbs-dev} / {@code librdmacm-dev} 44.0-2, whose library is {@value #LIBRARY_FILE}) and glibc
 * 2.36; {@code LayoutTest} compiles a C program against the installed headers and compares every
 * {@code long} and {@code int} constant here, so a header that moves a field fails the build.
 *
 * <p>The structures used are the {@code IBVERBS_1.1} ABI that rdma-core keeps stable for {@code libibverbs.so.1}
 * ({@code struct ibv_context} with its operations table is frozen; new members go into
 * {@code struct verbs_context}, which grows towards lower addresses, in front of the {@code ibv_context}).
 * {@link AbiCheck} verifies at start-up, before any call through an offset, that the loaded library is that
 * ABI. {@code ibv_poll_cq}, {@code ibv_req_notify_cq}, {@code ibv_post_send} and {@code ibv_post_recv} are
 * {@code static inline} in the header and call through {@code context->ops}: the binding reads the function
 * pointers at {@link ContextDescriptor#OPS} + {@link ContextOpsDescriptor#POLL_CQ} (and so on) of the
 * context and calls them with downcall handles.
 */
final class IbvLayout {

    /** The rdma-core release whose headers the values were taken from. */
    static final String RDMA_CORE_VERSION = "rdma-core 44.0";
    /** The real file name of that release's libibverbs: {@code libibverbs.so.1.<ABI minor>.<rdma-core>}. */
    static final String LIBRARY_FILE = "libibverbs.so.1.14.44.0";
    /** The libibverbs ABI minor of {@link #LIBRARY_FILE}. */
    static final int LIBRARY_ABI_MINOR = 14;
    /** The symbol version of the verbs the binding calls (the current ABI of {@code libibverbs.so.1}). */
    static final String VERBS_SYMBOL_VERSION = "IBVERBS_1.1";
    /** The symbol version of {@code ibv_create_comp_channel} and {@code ibv_destroy_comp_channel}. */
    static final String VERBS_SYMBOL_VERSION_1_0 = "IBVERBS_1.0";
    /** The symbol version of librdmacm's entry points. */
    static final String CM_SYMBOL_VERSION = "RDMACM_1.0";
    /** How {@code verbs_context.sz} relates to the headers' size, for {@link AbiCheck#context}. */
    static final String VERBS_CONTEXT_SIZE_RULE = "verbs_context grows towards lower addresses with new ABI minors, so its"
            + " size equals the headers' at the same minor, is larger for a newer library and smaller for an older one";

    private IbvLayout() {
    }

    /** {@code struct ibv_context}: the device context; its {@code ops} table holds the inline verbs' targets. */
    static final class ContextDescriptor {
        /** {@code struct ibv_device *device}. */
        static final long DEVICE = 0;
        /** {@code struct ibv_context_ops ops} (embedded, not a pointer). */
        static final long OPS = 8;
        /** {@code int cmd_fd}: the {@code /dev/infiniband/uverbsN} descriptor. */
        static final long CMD_FD = 264;
        /** {@code int async_fd}. */
        static final long ASYNC_FD = 268;
        /** {@code int num_comp_vectors}. */
        static final long NUM_COMP_VECTORS = 272;
        /** {@code void *abi_compat}: {@link Constants#VERBS_ABI_IS_EXTENDED} for an rdma-core context. */
        static final long ABI_COMPAT = 320;
        /** {@code sizeof(struct ibv_context)}. */
        static final long SIZE = 328;

        private ContextDescriptor() {
        }
    }

    /** {@code struct ibv_context_ops}: function pointers of the provider (mlx5, rxe, ...). */
    static final class ContextOpsDescriptor {
        /** {@code int (*poll_cq)(struct ibv_cq *, int, struct ibv_wc *)}. */
        static final long POLL_CQ = 88;
        /** {@code int (*req_notify_cq)(struct ibv_cq *, int solicited_only)}. */
        static final long REQ_NOTIFY_CQ = 96;
        /** {@code int (*post_send)(struct ibv_qp *, struct ibv_send_wr *, struct ibv_send_wr **)}. */
        static final long POST_SEND = 200;
        /** {@code int (*post_recv)(struct ibv_qp *, struct ibv_recv_wr *, struct ibv_recv_wr **)}. */
        static final long POST_RECV = 208;
        /** {@code sizeof(struct ibv_context_ops)}. */
        static final long SIZE = 256;

        private ContextOpsDescriptor() {
        }
    }

    /** {@code struct verbs_context}: the extended context whose last member is the {@code ibv_context}. */
    static final class VerbsContextDescriptor {
        /** {@code size_t sz}: the size the provider was built with; immediately before {@link #CONTEXT}. */
        static final long SZ = 312;
        /** {@code struct ibv_context context} (the address applications see). */
        static final long CONTEXT = 320;
        /** {@code sizeof(struct verbs_context)}. */
        static final long SIZE = 648;

        private VerbsContextDescriptor() {
        }
    }

    /** {@code struct ibv_device}. */
    static final class DeviceDescriptor {
        /** {@code char name[IBV_SYSFS_NAME_MAX]}. */
        static final long NAME = 24;

        private DeviceDescriptor() {
        }
    }

    /** {@code struct ibv_pd}. */
    static final class PdDescriptor {
        /** {@code struct ibv_context *context}. */
        static final long CONTEXT = 0;

        private PdDescriptor() {
        }
    }

    /** {@code struct ibv_mr}. */
    static final class MrDescriptor {
        /** {@code struct ibv_context *context}. */
        static final long CONTEXT = 0;
        /** {@code struct ibv_pd *pd}. */
        static final long PD = 8;
        /** {@code void *addr}. */
        static final long ADDR = 16;
        /** {@code size_t length}. */
        static final long LENGTH = 24;
        /** {@code uint32_t lkey}. */
        static final long LKEY = 36;
        /** {@code uint32_t rkey}. */
        static final long RKEY = 40;

        private MrDescriptor() {
        }
    }

    /** {@code struct ibv_comp_channel}. */
    static final class CompChannelDescriptor {
        /** {@code struct ibv_context *context}. */
        static final long CONTEXT = 0;
        /** {@code int fd}. */
        static final long FD = 8;

        private CompChannelDescriptor() {
        }
    }

    /** {@code struct ibv_cq}. */
    static final class CqDescriptor {
        /** {@code struct ibv_context *context}: where {@code ibv_poll_cq} finds the ops table. */
        static final long CONTEXT = 0;
        /** {@code struct ibv_comp_channel *channel}. */
        static final long CHANNEL = 8;
        /** {@code int cqe}: the entries the device allocated. */
        static final long CQE = 28;

        private CqDescriptor() {
        }
    }

    /** {@code struct ibv_qp}. */
    static final class QpDescriptor {
        /** {@code struct ibv_context *context}: where {@code ibv_post_send} finds the ops table. */
        static final long CONTEXT = 0;
        /** {@code uint32_t qp_num}. */
        static final long QP_NUM = 52;
        /** {@code enum ibv_qp_state state}. */
        static final long STATE = 56;

        private QpDescriptor() {
        }
    }

    /** {@code struct ibv_sge}: one scatter/gather element. */
    static final class SgeDescriptor {
        /** {@code uint64_t addr}. */
        static final long ADDR = 0;
        /** {@code uint32_t length}. */
        static final long LENGTH = 8;
        /** {@code uint32_t lkey}. */
        static final long LKEY = 12;
        /** {@code sizeof(struct ibv_sge)}. */
        static final long SIZE = 16;

        private SgeDescriptor() {
        }
    }

    /** {@code struct ibv_send_wr}. */
    static final class SendWrDescriptor {
        /** {@code uint64_t wr_id}. */
        static final long WR_ID = 0;
        /** {@code struct ibv_send_wr *next}. */
        static final long NEXT = 8;
        /** {@code struct ibv_sge *sg_list}. */
        static final long SG_LIST = 16;
        /** {@code int num_sge}. */
        static final long NUM_SGE = 24;
        /** {@code enum ibv_wr_opcode opcode}. */
        static final long OPCODE = 28;
        /** {@code unsigned int send_flags}. */
        static final long SEND_FLAGS = 32;
        /** {@code sizeof(struct ibv_send_wr)}. */
        static final long SIZE = 128;

        private SendWrDescriptor() {
        }
    }

    /** {@code struct ibv_recv_wr}. */
    static final class RecvWrDescriptor {
        /** {@code uint64_t wr_id}. */
        static final long WR_ID = 0;
        /** {@code struct ibv_recv_wr *next}. */
        static final long NEXT = 8;
        /** {@code struct ibv_sge *sg_list}. */
        static final long SG_LIST = 16;
        /** {@code int num_sge}. */
        static final long NUM_SGE = 24;
        /** {@code sizeof(struct ibv_recv_wr)}. */
        static final long SIZE = 32;

        private RecvWrDescriptor() {
        }
    }

    /** {@code struct ibv_wc}: one work completion. */
    static final class WcDescriptor {
        /** {@code uint64_t wr_id}. */
        static final long WR_ID = 0;
        /** {@code enum ibv_wc_status status}. */
        static final long STATUS = 8;
        /** {@code enum ibv_wc_opcode opcode}. */
        static final long OPCODE = 12;
        /** {@code uint32_t vendor_err}. */
        static final long VENDOR_ERR = 16;
        /** {@code uint32_t byte_len}. */
        static final long BYTE_LEN = 20;
        /** {@code uint32_t qp_num}. */
        static final long QP_NUM = 28;
        /** {@code sizeof(struct ibv_wc)}. */
        static final long SIZE = 48;

        private WcDescriptor() {
        }
    }

    /** {@code struct ibv_qp_cap}. */
    static final class QpCapDescriptor {
        /** {@code uint32_t max_send_wr}. */
        static final long MAX_SEND_WR = 0;
        /** {@code uint32_t max_recv_wr}. */
        static final long MAX_RECV_WR = 4;
        /** {@code uint32_t max_send_sge}. */
        static final long MAX_SEND_SGE = 8;
        /** {@code uint32_t max_recv_sge}. */
        static final long MAX_RECV_SGE = 12;
        /** {@code uint32_t max_inline_data}. */
        static final long MAX_INLINE_DATA = 16;
        /** {@code sizeof(struct ibv_qp_cap)}. */
        static final long SIZE = 20;

        private QpCapDescriptor() {
        }
    }

    /** {@code struct ibv_qp_init_attr}, as {@code rdma_create_qp} takes it. */
    static final class QpInitAttrDescriptor {
        /** {@code void *qp_context}. */
        static final long QP_CONTEXT = 0;
        /** {@code struct ibv_cq *send_cq}. */
        static final long SEND_CQ = 8;
        /** {@code struct ibv_cq *recv_cq}. */
        static final long RECV_CQ = 16;
        /** {@code struct ibv_srq *srq}. */
        static final long SRQ = 24;
        /** {@code struct ibv_qp_cap cap} (embedded). */
        static final long CAP = 32;
        /** {@code enum ibv_qp_type qp_type}. */
        static final long QP_TYPE = 52;
        /** {@code int sq_sig_all}. */
        static final long SQ_SIG_ALL = 56;
        /** {@code sizeof(struct ibv_qp_init_attr)}. */
        static final long SIZE = 64;

        private QpInitAttrDescriptor() {
        }
    }

    /** {@code struct rdma_event_channel}. */
    static final class EventChannelDescriptor {
        /** {@code int fd}: the {@code /dev/infiniband/rdma_cm} descriptor. */
        static final long FD = 0;

        private EventChannelDescriptor() {
        }
    }

    /** {@code struct rdma_cm_id}. */
    static final class CmIdDescriptor {
        /** {@code struct ibv_context *verbs}: the device, once bound or resolved. */
        static final long VERBS = 0;
        /** {@code struct rdma_event_channel *channel}. */
        static final long CHANNEL = 8;
        /** {@code void *context}. */
        static final long CONTEXT = 16;
        /** {@code struct ibv_qp *qp}. */
        static final long QP = 24;
        /** {@code route.addr.src_addr} (a {@code sockaddr_storage} union). */
        static final long SRC_ADDR = 32;
        /** {@code route.addr.dst_addr} (a {@code sockaddr_storage} union). */
        static final long DST_ADDR = 160;
        /** {@code enum rdma_port_space ps}. */
        static final long PS = 344;
        /** {@code uint8_t port_num}. */
        static final long PORT_NUM = 348;
        /** {@code struct ibv_pd *pd}. */
        static final long PD = 400;
        /** {@code enum ibv_qp_type qp_type}. */
        static final long QP_TYPE = 408;
        /** {@code sizeof(struct rdma_cm_id)}. */
        static final long SIZE = 416;

        private CmIdDescriptor() {
        }
    }

    /** {@code struct rdma_cm_event}. */
    static final class CmEventDescriptor {
        /** {@code struct rdma_cm_id *id}: for a connect request, the new identifier. */
        static final long ID = 0;
        /** {@code struct rdma_cm_id *listen_id}: for a connect request, the listener. */
        static final long LISTEN_ID = 8;
        /** {@code enum rdma_cm_event_type event}. */
        static final long EVENT = 16;
        /** {@code int status}: an errno or, for REJECTED, the CM's reject reason. */
        static final long STATUS = 20;
        /** {@code union param} ({@code struct rdma_conn_param conn}). */
        static final long PARAM = 24;
        /** {@code sizeof(struct rdma_cm_event)}. */
        static final long SIZE = 80;

        private CmEventDescriptor() {
        }
    }

    /** {@code struct rdma_conn_param}. */
    static final class ConnParamDescriptor {
        /** {@code const void *private_data}. */
        static final long PRIVATE_DATA = 0;
        /** {@code uint8_t private_data_len}. */
        static final long PRIVATE_DATA_LEN = 8;
        /** {@code uint8_t responder_resources}. */
        static final long RESPONDER_RESOURCES = 9;
        /** {@code uint8_t initiator_depth}. */
        static final long INITIATOR_DEPTH = 10;
        /** {@code uint8_t flow_control}. */
        static final long FLOW_CONTROL = 11;
        /** {@code uint8_t retry_count}. */
        static final long RETRY_COUNT = 12;
        /** {@code uint8_t rnr_retry_count}: 0, so a send without a posted receive fails at once. */
        static final long RNR_RETRY_COUNT = 13;
        /** {@code uint8_t srq}. */
        static final long SRQ = 14;
        /** {@code uint32_t qp_num}. */
        static final long QP_NUM = 16;
        /** {@code sizeof(struct rdma_conn_param)}. */
        static final long SIZE = 24;

        private ConnParamDescriptor() {
        }
    }

    /** {@code struct sockaddr_in} (port and address in network byte order). */
    static final class SockaddrInDescriptor {
        /** {@code sa_family_t sin_family}. */
        static final long FAMILY = 0;
        /** {@code in_port_t sin_port}. */
        static final long PORT = 2;
        /** {@code struct in_addr sin_addr}. */
        static final long ADDR = 4;
        /** {@code sizeof(struct sockaddr_in)}. */
        static final long SIZE = 16;

        private SockaddrInDescriptor() {
        }
    }

    /** {@code struct sockaddr_in6} (port and address in network byte order). */
    static final class SockaddrIn6Descriptor {
        /** {@code sa_family_t sin6_family}. */
        static final long FAMILY = 0;
        /** {@code in_port_t sin6_port}. */
        static final long PORT = 2;
        /** {@code uint32_t sin6_flowinfo}. */
        static final long FLOWINFO = 4;
        /** {@code struct in6_addr sin6_addr}. */
        static final long ADDR = 8;
        /** {@code uint32_t sin6_scope_id}. */
        static final long SCOPE_ID = 24;
        /** {@code sizeof(struct sockaddr_in6)}. */
        static final long SIZE = 28;

        private SockaddrIn6Descriptor() {
        }
    }

    /** {@code struct sockaddr_storage}. */
    static final class SockaddrStorage {
        /** {@code sizeof(struct sockaddr_storage)}. */
        static final long SIZE = 128;

        private SockaddrStorage() {
        }
    }

    /** {@code struct pollfd} ({@code <poll.h>}). */
    static final class PollFdDescriptor {
        /** {@code int fd}. */
        static final long FD = 0;
        /** {@code short events}. */
        static final long EVENTS = 4;
        /** {@code short revents}. */
        static final long REVENTS = 6;
        /** {@code sizeof(struct pollfd)}. */
        static final long SIZE = 8;

        private PollFdDescriptor() {
        }
    }

    /** {@code Dl_info} ({@code <dlfcn.h>}), filled in by {@code dladdr}. */
    static final class DlInfoDescriptor {
        /** {@code const char *dli_fname}: the file the address lies in. */
        static final long FNAME = 0;
        /** {@code sizeof(Dl_info)}. */
        static final long SIZE = 32;

        private DlInfoDescriptor() {
        }
    }

    /** Enum values and flags. */
    static final class Constants {
        static final int AF_INET = 2;
        static final int AF_INET6 = 10;
        static final int IBV_WC_SUCCESS = 0;
        static final int IBV_WC_LOC_LEN_ERR = 1;
        static final int IBV_WC_LOC_PROT_ERR = 4;
        static final int IBV_WC_WR_FLUSH_ERR = 5;
        static final int IBV_WC_REM_INV_REQ_ERR = 9;
        static final int IBV_WC_REM_ACCESS_ERR = 10;
        static final int IBV_WC_REM_OP_ERR = 11;
        static final int IBV_WC_RETRY_EXC_ERR = 12;
        static final int IBV_WC_RNR_RETRY_EXC_ERR = 13;
        static final int IBV_WC_SEND = 0;
        static final int IBV_WC_RECV = 128;
        static final int IBV_WR_SEND = 2;
        static final int IBV_SEND_SIGNALED = 2;
        static final int IBV_QPT_RC = 2;
        static final int IBV_ACCESS_LOCAL_WRITE = 1;
        static final int RDMA_PS_TCP = 0x106;
        static final int RDMA_CM_EVENT_ADDR_RESOLVED = 0;
        static final int RDMA_CM_EVENT_ADDR_ERROR = 1;
        static final int RDMA_CM_EVENT_ROUTE_RESOLVED = 2;
        static final int RDMA_CM_EVENT_ROUTE_ERROR = 3;
        static final int RDMA_CM_EVENT_CONNECT_REQUEST = 4;
        static final int RDMA_CM_EVENT_CONNECT_RESPONSE = 5;
        static final int RDMA_CM_EVENT_CONNECT_ERROR = 6;
        static final int RDMA_CM_EVENT_UNREACHABLE = 7;
        static final int RDMA_CM_EVENT_REJECTED = 8;
        static final int RDMA_CM_EVENT_ESTABLISHED = 9;
        static final int RDMA_CM_EVENT_DISCONNECTED = 10;
        static final int RDMA_CM_EVENT_DEVICE_REMOVAL = 11;
        static final int RDMA_CM_EVENT_ADDR_CHANGE = 14;
        static final int RDMA_CM_EVENT_TIMEWAIT_EXIT = 15;
        /** {@code __VERBS_ABI_IS_EXTENDED}: {@code (void *) UINTPTR_MAX}. */
        static final long VERBS_ABI_IS_EXTENDED = -1L;
        static final int POLLIN = 1;
        /** {@code POLLERR | POLLHUP | POLLNVAL}. */
        static final int POLL_ERRORS = 56;
        static final int EFD_NONBLOCK = 2048;
        static final int EFD_CLOEXEC = 524288;
        static final int F_GETFL = 3;
        static final int F_SETFL = 4;
        static final int O_NONBLOCK = 2048;
        static final int RTLD_NOW = 2;

        private Constants() {
        }
    }
}
