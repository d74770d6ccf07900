package io.understudy.transport.ib;

/**
 * Offsets and sizes in libibverbs' structures (rdma-core 44 headers, LP64 Linux) that the native data path
 * needs to reach the inline verbs: {@code ibv_poll_cq}, {@code ibv_post_send} and {@code ibv_post_recv} are
 * {@code static inline} in {@code <infiniband/verbs.h>} and call {@code cq->context->ops.poll_cq(...)} and
 * {@code qp->context->ops.post_send(...)}, so a binding reads the function pointer at
 * {@code CONTEXT_OPS + OPS_POST_SEND} of the {@code struct ibv_context} and calls it through
 * {@link java.lang.foreign.Linker#downcallHandle(java.lang.foreign.FunctionDescriptor,
 * java.lang.foreign.Linker.Option...)}. {@code LayoutTest} compiles a small C program against the installed
 * headers and compares every value, so an ABI change fails the build instead of corrupting memory. Not yet
 * used by product code (see {@link NativeVerbs} for how far the native side goes).
 */
final class IbvLayout {
    /** {@code offsetof(struct ibv_context, ops)}. */
    static final long CONTEXT_OPS = 8;
    /** {@code offsetof(struct ibv_context_ops, poll_cq)}. */
    static final long OPS_POLL_CQ = 88;
    /** {@code offsetof(struct ibv_context_ops, post_send)}. */
    static final long OPS_POST_SEND = 200;
    /** {@code offsetof(struct ibv_context_ops, post_recv)}. */
    static final long OPS_POST_RECV = 208;
    /** {@code offsetof(struct ibv_cq, context)}. */
    static final long CQ_CONTEXT = 0;
    /** {@code offsetof(struct ibv_qp, context)}. */
    static final long QP_CONTEXT = 0;
    /** {@code sizeof(struct ibv_wc)}. */
    static final long WC_SIZE = 48;
    /** {@code offsetof(struct ibv_wc, wr_id)}. */
    static final long WC_WR_ID = 0;
    /** {@code offsetof(struct ibv_wc, status)}. */
    static final long WC_STATUS = 8;
    /** {@code offsetof(struct ibv_wc, opcode)}. */
    static final long WC_OPCODE = 12;
    /** {@code offsetof(struct ibv_wc, byte_len)}. */
    static final long WC_BYTE_LEN = 20;
    /** {@code sizeof(struct ibv_sge)}. */
    static final long SGE_SIZE = 16;
    /** {@code sizeof(struct ibv_recv_wr)}. */
    static final long RECV_WR_SIZE = 32;
    /** {@code sizeof(struct ibv_send_wr)}. */
    static final long SEND_WR_SIZE = 128;
    /** {@code offsetof(struct ibv_send_wr, opcode)}. */
    static final long SEND_WR_OPCODE = 28;
    /** {@code offsetof(struct ibv_send_wr, send_flags)}. */
    static final long SEND_WR_SEND_FLAGS = 32;

    private IbvLayout() {
    }
}
