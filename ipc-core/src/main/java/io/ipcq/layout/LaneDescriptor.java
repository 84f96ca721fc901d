package io.ipcq.layout;

/**
 * One entry of the lane table: the four positions of one ring, each alone on 128 bytes so that producers,
 * consumers and the occasional requeue never share a cache line (nor an adjacent-line prefetch pair).
 * <p>
 * Positions count messages since creation; slot index = position &amp; (capacity - 1).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |S|          Tail Position (next position a producer claims)    |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     120 bytes padding                        ...
 *  +---------------------------------------------------------------+
 *  |   Lease Cursor (next position never yet delivered)            |  128
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     120 bytes padding                        ...
 *  +---------------------------------------------------------------+
 *  |   Head Hint (every position below it is freed)                |  256
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     120 bytes padding                        ...
 *  +---------------------------------------------------------------+
 *  |   Requeue Count (bumped after each requeue)                   |  384
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |   Full Epoch (odd: a producer found no free slot; see below)  |  392
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     112 bytes padding                        ...
 *  +---------------------------------------------------------------+
 * </pre>
 * S: bit 63 of the tail, set once by seal; no claim succeeds after it.
 * <p>
 * Full Epoch: a producer that must look past the slot at the tail (it holds an unacked message) makes the epoch odd
 * before it searches the ring for a free slot; whoever frees a slot afterwards makes it even again. While the epoch is
 * the odd value a producer's own search ended with, nothing was freed since and the lane is still full: that
 * producer answers FULL without searching again. Both words of the line are read often and written rarely.
 */
public final class LaneDescriptor
{
    public static final int TAIL_OFFSET = 0;
    public static final int LEASE_CURSOR_OFFSET = 128;
    public static final int HEAD_OFFSET = 256;
    public static final int REQUEUE_COUNT_OFFSET = 384;
    public static final int FULL_EPOCH_OFFSET = 392;
    public static final int LANE_DESCRIPTOR_LENGTH = 512;

    /** Set in the tail by seal: claims fail from then on. */
    public static final long SEALED_BIT = 1L << 63;

    private LaneDescriptor()
    {
    }

    /**
     * @param lane a lane index; {@code lanes} itself is the dead-letter ring.
     * @return offset of that lane's descriptor in the file.
     */
    public static int laneDescriptorOffset(final int lane)
    {
        return QueueDescriptor.LANE_TABLE_OFFSET + lane * LANE_DESCRIPTOR_LENGTH;
    }
}
