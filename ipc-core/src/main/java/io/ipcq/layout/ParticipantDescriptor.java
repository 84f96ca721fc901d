package io.ipcq.layout;

/**
 * One row of the participants table. Each producer or consumer handle takes a row when it attaches and frees
 * it when it detaches; its index + 1 is the "holder" written in the lease-state words it owns.
 * The row's counters have a single writer (the handle), so they are bumped with plain loads and release
 * stores, never a locked instruction.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Row State (0 free, 1 attaching, 2 active, 3 dead)            |  0
 *  +---------------------------------------------------------------+
 *  |  Role (1 producer, 2 consumer, 3 dlq consumer, 4 admin,       |  4
 *  |        5 bridge out, 6 bridge in)                             |
 *  +---------------------------------------------------------------+
 *  |                           PID                                 |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  Process Start Time (field 22 of /proc/PID/stat, clock ticks) |  16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                   Attached Epoch ms                           |  24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                   Reserved to 64                             ...
 *  +---------------------------------------------------------------+
 *  |                   Heartbeat Epoch ms                          |  64
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                   Leases Held                                 |  72
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                   Reserved to 128                            ...
 *  +---------------------------------------------------------------+
 *  |   Counters: COUNTER_COUNT longs, see {@link CounterIndex}     |  128
 *  +---------------------------------------------------------------+
 *  |                   Reserved to 216                            ...
 *  +---------------------------------------------------------------+
 *  |   Bridge Published (bridge rows only, else 0)                 |  216
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |   Bridge Confirmed                                            |  224
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |   Bridge Duplicates                                           |  232
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |   Bridge In Flight                                            |  240
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                   Reserved to 256                            ...
 *  +---------------------------------------------------------------+
 * </pre>
 * The four bridge words (docs/bridge.md) are written by the bridge's own thread alone, with release stores; they
 * are zeroed at attach and, unlike the counters at 128, never folded into the header: they describe one live
 * bridge process. Added to layout version 2 without changing it: older writers leave them 0.
 */
public final class ParticipantDescriptor
{
    public static final int ROW_STATE_OFFSET = 0;
    public static final int ROLE_OFFSET = 4;
    public static final int PID_OFFSET = 8;
    public static final int START_TIME_OFFSET = 16;
    public static final int ATTACHED_EPOCH_MS_OFFSET = 24;
    public static final int HEARTBEAT_EPOCH_MS_OFFSET = 64;
    public static final int LEASES_HELD_OFFSET = 72;
    public static final int COUNTERS_OFFSET = 128;
    /** Bridge out: publishes sent (retries included). Bridge in: messages committed into the local queue. */
    public static final int BRIDGE_PUBLISHED_OFFSET = 216;
    /** Bridge out: publishes JetStream stored. Bridge in: JetStream messages acknowledged. */
    public static final int BRIDGE_CONFIRMED_OFFSET = 224;
    /** Bridge out: publishes JetStream answered as duplicates. Bridge in: redeliveries committed again. */
    public static final int BRIDGE_DUPLICATES_OFFSET = 232;
    /** Bridge out: local leases not yet confirmed. Bridge in: JetStream messages held, not yet acknowledged. */
    public static final int BRIDGE_IN_FLIGHT_OFFSET = 240;
    public static final int BRIDGE_COUNTER_COUNT = 4;
    public static final int PARTICIPANT_LENGTH = 256;

    public static final int ROW_FREE = 0;
    public static final int ROW_ATTACHING = 1;
    public static final int ROW_ACTIVE = 2;
    public static final int ROW_DEAD = 3;

    public static final int ROLE_PRODUCER = 1;
    public static final int ROLE_CONSUMER = 2;
    public static final int ROLE_DEAD_LETTER_CONSUMER = 3;
    public static final int ROLE_ADMIN = 4;
    /** A bridge that leases from this queue and publishes to JetStream (docs/bridge.md). */
    public static final int ROLE_BRIDGE_OUT = 5;
    /** A bridge that pulls from JetStream and sends into this queue. */
    public static final int ROLE_BRIDGE_IN = 6;

    private ParticipantDescriptor()
    {
    }

    public static int counterOffset(final int counterIndex)
    {
        return COUNTERS_OFFSET + counterIndex * Long.BYTES;
    }

    public static String roleName(final int role)
    {
        switch (role)
        {
            case ROLE_PRODUCER: return "producer";
            case ROLE_CONSUMER: return "consumer";
            case ROLE_DEAD_LETTER_CONSUMER: return "dead-letter-consumer";
            case ROLE_ADMIN: return "admin";
            case ROLE_BRIDGE_OUT: return "bridge-out";
            case ROLE_BRIDGE_IN: return "bridge-in";
            default: return "unknown(" + role + ")";
        }
    }

    public static String rowStateName(final int rowState)
    {
        switch (rowState)
        {
            case ROW_FREE: return "free";
            case ROW_ATTACHING: return "attaching";
            case ROW_ACTIVE: return "active";
            case ROW_DEAD: return "dead";
            default: return "invalid(" + rowState + ")";
        }
    }
}
