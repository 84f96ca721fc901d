package io.ipcq.read;

/**
 * Message ids (the slot's Message Id word, {@code Lease.id()}): the lane in the top byte, the position of the original
 * send below it (docs/layout.md "Slot"). The same on every delivery, and kept when the message is dead-lettered.
 */
public final class MessageIds
{
    private static final long POSITION_MASK = 0x00FF_FFFF_FFFF_FFFFL;

    private MessageIds()
    {
    }

    /**
     * @param id a message id.
     * @return the lane the message was sent to.
     */
    public static int lane(final long id)
    {
        return (int)(id >>> 56);
    }

    /**
     * @param id a message id.
     * @return the position of the original send in its lane.
     */
    public static long position(final long id)
    {
        return id & POSITION_MASK;
    }

    /**
     * @param id a message id.
     * @return it as operators read it: {@code lane:position}, e.g. {@code 1:42}.
     */
    public static String text(final long id)
    {
        return lane(id) + ":" + position(id);
    }
}
