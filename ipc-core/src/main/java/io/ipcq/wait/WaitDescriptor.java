package io.ipcq.wait;

import io.ipcq.layout.LaneDescriptor;

/**
 * The words of the wake-up protocol (docs/layout.md, "Wait words"; docs/protocol.md, #W1 to #W5). Additive to
 * layout version 2: they sit in padding no one else uses, and 0 in every one of them means "no sleeper", so a file
 * made by an older writer reads the same.
 * <p>
 * In each lane entry (the dead-letter ring's entry too):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     Tail (offset 0, 8 bytes)                  |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |          Message Sleepers (offset 8): consumers waiting       |
 *  +---------------------------------------------------------------+
 *  |   Message Sleeper Rows (offset 12): highest row + 1 that ever |
 *  |   registered for a message here (0: not known, scan all)      |
 *  +---------------------------------------------------------------+
 *  |                              ...                              |
 *  +---------------------------------------------------------------+
 *  |                  Lease Cursor (offset 128, 8 bytes)           |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |          Room Sleepers (offset 136): producers waiting        |
 *  +---------------------------------------------------------------+
 *  |   Room Sleeper Rows (offset 140): the same for room           |
 *  +---------------------------------------------------------------+
 * </pre>
 * In each participant row:
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                              ...                              |
 *  +---------------------------------------------------------------+
 *  |    Wait Registration (offset 248): 0 = not waiting, else      |
 *  |    bits 0..16 lanes mask, bit 29 side, bit 30 kind            |
 *  +---------------------------------------------------------------+
 *  |    Wake Word (offset 252): futex kind: wake sequence;         |
 *  |    socket kind: UDP port on 127.0.0.1                         |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class WaitDescriptor
{
    /** Lane entry: how many registered consumers wait for a message of this lane (int, getAndAdd). */
    public static final int MESSAGE_SLEEPERS_OFFSET = 8;
    /** Lane entry: how many registered producers wait for room in this lane (int, getAndAdd). */
    public static final int ROOM_SLEEPERS_OFFSET = LaneDescriptor.LEASE_CURSOR_OFFSET + 8;

    /**
     * Lane entry: one more than the highest participant row that ever registered on this lane for a message (int,
     * only raised, by CAS, before the registration): a waker scans the rows below it instead of all of them (a
     * wake-up scanned 256 rows of 256 bytes, 64 KiB of cold lines, before). 0: not known, scan every row.
     */
    public static final int MESSAGE_SLEEPER_ROWS_OFFSET = MESSAGE_SLEEPERS_OFFSET + 4;
    /** Lane entry: the same for producers waiting for room (int). */
    public static final int ROOM_SLEEPER_ROWS_OFFSET = ROOM_SLEEPERS_OFFSET + 4;

    /** Participant row: what the row's thread waits on, 0 if it does not wait (int). */
    public static final int REGISTRATION_OFFSET = 248;
    /** Participant row: the futex word of a futex sleeper, or the UDP port of a socket sleeper (int). */
    public static final int WAKE_WORD_OFFSET = 252;

    /** Registration bits 0..16: lane i waits on bit i (the dead-letter ring is lane {@code lanes}, at most 16). */
    public static final int LANES_MASK = (1 << 17) - 1;
    /** Registration bit 29: 0 waits for a message (a consumer), 1 waits for room (a producer on FULL). */
    public static final int SIDE_ROOM_BIT = 1 << 29;
    /** Registration bit 30: 0 sleeps in futex(FUTEX_WAIT) on the wake word, 1 in epoll on a UDP socket. */
    public static final int KIND_SOCKET_BIT = 1 << 30;

    private WaitDescriptor()
    {
    }

    /**
     * @param laneDescriptorOffset offset of the lane entry.
     * @param room                 true for the producers' count.
     * @return offset of the lane's count of sleepers on that side.
     */
    public static int sleepersOffset(final int laneDescriptorOffset, final boolean room)
    {
        return laneDescriptorOffset + (room ? ROOM_SLEEPERS_OFFSET : MESSAGE_SLEEPERS_OFFSET);
    }

    /**
     * @param laneDescriptorOffset offset of the lane entry.
     * @param room                 true for the producers' bound.
     * @return offset of the lane's bound on the rows of its sleepers on that side.
     */
    public static int sleeperRowsOffset(final int laneDescriptorOffset, final boolean room)
    {
        return laneDescriptorOffset + (room ? ROOM_SLEEPER_ROWS_OFFSET : MESSAGE_SLEEPER_ROWS_OFFSET);
    }
}
